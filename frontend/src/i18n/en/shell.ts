import type { shell as de } from '../de/shell';
import type { Translation } from '../types';

// The app shell: name, languages, navigation, account menu, session, server status, shared words and form messages, start page (English).
export const shell: Translation<typeof de> = {
  'app.name': 'anwesend',
  'app.tagline': 'Privacy-friendly attendance tracking',
  'app.skipToContent': 'Skip to content',

  'lang.label': 'Language',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.main': 'Main navigation',
  'nav.home': 'Home',

  'nav.audit': 'Audit log',
  'nav.deletionLog': 'Deletion log',
  'nav.locations': 'Locations',
  'nav.myAccount': 'My account',
  'nav.members': 'Members',
  'nav.events': 'Events',
  'nav.participants': 'Participants',
  'nav.signIn': 'Sign in',

  'account.label': 'Account',
  'account.platform': 'Platform',
  'account.signOut': 'Sign out',
  'account.signingOut': 'Signing out …',
  'account.switchTenant': 'Switch tenant',
  'account.switchTenantFailed': 'Switching failed.',

  'auth.checking': 'Checking session …',
  'auth.required': 'Please sign in to continue.',

  'common.none': '–',
  'common.serverSays': 'Server: {detail}',

  'form.required': 'Please fill this in.',
  'form.tooLong': 'At most {max} characters.',
  'form.invalid': 'Please check this entry.',
  'form.invalidDate': 'Please enter a valid date and time.',
  'form.fixErrors': 'Please check the marked entries.',

  'nav.devices': 'Devices',
  'nav.kiosk': 'Kiosk',

  'nav.requests': 'Requests',

  'nav.retention': 'Retention',
  'nav.reports': 'Reports',

  'readOnly.label': 'Read-only:',
  'readOnly.banner':
    "This tenant's contract is ending. Nothing can be changed since {since}; the archive is available until {until}, then the data is deleted.",
  'readOnly.bannerShort': "This tenant's contract is ending; nothing can be changed any more.",
  'readOnly.bannerOffboarded': "This tenant's contract has ended; its data is deleted.",
  'readOnly.link': 'End of contract',

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

  'footer.privacy': 'No tracking; only a session cookie once you sign in – all other session data stays in this tab only.',
};
