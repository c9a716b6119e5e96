import { useId, useState } from 'react';
import { ApiError } from '../api/client';
import { isFullySignedIn, signOut, switchTenant, useAuth, type Account } from '../auth';
import { useI18n } from '../i18n';
import { Link, useHashLocation } from '../router';
import { GroupedNav } from './GroupedNav';
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
          {account ? (
            <GroupedNav account={account} />
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
