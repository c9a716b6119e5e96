import { lazy, Suspense, useEffect, useRef, type ReactNode } from 'react';
import { restoreSession, useAuth } from './auth';
import { Header } from './components/Header';
import { OfflineBanner } from './components/OfflineBanner';
import { ReadOnlyBanner } from './components/ReadOnlyBanner';
import { useI18n } from './i18n';
import { useKioskMode } from './kiosk';
import { InvitationPage } from './pages/InvitationPage';
import { LoginPage } from './pages/LoginPage';
import { NotFound } from './pages/NotFound';
import { ForgotPasswordPage, ResetPasswordPage } from './pages/PasswordResetPages';
import { VerifyPage } from './pages/VerifyPage';
import { StartPage } from './pages/StartPage';
import { useHashLocation } from './router';
import { startStatusPolling } from './serverStatus';

// Route-level code splitting: every page but the ones a first visit needs at
// once (start, sign-in, not found, and the invitation page, which takes its
// token out of the address bar on its first render, as does the password reset page) is its own chunk, loaded
// when its route is first opened.
const AccountPage = lazy(() => import('./pages/AccountPage').then((m) => ({ default: m.AccountPage })));
const AttendancePage = lazy(() => import('./pages/AttendancePage').then((m) => ({ default: m.AttendancePage })));
const AttendancePrintPage = lazy(() => import('./pages/AttendancePrintPage').then((m) => ({ default: m.AttendancePrintPage })));
const AuditPage = lazy(() => import('./pages/AuditPage').then((m) => ({ default: m.AuditPage })));
const BookingPage = lazy(() => import('./pages/BookingPage').then((m) => ({ default: m.BookingPage })));
const DeletionLogPage = lazy(() => import('./pages/DeletionLogPage').then((m) => ({ default: m.DeletionLogPage })));
const DevicesPage = lazy(() => import('./pages/DevicesPage').then((m) => ({ default: m.DevicesPage })));
const EventPage = lazy(() => import('./pages/EventPage').then((m) => ({ default: m.EventPage })));
const EventsPage = lazy(() => import('./pages/EventsPage').then((m) => ({ default: m.EventsPage })));
const KioskPage = lazy(() => import('./pages/KioskPage').then((m) => ({ default: m.KioskPage })));
const KioskScreen = lazy(() => import('./pages/KioskPage').then((m) => ({ default: m.KioskScreen })));
const LocationsPage = lazy(() => import('./pages/LocationsPage').then((m) => ({ default: m.LocationsPage })));
const MembersPage = lazy(() => import('./pages/MembersPage').then((m) => ({ default: m.MembersPage })));
const OffboardingPage = lazy(() => import('./pages/OffboardingPage').then((m) => ({ default: m.OffboardingPage })));
const ConfirmBookingPage = lazy(() => import('./pages/ConfirmBookingPage').then((m) => ({ default: m.ConfirmBookingPage })));
const ParticipantLoginPage = lazy(() => import('./pages/ParticipantLoginPage').then((m) => ({ default: m.ParticipantLoginPage })));
const ParticipantRecordPage = lazy(() => import('./pages/ParticipantRecordPage').then((m) => ({ default: m.ParticipantRecordPage })));
const ParticipantsPage = lazy(() => import('./pages/ParticipantsPage').then((m) => ({ default: m.ParticipantsPage })));
const IncidentPage = lazy(() => import('./pages/IncidentPage').then((m) => ({ default: m.IncidentPage })));
const IncidentsPage = lazy(() => import('./pages/IncidentsPage').then((m) => ({ default: m.IncidentsPage })));
const SubprocessorsPage = lazy(() => import('./pages/SubprocessorsPage').then((m) => ({ default: m.SubprocessorsPage })));
const TenantSubprocessorsPage = lazy(() => import('./pages/TenantSubprocessorsPage').then((m) => ({ default: m.TenantSubprocessorsPage })));
const TenantIncidentsPage = lazy(() => import('./pages/TenantIncidentsPage').then((m) => ({ default: m.TenantIncidentsPage })));
const PlatformPage = lazy(() => import('./pages/PlatformPage').then((m) => ({ default: m.PlatformPage })));
const PortalPage = lazy(() => import('./pages/PortalPage').then((m) => ({ default: m.PortalPage })));
const PublicListPage = lazy(() => import('./pages/PublicListPage').then((m) => ({ default: m.PublicListPage })));
const ProcessingRecordPage = lazy(() => import('./pages/ProcessingRecordPage').then((m) => ({ default: m.ProcessingRecordPage })));
const RequestsPage = lazy(() => import('./pages/RequestsPage').then((m) => ({ default: m.RequestsPage })));
const SsoPage = lazy(() => import('./pages/SsoPage').then((m) => ({ default: m.SsoPage })));
const ImportPage = lazy(() => import('./pages/ImportPage').then((m) => ({ default: m.ImportPage })));
const MailTextsPage = lazy(() => import('./pages/MailTextsPage').then((m) => ({ default: m.MailTextsPage })));
const WebhooksPage = lazy(() => import('./pages/WebhooksPage').then((m) => ({ default: m.WebhooksPage })));
const ReportsPage = lazy(() => import('./pages/ReportsPage').then((m) => ({ default: m.ReportsPage })));
const PlatformTomsPage = lazy(() => import('./pages/TomsPage').then((m) => ({ default: m.PlatformTomsPage })));
const TenantTomsPage = lazy(() => import('./pages/TomsPage').then((m) => ({ default: m.TenantTomsPage })));
const RetentionPage = lazy(() => import('./pages/RetentionPage').then((m) => ({ default: m.RetentionPage })));

/** Pages with wide tables get a wider layout. */
const WIDE_ROUTES = new Set(['/reports', '/audit', '/deletion-log', '/requests', '/retention', '/processing-record', '/webhooks', '/members', '/events', '/devices', '/import', '/platform', '/platform/incidents', '/incidents', '/platform/subprocessors', '/subprocessors', '/platform/toms', '/toms']);
const WIDE_PATTERNS = [/^\/platform\/incidents\/[^/]+$/, /^\/events\/[^/]+$/, /^\/sessions\/[^/]+\/attendance(\/print)?$/, /^\/participants\/[^/]+\/attendance$/];

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

/**
 * Routes with parameters: `/events/{id}`, `/sessions/{id}/attendance(/print)`,
 * `/participants/{id}/attendance`, `/book/{slug}/{eventId}`, `/e/{slug}`, `/p/{slug}/login`, `/p/{slug}/portal`,
 * `/p/{slug}/confirm`.
 */
function paramRouteFor(path: string): ReactNode | null {
  let m = /^\/platform\/incidents\/([^/]+)$/.exec(path);
  if (m) {
    const id = segment(m[1]);
    return id ? <IncidentPage key={id} incidentId={id} /> : null;
  }
  m = /^\/events\/([^/]+)$/.exec(path);
  if (m) {
    const id = segment(m[1]);
    return id ? <EventPage key={id} eventId={id} /> : null;
  }
  m = /^\/sessions\/([^/]+)\/attendance(\/print)?$/.exec(path);
  if (m) {
    const id = segment(m[1]);
    if (!id) return null;
    return m[2] ? <AttendancePrintPage key={id} sessionId={id} /> : <AttendancePage key={id} sessionId={id} />;
  }
  m = /^\/participants\/([^/]+)\/attendance$/.exec(path);
  if (m) {
    const id = segment(m[1]);
    return id ? <ParticipantRecordPage key={id} participantId={id} /> : null;
  }
  m = /^\/book\/([^/]+)\/([^/]+)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    const id = segment(m[2]);
    return slug && id ? <BookingPage key={`${slug}/${id}`} slug={slug} eventId={id} /> : null;
  }
  m = /^\/e\/([^/]+)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    return slug ? <PublicListPage key={slug} slug={slug} /> : null;
  }
  m = /^\/login\/([^/]+)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    return slug ? <LoginPage key={slug} tenant={slug} /> : null;
  }
  m = /^\/p\/([^/]+)\/(login|portal|confirm)$/.exec(path);
  if (m) {
    const slug = segment(m[1]);
    if (!slug) return null;
    if (m[2] === 'confirm') return <ConfirmBookingPage key={slug} slug={slug} />;
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
    case '/requests':
      return <RequestsPage />;
    case '/reports':
      return <ReportsPage />;
    case '/retention':
      return <RetentionPage />;
    case '/webhooks':
      return <WebhooksPage />;
    case '/import':
      return <ImportPage />;
    case '/mail-texts':
      return <MailTextsPage />;
    case '/sso':
      return <SsoPage />;
    case '/processing-record':
      return <ProcessingRecordPage />;
    case '/offboarding':
      return <OffboardingPage />;
    case '/platform':
      return <PlatformPage />;
    case '/platform/incidents':
      return <IncidentsPage />;
    case '/incidents':
      return <TenantIncidentsPage />;
    case '/platform/subprocessors':
      return <SubprocessorsPage />;
    case '/subprocessors':
      return <TenantSubprocessorsPage />;
    case '/platform/toms':
      return <PlatformTomsPage />;
    case '/toms':
      return <TenantTomsPage />;
    case '/locations':
      return <LocationsPage />;
    case '/account':
      return <AccountPage />;
    case '/members':
      return <MembersPage />;
    case '/invitation':
      return <InvitationPage />;
    case '/forgot-password':
      return <ForgotPasswordPage />;
    case '/verify':
      return <VerifyPage />;
    case '/reset-password':
      return <ResetPasswordPage />;
    case '/events':
      return <EventsPage />;
    case '/participants':
      return <ParticipantsPage />;
    case '/devices':
      return <DevicesPage />;
    case '/kiosk':
      return <KioskPage />;
    default:
      return paramRouteFor(path) ?? <NotFound />;
  }
}

/**
 * Served under `/embed/{tenant}` (the page a club's website may frame, issue 23): only
 * the public list and the booking pages, without the staff shell.
 */
export const EMBEDDED = window.location.pathname.startsWith('/embed/');

function embeddedRouteFor(path: string): ReactNode {
  if (/^\/e\/[^/]+$/.test(path) || /^\/book\/[^/]+\/[^/]+$/.test(path)) return paramRouteFor(path);
  return <NotFound />;
}

export function App() {
  return EMBEDDED ? <EmbeddedApp /> : <FullApp />;
}

function EmbeddedApp() {
  const { path } = useHashLocation();
  return (
    <div className="app app--embedded">
      <main id="main" className="container app-main" tabIndex={-1}>
        <Suspense fallback={null}>{embeddedRouteFor(path)}</Suspense>
      </main>
    </div>
  );
}

function FullApp() {
  const { t } = useI18n();
  const { path } = useHashLocation();
  const mainRef = useRef<HTMLElement>(null);
  const kiosk = useKioskMode();
  const auth = useAuth();

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

  // Kiosk mode replaces the whole app (no header, no navigation) until it is ended on
  // the kiosk screen; without a session the app asks for a sign-in first.
  if (kiosk && auth.status !== 'signed-out') {
    return (
      <Suspense fallback={null}>
        <KioskScreen mode={kiosk} />
      </Suspense>
    );
  }

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
      <ReadOnlyBanner />
      <main id="main" className="container app-main" ref={mainRef} tabIndex={-1}>
        <Suspense fallback={null}>{routeFor(path)}</Suspense>
      </main>
      <footer className="app-footer">
        <div className="container">
          <p className="small muted">{t('footer.privacy')}</p>
        </div>
      </footer>
    </div>
  );
}
