// First of all: a magic-link token leaves the address bar before the app's
// modules run, anything renders or anything is fetched (TOM TRANS-3). (Only
// React's JSX runtime, which the compiler imports ahead of this line, is
// defined earlier; it does nothing but define functions.)
import './magicLink';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { I18nProvider } from './i18n';
import './styles.css';

const container = document.getElementById('root');
if (!container) throw new Error('#root element missing in index.html');

createRoot(container).render(
  <StrictMode>
    <I18nProvider>
      <App />
    </I18nProvider>
  </StrictMode>,
);
