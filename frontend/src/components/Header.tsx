import { useId, useState } from 'react';
import { ApiError } from '../api/client';
import { can, isFullySignedIn, signOut, switchTenant, useAuth, type Account } from '../auth';
import { useI18n } from '../i18n';
import { Link, useHashLocation } from '../router';
import { LanguageSwitch } from './LanguageSwitch';

/**
 * The account's tenants to choose from (TOM SEP-6): switching starts a new
 * session in the other tenant, wipes everything the tab keeps and reloads.
 */
function TenantSwitch({ account }: { account: Account }) {
  const { t } = useI18n();
  const [switching, setSwitching] = useState(false);
  const [failed, setFailed] = useState(false);
  const selectId = useId();
  const current = account.tenant?.id ?? '';

  const onChange = async (tenantId: string) => {
    if (switching || tenantId === current) return;
    setSwitching(true);
    setFailed(false);
    try {
      await switchTenant(tenantId);
      // The page reloads; nothing more to do here.
    } catch (err) {
      setFailed(!(err instanceof ApiError && err.status === 401));
      setSwitching(false);
    }
  };

  return (
    <span className="tenant-switch">
      <label htmlFor={selectId} className="visually-hidden">
        {t('account.switchTenant')}
      </label>
      <select
        id={selectId}
        className="tenant-switch__select"
        value={current}
        disabled={switching}
        onChange={(e) => void onChange(e.target.value)}
        data-testid="tenant-switch"
      >
        {account.tenant ? null : <option value="">{t('account.platform')}</option>}
        {account.tenants.map((tenant) => (
          <option key={tenant.id} value={tenant.id} data-slug={tenant.slug}>
            {tenant.name}
          </option>
        ))}
      </select>
      {failed ? (
        <span className="tenant-switch__error" role="alert" data-testid="tenant-switch-error">
          {t('account.switchTenantFailed')}
        </span>
      ) : null}
    </span>
  );
}

/** Pages for participants and the public (booking, magic link, portal): no staff sign-in link there. */
function isParticipantPath(path: string): boolean {
  return path.startsWith('/book/') || path.startsWith('/p/');
}

export function Header() {
  const { t } = useI18n();
  const auth = useAuth();
  const { path } = useHashLocation();
  const [signingOut, setSigningOut] = useState(false);

  const onSignOut = async () => {
    if (signingOut) return;
    setSigningOut(true);
    try {
      await signOut();
    } finally {
      setSigningOut(false);
    }
  };

  const account = auth.status === 'signed-in' ? auth.account : null;
  // Until the second factor is given (or enrolled), the account sees only what it needs for that.
  const full = account ? isFullySignedIn(account) : false;

  return (
    <header className="app-header">
      <div className="container app-header__inner">
        <Link to="/" className="brand" data-testid="brand">
          <img className="brand__mark" src="/favicon.svg" alt="" width="28" height="28" />
          <span className="brand__name">{t('app.name')}</span>
        </Link>
        {account ? null : <span className="app-header__tagline">{t('app.tagline')}</span>}
        <div className="app-header__end">
          {account ? (
            <div className="account" aria-label={t('account.label')} role="group" data-testid="account">
              {full && account.tenants.length > 1 ? (
                <TenantSwitch account={account} />
              ) : (
                <span className="account__tenant" data-testid="account-tenant">
                  {account.tenant ? account.tenant.name : t('account.platform')}
                </span>
              )}
              <span className="account__email mono" data-testid="account-email">
                {account.email}
              </span>
              <button
                type="button"
                className="button button--small"
                onClick={() => void onSignOut()}
                disabled={signingOut}
                data-testid="sign-out"
              >
                {signingOut ? t('account.signingOut') : t('account.signOut')}
              </button>
            </div>
          ) : null}
          <LanguageSwitch />
        </div>
      </div>
      <nav className="app-nav" aria-label={t('nav.main')}>
        <div className="container app-nav__inner">
          <Link to="/" className="app-nav__link" data-testid="nav-home">
            {t('nav.home')}
          </Link>
          {account && full ? (
            <>
              {can(account, 'audit.read') ? (
                <Link to="/audit" className="app-nav__link" data-testid="nav-audit">
                  {t('nav.audit')}
                </Link>
              ) : null}
              {can(account, 'deletion_log.read') ? (
                <Link to="/deletion-log" className="app-nav__link" data-testid="nav-deletion-log">
                  {t('nav.deletionLog')}
                </Link>
              ) : null}
              {can(account, 'subject_requests.manage') ? (
                <Link to="/requests" className="app-nav__link" data-testid="nav-requests">
                  {t('nav.requests')}
                </Link>
              ) : null}
              {can(account, 'retention.manage') ? (
                <Link to="/retention" className="app-nav__link" data-testid="nav-retention">
                  {t('nav.retention')}
                </Link>
              ) : null}
              {can(account, 'sso.manage') ? (
                <Link to="/sso" className="app-nav__link" data-testid="nav-sso">
                  {t('nav.sso')}
                </Link>
              ) : null}
              {can(account, 'events.read') ? (
                <Link to="/events" section className="app-nav__link" data-testid="nav-events">
                  {t('nav.events')}
                </Link>
              ) : null}
              {can(account, 'events.write') ? (
                <Link to="/participants" className="app-nav__link" data-testid="nav-participants">
                  {t('nav.participants')}
                </Link>
              ) : null}
              {can(account, 'devices.manage') ? (
                <Link to="/devices" className="app-nav__link" data-testid="nav-devices">
                  {t('nav.devices')}
                </Link>
              ) : null}
              {can(account, 'kiosk.view') ? (
                <Link to="/kiosk" className="app-nav__link" data-testid="nav-kiosk">
                  {t('nav.kiosk')}
                </Link>
              ) : null}
              {account.tenant ? (
                <Link to="/locations" className="app-nav__link" data-testid="nav-locations">
                  {t('nav.locations')}
                </Link>
              ) : null}
              {account.tenant && can(account, 'members.read') ? (
                <Link to="/members" className="app-nav__link" data-testid="nav-members">
                  {t('nav.members')}
                </Link>
              ) : null}
              <Link to="/account" className="app-nav__link" data-testid="nav-account">
                {t('nav.myAccount')}
              </Link>
            </>
          ) : account && account.stage === 'enrol' ? (
            <Link to="/account" className="app-nav__link" data-testid="nav-account">
              {t('nav.myAccount')}
            </Link>
          ) : auth.status === 'signed-out' && !isParticipantPath(path) ? (
            <Link to="/login" className="app-nav__link" data-testid="nav-login">
              {t('nav.signIn')}
            </Link>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
