import { can, type Account, type Permission } from './auth';
import type { MessageKey } from './i18n';

/**
 * The staff navigation, grouped by what people do (issue 23). One list: a new page adds
 * one item with its group and the permission it needs (`/auth/me` lists the session's
 * permissions; the server checks every request again). Groups show only when one of
 * their items may be used; a group with a single usable item is a plain link.
 */
export type NavGroupId = 'events' | 'places' | 'team' | 'privacy' | 'platform' | 'account';

export const NAV_GROUPS: readonly { id: NavGroupId; label: MessageKey }[] = [
  { id: 'events', label: 'nav.group.events' },
  { id: 'places', label: 'nav.group.places' },
  { id: 'team', label: 'nav.group.team' },
  { id: 'privacy', label: 'nav.group.privacy' },
  { id: 'platform', label: 'nav.group.platform' },
  { id: 'account', label: 'nav.group.account' },
];

export interface NavItem {
  group: NavGroupId;
  /** The route, e.g. `/events`. */
  to: string;
  label: MessageKey;
  /** What the session must be granted; `null`: every signed-in account. */
  permission: Permission | null;
  testId: string;
  /** Also current on the routes below `to` (e.g. `/events/{id}`). */
  section?: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { group: 'events', to: '/events', label: 'nav.events', permission: 'events.read', testId: 'nav-events', section: true },
  { group: 'events', to: '/participants', label: 'nav.participants', permission: 'participants.read', testId: 'nav-participants' },
  { group: 'events', to: '/import', label: 'nav.import', permission: 'events.write', testId: 'nav-import' },
  { group: 'events', to: '/mail-texts', label: 'nav.mailTexts', permission: 'booking_settings.write', testId: 'nav-mail-texts' },
  { group: 'events', to: '/reports', label: 'nav.reports', permission: 'reports.read', testId: 'nav-reports' },
  { group: 'events', to: '/kiosk', label: 'nav.kiosk', permission: 'kiosk.view', testId: 'nav-kiosk' },
  { group: 'places', to: '/devices', label: 'nav.devices', permission: 'devices.manage', testId: 'nav-devices' },
  { group: 'places', to: '/locations', label: 'nav.locations', permission: 'locations.read', testId: 'nav-locations' },
  { group: 'team', to: '/members', label: 'nav.members', permission: 'members.read', testId: 'nav-members' },
  { group: 'team', to: '/sso', label: 'nav.sso', permission: 'sso.manage', testId: 'nav-sso' },
  { group: 'privacy', to: '/audit', label: 'nav.audit', permission: 'audit.read', testId: 'nav-audit' },
  { group: 'privacy', to: '/deletion-log', label: 'nav.deletionLog', permission: 'deletion_log.read', testId: 'nav-deletion-log' },
  { group: 'privacy', to: '/requests', label: 'nav.requests', permission: 'subject_requests.manage', testId: 'nav-requests' },
  { group: 'privacy', to: '/retention', label: 'nav.retention', permission: 'retention.manage', testId: 'nav-retention' },
  { group: 'privacy', to: '/incidents', label: 'nav.incidents', permission: 'incidents.read', testId: 'nav-incidents' },
  {
    group: 'privacy',
    to: '/processing-record',
    label: 'nav.processingRecord',
    permission: 'processing_record.read',
    testId: 'nav-processing-record',
  },
  { group: 'platform', to: '/platform', label: 'nav.platform', permission: 'platform.tenants', testId: 'nav-platform' },
  {
    group: 'platform',
    to: '/platform/incidents',
    label: 'nav.incidentRegister',
    permission: 'platform.incidents',
    testId: 'nav-incident-register',
    section: true,
  },
  {
    group: 'platform',
    to: '/platform/subprocessors',
    label: 'nav.subprocessorRegister',
    permission: 'platform.subprocessors',
    testId: 'nav-subprocessor-register',
  },
  { group: 'privacy', to: '/subprocessors', label: 'nav.subprocessors', permission: 'subprocessors.read', testId: 'nav-subprocessors' },
  { group: 'privacy', to: '/toms', label: 'nav.toms', permission: 'toms.read', testId: 'nav-toms' },
  { group: 'platform', to: '/platform/toms', label: 'nav.tomsPlatform', permission: 'platform.toms', testId: 'nav-toms-platform' },
  { group: 'privacy', to: '/webhooks', label: 'nav.webhooks', permission: 'webhooks.manage', testId: 'nav-webhooks' },
  { group: 'account', to: '/account', label: 'nav.myAccount', permission: null, testId: 'nav-account' },
];

export interface VisibleGroup {
  id: NavGroupId;
  label: MessageKey;
  items: NavItem[];
}

/**
 * The groups and items `account` may use. Until the second factor is set up (stage
 * `enrol`) only the account page; before the sign-in is complete nothing.
 */
export function visibleNav(account: Account): VisibleGroup[] {
  const usable = (item: NavItem) => {
    if (account.stage === 'enrol') return item.to === '/account';
    if (account.stage !== 'full') return false;
    return item.permission === null || can(account, item.permission);
  };
  return NAV_GROUPS.map((group) => ({ ...group, items: NAV_ITEMS.filter((item) => item.group === group.id && usable(item)) })).filter(
    (group) => group.items.length > 0,
  );
}

/** True if `path` is the item's page (or below it, for a section). */
export function isCurrent(item: NavItem, path: string): boolean {
  return item.to === path || (item.section === true && path.startsWith(`${item.to}/`));
}
