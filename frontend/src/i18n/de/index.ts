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

// German (default) dictionary, one file per feature namespace in this
// directory. Every user-visible string of the UI lives there and in ../en/;
// each English file is typed against its German one (../types.ts), so a key
// missing in either language is a compile error.
export const de = { ...shell, ...login, ...members, ...events, ...attendance, ...documents, ...participants, ...devices, ...locations, ...portal, ...logs, ...privacy, ...publicPages, ...organiser, ...tools, ...sso, ...platform, ...incidents, ...subprocessors, ...toms, ...webhooks, ...problem } as const;

export type MessageKey = keyof typeof de;

/** Shape every other language must fulfil: exactly the keys of `de`. */
export type Messages = { readonly [K in MessageKey]: string };
