import { getAuth, useAuth } from './auth';
import { memoryStore } from './memoryStore';

/**
 * The time zone times are shown and entered in (issue 23): the tenant's (an
 * IANA name from the server; stored times stay UTC). Staff pages take it from
 * the signed-in tenant, public pages from what their answer names. Without
 * either, the browser's own zone.
 */

const publicZone = memoryStore<string | null>(null);

/** A public page names its tenant's zone while it is shown (null: it left). */
export function setPublicTimeZone(zone: string | null): void {
  if (publicZone.get() !== zone) publicZone.set(zone);
}

function valid(zone: string | null | undefined): string | undefined {
  if (!zone) return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

function pick(publicValue: string | null, auth: ReturnType<typeof getAuth>): string | undefined {
  return valid(publicValue) ?? valid(auth.status === 'signed-in' ? auth.account.tenant?.time_zone : undefined);
}

/** The zone to use now, outside React (undefined: the browser's). */
export function currentTimeZone(): string | undefined {
  return pick(publicZone.get(), getAuth());
}

/** The zone to use, re-rendered when it changes (undefined: the browser's). */
export function useTimeZone(): string | undefined {
  return pick(publicZone.useValue(), useAuth());
}

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds `zone` is ahead of UTC at `at`. */
function offsetMs(zone: string, at: Date): number {
  let format = wallFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    wallFormats.set(zone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - (at.getTime() - at.getUTCMilliseconds());
}

/** A wall-clock time in `zone` (components as in `Date.UTC`) → the instant. */
export function zonedToInstant(zone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): Date {
  const guess = Date.UTC(y, mo, d, h, mi, s);
  const first = offsetMs(zone, new Date(guess));
  let instant = guess - first;
  const second = offsetMs(zone, new Date(instant));
  if (second !== first) instant = guess - second;
  return new Date(instant);
}

/** An instant → its wall-clock time in `zone`, as a Date whose UTC fields hold it. */
export function instantToZoned(zone: string, at: Date): Date {
  return new Date(at.getTime() + offsetMs(zone, at));
}
