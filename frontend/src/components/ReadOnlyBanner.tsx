import { useEffect } from 'react';
import { getOffboarding } from '../api/offboarding';
import { can, isFullySignedIn, useAuth } from '../auth';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';
import { Link, useHashLocation } from '../router';
import { applyOffboardingStatus, useTenantState } from '../tenantStatus';
import { useLocalDateTimeFormat } from './EventTimes';

/** How often tenant admins ask for the offboarding status (another admin or the platform may start it). */
const POLL_MS = 60_000;

/**
 * TOM DEL-1: across the staff app while the signed-in tenant's contract ends
 * (offboarding): nothing can be changed any more. Tenant admins learn it from
 * `GET /api/v1/tenant/offboarding` (at sign-in and every minute, with the dates);
 * every other role from the first answer 409 `tenant_read_only` (the API client
 * reports it), since only admins may ask for the status.
 */
export function ReadOnlyBanner() {
  const auth = useAuth();
  const { t } = useI18n();
  const { path } = useHashLocation();
  const tenantState = useTenantState();
  const format = useLocalDateTimeFormat();
  const account = auth.status === 'signed-in' && isFullySignedIn(auth.account) && auth.account.tenant ? auth.account : null;
  const admin = account ? can(account, 'offboarding.read') : false;
  const tenantId = account?.tenant?.id ?? null;

  useEffect(() => {
    if (!admin || !tenantId) return;
    let stopped = false;
    let controller: AbortController | null = null;
    const ask = () => {
      const current = new AbortController();
      controller = current;
      getOffboarding(current.signal).then(
        (status) => {
          if (!stopped && status.tenant_id === tenantId) applyOffboardingStatus(status);
        },
        () => {
          // Unknown for now (offline, session ended, aborted: the pages say so); asked again later.
        },
      );
    };
    ask();
    const timer = window.setInterval(ask, POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(timer);
      controller?.abort();
    };
  }, [admin, tenantId]);

  if (!account || (tenantState.tenantId !== null && tenantState.tenantId !== tenantId)) return null;
  if (tenantState.status !== 'read_only' && tenantState.status !== 'offboarded') return null;

  const when = (value: string | null) => {
    const date = value ? parseUtc(value) : null;
    return date ? format.format(date) : null;
  };
  const since = when(tenantState.startedAt);
  const until = when(tenantState.archiveUntil);
  let text: string;
  if (tenantState.status === 'offboarded') text = t('readOnly.bannerOffboarded');
  else if (since && until) text = t('readOnly.banner', { since, until });
  else text = t('readOnly.bannerShort');

  return (
    <div className="read-only-banner" role="status" data-testid="read-only-banner" data-status={tenantState.status}>
      <div className="container read-only-banner__inner">
        <span className="read-only-banner__label">{t('readOnly.label')}</span>{' '}
        <span data-testid="read-only-banner-text">{text}</span>
        {admin && path !== '/offboarding' ? (
          <>
            {' '}
            <Link to="/offboarding" className="read-only-banner__link" data-testid="read-only-banner-link">
              {t('readOnly.link')}
            </Link>
          </>
        ) : null}
      </div>
    </div>
  );
}
