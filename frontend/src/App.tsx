import { useEffect, useRef, type ReactNode } from 'react';
import { restoreSession } from './auth';
import { Header } from './components/Header';
import { OfflineBanner } from './components/OfflineBanner';
import { useI18n } from './i18n';
import { AccountPage } from './pages/AccountPage';
import { AuditPage } from './pages/AuditPage';
import { BookingPage } from './pages/BookingPage';
import { DeletionLogPage } from './pages/DeletionLogPage';
import { EventPage } from './pages/EventPage';
import { EventsPage } from './pages/EventsPage';
import { InvitationPage } from './pages/InvitationPage';
import { LocationsPage } from './pages/LocationsPage';
import { LoginPage } from './pages/LoginPage';
import { MembersPage } from './pages/MembersPage';
import { NotFound } from './pages/NotFound';
import { ParticipantLoginPage } from './pages/ParticipantLoginPage';
import { ParticipantsPage } from './pages/ParticipantsPage';
import { PortalPage } from './pages/PortalPage';
import { StartPage } from './pages/StartPage';
import { useHashLocation } from './router';
import { startStatusPolling } from './serverStatus';

/** Pages with wide tables get a wider layout. */
const WIDE_ROUTES = new Set(['/audit', '/deletion-log', '/members', '/events']);
const WIDE_PATTERNS = [/^\/events\/[^/]+$/];

function isWide(path: string): boolean {
  return WIDE_ROUTES.has(path) || WIDE_PATTERNS.some((pattern) => pattern.test(path));
}

/** A path segment as written in the route (`%…` decoded); null if it does not decode. */
function segment(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** Routes with parameters: `/events/{id}`, `/book/{slug}/{eventId}`, `/p/{slug}/login`, `/p/{slug}/portal`. */
function paramRouteFor(path: string): ReactNode | null {
  let m = /^\/events\/([^/]+)$/.exec(path);
  if (m) {
    const id = segment(m[1]);
    return id ? <EventPage key={id} eventId={id} /> : null;
  }
  m = /^\/book\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    const id = segment(m[2]);
    return slug && id ? <BookingPage key={`${slug}/${id}`} slug={slug} eventId={id} /> : null;
  }
  m = /^\/p\/([^/]+)\/(login|portal)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    if (!slug) return null;
    return m[2] === 'login' ? <ParticipantLoginPage key={slug} slug={slug} /> : <PortalPage key={slug} slug={slug} />;
  }
  return null;
}

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
    case '/events':
      return <EventsPage />;
    case '/participants':
      return <ParticipantsPage />;
    default:
      return paramRouteFor(path) ?? <NotFound />;
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
    <div className={isWide(path) ? 'app app--wide' : 'app'}>
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
