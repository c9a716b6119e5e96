import type { Messages } from '../de';
import { attendance } from './attendance';
import { documents } from './documents';
import { devices } from './devices';
import { events } from './events';
import { locations } from './locations';
import { login } from './login';
import { logs } from './logs';
import { members } from './members';
import { participants } from './participants';
import { portal } from './portal';
import { privacy } from './privacy';
import { publicPages } from './publicPages';
import { problem } from './problem';
import { organiser } from './organiser';
import { shell } from './shell';
import { sso } from './sso';
import { incidents } from './incidents';
import { subprocessors } from './subprocessors';
import { platform } from './platform';
import { tools } from './tools';
import { toms } from './toms';
import { webhooks } from './webhooks';

// English dictionary, one file per namespace like ../de/ (each typed against
// its German file). Typed as Messages: every namespace must be here.
export const en: Messages = { ...shell, ...login, ...members, ...events, ...attendance, ...documents, ...participants, ...devices, ...locations, ...portal, ...logs, ...privacy, ...publicPages, ...organiser, ...tools, ...sso, ...platform, ...incidents, ...subprocessors, ...toms, ...webhooks, ...problem };
