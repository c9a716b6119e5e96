import type { toms as de } from '../de/toms';
import type { Translation } from '../types';

// The TOM evidence report (issue 20, TOM REVIEW-1; English).
export const toms: Translation<typeof de> = {
  'nav.toms': 'Evidence',
  'nav.tomsPlatform': 'TOM evidence',

  'toms.title': 'Evidence of the technical measures',
  'toms.platformTitle': 'TOM evidence of the platform',
  'toms.intro':
    'Every technical and organisational measure (Art. 32 GDPR) that applies to your tenant: the control, the current evidence from the running system (your tenant’s figures only), the tests that prove it and its status. For your own audits (Art. 32(1)(d)).',
  'toms.platformIntro':
    'Every measure of the TOM catalogue: the control, the current evidence from the running system (across tenants, counts only), the tests that prove it and its status. The regular review of Art. 32(1)(d) GDPR.',
  'toms.forbidden': 'Only admins see the evidence.',
  'toms.loading': 'Collecting the evidence …',
  'toms.error': 'The evidence could not be collected.',
  'toms.backPlatform': '← Platform',
  'toms.backHome': '← Start',
  'toms.print': 'Print / save as PDF',
  'toms.export': 'Export (signed)',
  'toms.exported': 'Signed export saved: {name}',
  'toms.exportError': 'The export failed.',
  'toms.generatedAt': 'Generated',
  'toms.version': 'Version',
  'toms.tenant': 'Tenant',
  'toms.summary': 'Status',
  'toms.summaryText': '{ok} ok, {attention} need attention, {failing} failing',
  'toms.caption': 'Measures with control, evidence, tests and status',
  'toms.col.id': 'ID',
  'toms.col.control': 'Control',
  'toms.col.evidence': 'Evidence',
  'toms.col.tests': 'Tests',
  'toms.col.status': 'Status',
  'toms.documented': 'documented control',
  'toms.noTests': 'no test',
  'toms.tests': '{count} tests',
  'toms.status.ok': 'ok',
  'toms.status.attention': 'attention',
  'toms.status.failing': 'failing',
  'platform.toms.title': 'TOM evidence',
  'platform.toms.text': 'Every measure with the evidence from the running system, its tests and its status; exportable signed.',
  'platform.toms.open': 'Open the evidence',
};
