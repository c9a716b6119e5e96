import type { locations as de } from '../de/locations';
import type { Translation } from '../types';

// Locations (English).
export const locations: Translation<typeof de> = {
  'locations.title': 'Locations',
  'locations.intro': 'Locations and rooms of this tenant. Every change is in the audit log.',
  'locations.form.title': 'New location',
  'locations.name': 'Name',
  'locations.parent': 'Parent location',
  'locations.noParent': 'None',
  'locations.add': 'Add location',
  'locations.adding': 'Adding …',
  'locations.added': 'Location "{name}" added.',
  'locations.list.title': 'All locations',
  'locations.empty': 'No locations yet.',
  'locations.loading': 'Loading locations …',
  'locations.error': 'The locations could not be loaded.',
  'locations.createError': 'The location could not be added.',
  'locations.forbidden': 'Your role may not change anything here.',
};
