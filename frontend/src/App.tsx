import { useEffect, useRef, type ReactNode } from 'react';
import { Header } from './components/Header';
import { OfflineBanner } from './components/OfflineBanner';
import { useI18n } from './i18n';
import { NotFound } from './pages/NotFound';
import { StartPage } from './pages/StartPage';
import { useHashLocation } from './router';
import { startStatusPolling } from './serverStatus';

function routeFor(path: string): ReactNode {
  switch (path) {
    case '/':
      return <StartPage />;
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

  useEffect(() => {
    document.title = t('app.name');
  }, [t]);

  // The skip link cannot be an in-page anchor (the fragment holds the route),
  // so it moves focus programmatically.
  const skipToContent = () => {
    mainRef.current?.focus();
  };

  return (
    <div className="app">
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
