import { useEffect, useRef, type ReactNode } from 'react';
import { restoreSession } from './auth';
import { Header } from './components/Header';
import { OfflineBanner } from './components/OfflineBanner';
import { useI18n } from './i18n';
import { AccountPage } from './pages/AccountPage';
import { AuditPage } from './pages/AuditPage';
import { DeletionLogPage } from './pages/DeletionLogPage';
import { InvitationPage } from './pages/InvitationPage';
import { LocationsPage } from './pages/LocationsPage';
import { LoginPage } from './pages/LoginPage';
import { MembersPage } from './pages/MembersPage';
import { NotFound } from './pages/NotFound';
import { StartPage } from './pages/StartPage';
import { useHashLocation } from './router';
import { startStatusPolling } from './serverStatus';

/** Pages with wide tables get a wider layout. */
const WIDE_ROUTES = new Set(['/audit', '/deletion-log', '/members']);

function routeFor(path: string): ReactNode {
  switch (path) {
    case '/':
      return <StartPage />;
    case '/login':
      return <LoginPage />;
    case '/audit':
      return <AuditPage />;
    case '/deletion-log':
      return <DeletionLogPage />;
    case '/locations':
      return <LocationsPage />;
    case '/account':
      return <AccountPage />;
    case '/members':
      return <MembersPage />;
    case '/invitation':
      return <InvitationPage />;
    default:
      return <NotFound />;
  }
}

export function App() {
  const { t } = useI18n();
  const { path } = useHashLocation();
  const mainRef = useRef<HTMLElement>(null);

  // TOM AVAIL-4: poll the server status for the whole lifetime of the app.
  useEffect(() => startStatusPolling(), []);

  // The session cookie survives a reload, the in-memory account does not:
  // ask the server who is signed in.
  useEffect(() => {
    void restoreSession();
  }, []);

  useEffect(() => {
    document.title = t('app.name');
  }, [t]);

  // The skip link cannot be an in-page anchor (the fragment holds the route),
  // so it moves focus programmatically.
  const skipToContent = () => {
    mainRef.current?.focus();
  };

  return (
    <div className={WIDE_ROUTES.has(path) ? 'app app--wide' : 'app'}>
      <button type="button" className="skip-link" onClick={skipToContent}>
        {t('app.skipToContent')}
      </button>
      <Header />
      <OfflineBanner />
      <main id="main" className="container app-main" ref={mainRef} tabIndex={-1}>
        {routeFor(path)}
      </main>
      <footer className="app-footer">
        <div className="container">
          <p className="small muted">{t('footer.privacy')}</p>
        </div>
      </footer>
    </div>
  );
}
