// German (default) dictionary. Every user-visible string of the UI lives here
// and in en.ts; en.ts is typed against this file, so a key missing there is a
// compile error.
export const de = {
  'app.name': 'anwesend',
  'app.tagline': 'Datenschutzfreundliche Anwesenheitserfassung',
  'app.skipToContent': 'Zum Inhalt springen',

  'lang.label': 'Sprache',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.main': 'Hauptnavigation',
  'nav.home': 'Start',

  'offline.banner': 'Keine Verbindung zum Server – wir versuchen es weiter …',

  'home.title': 'Willkommen bei anwesend',
  'home.intro':
    'anwesend erfasst Anwesenheiten für Teams und Organisationen – sparsam mit Daten, getrennt nach Mandanten und ohne Tracking.',
  'home.status.title': 'Serverstatus',
  'home.status.loading': 'Status wird geladen …',
  'home.status.unavailable': 'Der Serverstatus ist gerade nicht abrufbar.',
  'home.status.version': 'Version',
  'home.status.environment': 'Umgebung',
  'home.status.database': 'Datenbank',
  'home.status.connection': 'Verbindung',
  'home.status.serverTime': 'Serverzeit',
  'home.status.checkedAt': 'Zuletzt geprüft: {time}',

  'env.dev': 'Entwicklung',
  'env.prod': 'Produktion',

  'health.ok': 'Verfügbar',
  'health.unavailable': 'Nicht verfügbar',
  'health.unknown': 'Unbekannt',
  'health.online': 'Verbunden',
  'health.offline': 'Getrennt',

  'notFound.title': 'Seite nicht gefunden',
  'notFound.text': 'Die aufgerufene Seite gibt es nicht.',
  'notFound.back': 'Zur Startseite',

  'footer.privacy': 'Keine Cookies, kein Tracking – Sitzungsdaten bleiben nur in diesem Tab.',
} as const satisfies Record<string, string>;

export type MessageKey = keyof typeof de;

/** Shape every other language must fulfil: exactly the keys of `de`. */
export type Messages = { readonly [K in MessageKey]: string };
