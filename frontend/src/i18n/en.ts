import type { Messages } from './de';

// English dictionary. Typed as Messages: it must define every key of de.ts
// (and no others).
export const en: Messages = {
  'app.name': 'anwesend',
  'app.tagline': 'Privacy-friendly attendance tracking',
  'app.skipToContent': 'Skip to content',

  'lang.label': 'Language',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.main': 'Main navigation',
  'nav.home': 'Home',

  'offline.banner': 'No connection to the server – retrying …',

  'home.title': 'Welcome to anwesend',
  'home.intro':
    'anwesend records attendance for teams and organisations – data-minimal, separated by tenant and without tracking.',
  'home.status.title': 'Server status',
  'home.status.loading': 'Loading status …',
  'home.status.unavailable': 'The server status is currently unavailable.',
  'home.status.version': 'Version',
  'home.status.environment': 'Environment',
  'home.status.database': 'Database',
  'home.status.connection': 'Connection',
  'home.status.serverTime': 'Server time',
  'home.status.checkedAt': 'Last checked: {time}',

  'env.dev': 'Development',
  'env.prod': 'Production',

  'health.ok': 'Available',
  'health.unavailable': 'Unavailable',
  'health.unknown': 'Unknown',
  'health.online': 'Connected',
  'health.offline': 'Disconnected',

  'notFound.title': 'Page not found',
  'notFound.text': 'The requested page does not exist.',
  'notFound.back': 'Back to the start page',

  'footer.privacy': 'No cookies, no tracking – session data stays in this tab only.',
};
