// Locations (German, the default language).
export const locations = {
  'locations.title': 'Orte',
  'locations.intro': 'Orte und Räume dieses Mandanten. Jede Änderung steht im Protokoll.',
  'locations.form.title': 'Neuer Ort',
  'locations.name': 'Name',
  'locations.parent': 'Übergeordneter Ort',
  'locations.noParent': 'Keiner',
  'locations.add': 'Ort anlegen',
  'locations.adding': 'Wird angelegt …',
  'locations.added': 'Ort „{name}“ angelegt.',
  'locations.list.title': 'Alle Orte',
  'locations.empty': 'Noch keine Orte.',
  'locations.loading': 'Orte werden geladen …',
  'locations.error': 'Die Orte konnten nicht geladen werden.',
  'locations.createError': 'Der Ort konnte nicht angelegt werden.',
  'locations.forbidden': 'Ihre Rolle darf hier nichts ändern.',
} as const satisfies Record<string, string>;
