// The app shell: name, languages, navigation, account menu, session, server status, shared words and form messages, start page (German, the default language).
export const shell = {
  'app.name': 'anwesend',
  'app.tagline': 'Datenschutzfreundliche Anwesenheitserfassung',
  'app.skipToContent': 'Zum Inhalt springen',

  'lang.label': 'Sprache',
  'lang.de': 'Deutsch',
  'lang.en': 'English',

  'nav.main': 'Hauptnavigation',
  'nav.home': 'Start',

  'nav.audit': 'Protokoll',
  'nav.deletionLog': 'Löschprotokoll',
  'nav.locations': 'Orte',
  'nav.myAccount': 'Mein Konto',
  'nav.members': 'Mitglieder',
  'nav.events': 'Veranstaltungen',
  'nav.participants': 'Teilnehmende',
  'nav.signIn': 'Anmelden',

  'account.label': 'Konto',
  'account.platform': 'Plattform',
  'account.signOut': 'Abmelden',
  'account.signingOut': 'Abmelden …',
  'account.switchTenant': 'Mandant wechseln',
  'account.switchTenantFailed': 'Der Wechsel ist fehlgeschlagen.',

  'auth.checking': 'Sitzung wird geprüft …',
  'auth.required': 'Bitte melden Sie sich an, um fortzufahren.',

  'common.none': '–',
  'common.serverSays': 'Server: {detail}',

  'form.required': 'Bitte ausfüllen.',
  'form.tooLong': 'Höchstens {max} Zeichen.',
  'form.invalid': 'Bitte prüfen Sie diese Angabe.',
  'form.invalidDate': 'Bitte ein gültiges Datum mit Uhrzeit eingeben.',
  'form.fixErrors': 'Bitte prüfen Sie die markierten Angaben.',

  'nav.devices': 'Geräte',
  'nav.kiosk': 'Kiosk',

  'nav.requests': 'Anfragen',

  'nav.retention': 'Aufbewahrung',
  'nav.reports': 'Berichte',

  'readOnly.label': 'Nur lesen:',
  'readOnly.banner':
    'Der Vertrag dieses Mandanten endet. Seit {since} kann nichts mehr geändert werden; das Archiv steht bis {until} bereit, danach werden die Daten gelöscht.',
  'readOnly.bannerShort': 'Der Vertrag dieses Mandanten endet; es kann nichts mehr geändert werden.',
  'readOnly.bannerOffboarded': 'Der Vertrag dieses Mandanten ist beendet; seine Daten sind gelöscht.',
  'readOnly.link': 'Vertragsende',

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

  'footer.privacy':
    'Kein Tracking; nach der Anmeldung nur ein Sitzungs-Cookie – alle weiteren Sitzungsdaten bleiben nur in diesem Tab.',
} as const satisfies Record<string, string>;
