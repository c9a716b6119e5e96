import type { platform as de } from '../de/platform';
import type { Translation } from '../types';

// The platform console (issue 20; English).
export const platform: Translation<typeof de> = {
  'nav.group.platform': 'Platform',
  'nav.platform': 'Platform console',

  'platform.title': 'Platform console',
  'platform.intro':
    "Tenants, their status and figures, new tenants and the end of contract. The console shows no tenant's personal data, only figures.",
  'platform.forbidden': 'Only platform admins with a second factor open the console.',
  'platform.loading': 'Loading …',
  'platform.error': 'The data could not be loaded.',

  'platform.status.title': 'State',
  'platform.status.version': 'Version',
  'platform.status.database': 'Database',
  'platform.status.reachable': 'reachable',
  'platform.status.unreachable': 'unreachable',
  'platform.status.environment': 'Environment',
  'platform.status.tenants': 'Tenants',
  'platform.status.tenantCounts': '{active} active, {readOnly} ending, {offboarded} deleted',
  'platform.status.devicesOverdue': 'Devices silent (over 10 minutes)',
  'platform.status.outbox': 'Mail outbox',
  'platform.status.oldestQueued': 'oldest waiting since {at}',
  'platform.status.backup': 'Last backup',
  'platform.status.verified': 'verified',
  'platform.status.verifyFailed': 'verification failed',
  'platform.status.audit': 'Audit chains verified',
  'platform.status.auditChecked': '{at}, {broken} broken',
  'platform.jobs.name': 'Job',
  'platform.jobs.success': 'Last success',
  'platform.jobs.failure': 'Last failure',
  'platform.jobs.runs': 'Runs',

  'platform.tenants.title': 'Tenants',
  'platform.tenants.countsOnly': 'Status and figures only – no names or addresses of the people in a tenant.',
  'platform.tenants.slug': 'Slug',
  'platform.tenants.name': 'Name',
  'platform.tenants.status': 'Status',
  'platform.tenants.members': 'Members',
  'platform.tenants.admins': 'Admins',
  'platform.tenants.invitations': 'Open invitations',
  'platform.tenants.created': 'Created',
  'platform.tenants.actions': 'Actions',
  'platform.tenants.archiveUntil': 'export until {until}',

  'platform.offboard.open': 'End contract …',
  'platform.offboard.title': 'End of contract for “{slug}”',
  'platform.offboard.dialog':
    '“{name}” turns read-only at once; after the export window its data is deleted and its keys destroyed. This cannot be undone.',
  'platform.offboard.started': 'The end of contract for “{slug}” has started.',
  'platform.certificate.download': 'Download deletion certificate',
  'platform.certificate.error': 'The deletion certificate could not be loaded.',

  'platform.create.title': 'New tenant',
  'platform.create.text': "The first admin gets an invitation by mail and becomes the tenant's primary admin.",
  'platform.create.slug': 'Slug',
  'platform.create.slugHint': '2–40 characters: a–z, 0–9 and inner dashes; appears in public addresses.',
  'platform.create.name': 'Name',
  'platform.create.email': "First admin's email",
  'platform.create.language': 'Language of the invitation',
  'platform.create.submit': 'Create tenant and invite',
  'platform.create.done': 'Tenant “{slug}” created; the invitation is on its way.',
  'platform.create.slugTaken': 'This slug is taken.',
  'platform.create.error': 'The tenant could not be created.',

  'platform.audit.title': 'Platform audit trail',
  'platform.audit.text': "The platform's audit chain: search, verify and export it signed.",
  'platform.audit.open': 'Open the platform audit trail',
} as const;
