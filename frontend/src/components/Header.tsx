import { useState } from 'react';
import { canReadAudit, canReadDeletionLog, signOut, useAuth } from '../auth';
import { useI18n } from '../i18n';
import { Link } from '../router';
import { LanguageSwitch } from './LanguageSwitch';

export function Header() {
  const { t } = useI18n();
  const auth = useAuth();
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
              <span className="account__tenant" data-testid="account-tenant">
                {account.tenant ? account.tenant.name : t('account.platform')}
              </span>
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
            <>
              {canReadAudit(account) ? (
                <Link to="/audit" className="app-nav__link" data-testid="nav-audit">
                  {t('nav.audit')}
                </Link>
              ) : null}
              {canReadDeletionLog(account) ? (
                <Link to="/deletion-log" className="app-nav__link" data-testid="nav-deletion-log">
                  {t('nav.deletionLog')}
                </Link>
              ) : null}
              {account.tenant ? (
                <Link to="/locations" className="app-nav__link" data-testid="nav-locations">
                  {t('nav.locations')}
                </Link>
              ) : null}
              <Link to="/account" className="app-nav__link" data-testid="nav-account">
                {t('nav.myAccount')}
              </Link>
            </>
          ) : auth.status === 'signed-out' ? (
            <Link to="/login" className="app-nav__link" data-testid="nav-login">
              {t('nav.signIn')}
            </Link>
          ) : null}
        </div>
      </nav>
    </header>
  );
}
