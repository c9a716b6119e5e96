import { useMemo } from 'react';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';
import { useTimeZone } from '../timeZone';

/** Date and time in the tenant's time zone (event sessions, booking windows). */
export function useLocalDateTimeFormat(): Intl.DateTimeFormat {
  const { locale } = useI18n();
  const timeZone = useTimeZone();
  return useMemo(() => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }), [locale, timeZone]);
}

/** A server time (UTC) in local time; the raw value if it does not parse. */
export function LocalTime({ value, format }: { value: string; format: Intl.DateTimeFormat }) {
  const when = parseUtc(value);
  return when ? <time dateTime={when.toISOString()}>{format.format(when)}</time> : <>{value}</>;
}

/** One session "1. Juni 2030, 18:00–20:00" (local time). */
export function SessionRange({ startsAt, endsAt, format }: { startsAt: string; endsAt: string; format: Intl.DateTimeFormat }) {
  const start = parseUtc(startsAt);
  const end = parseUtc(endsAt);
  if (!start || !end) return <>{`${startsAt} – ${endsAt}`}</>;
  return <time dateTime={start.toISOString()}>{format.formatRange(start, end)}</time>;
}

/** The sessions of an event as a list, in local time. */
export function SessionList({
  sessions,
  testId,
}: {
  sessions: readonly { starts_at: string; ends_at: string }[];
  testId: string;
}) {
  const format = useLocalDateTimeFormat();
  return (
    <ul className="session-list" data-testid={testId}>
      {sessions.map((s, i) => (
        <li key={`${s.starts_at}:${i}`} data-testid={`${testId}-item`}>
          <SessionRange startsAt={s.starts_at} endsAt={s.ends_at} format={format} />
        </li>
      ))}
    </ul>
  );
}

/** Date and time with seconds in the tenant's time zone (attendance records, heartbeats). */
export function useLocalDateTimeSecondsFormat(): Intl.DateTimeFormat {
  const { locale } = useI18n();
  const timeZone = useTimeZone();
  return useMemo(() => new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium', timeZone }), [locale, timeZone]);
}

/** "All times in the time zone Europe/Berlin." under a page's times (issue 23). */
export function TimeZoneNote() {
  const { t } = useI18n();
  const zone = useTimeZone() ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <p className="small muted" data-testid="time-zone-note">
      {t('events.localTime', { zone })}
    </p>
  );
}
