import type { BookingStatus, EventKind, EventStatus, MailStatus } from '../api/events';
import { useI18n, type MessageKey } from '../i18n';

/** Label and badge tone per status code (an unknown one shows as it is). */
type Tone = { key: MessageKey; tone: string };

const EVENT_STATUS: Readonly<Record<EventStatus, Tone>> = {
  draft: { key: 'events.status.draft', tone: 'badge--off' },
  published: { key: 'events.status.published', tone: 'badge--ok' },
  cancelled: { key: 'events.status.cancelled', tone: 'badge--bad' },
};

const BOOKING_STATUS: Readonly<Record<BookingStatus, Tone>> = {
  confirmed: { key: 'bookings.status.confirmed', tone: 'badge--ok' },
  waiting: { key: 'bookings.status.waiting', tone: 'badge--warn' },
  cancelled: { key: 'bookings.status.cancelled', tone: 'badge--off' },
};

const MAIL_STATUS: Readonly<Record<MailStatus, Tone>> = {
  queued: { key: 'bookings.mail.queued', tone: 'badge--off' },
  sent: { key: 'bookings.mail.sent', tone: 'badge--ok' },
  failed: { key: 'bookings.mail.failed', tone: 'badge--bad' },
  bounced: { key: 'bookings.mail.bounced', tone: 'badge--bad' },
};

export function EventKindLabel({ kind }: { kind: EventKind }) {
  const { t } = useI18n();
  return <>{t(kind === 'course' ? 'events.kind.course' : 'events.kind.event')}</>;
}

export function EventStatusBadge({ status, testId = 'event-status' }: { status: EventStatus; testId?: string }) {
  const { t } = useI18n();
  const known: Tone | undefined = EVENT_STATUS[status];
  return (
    <span className={`badge ${known?.tone ?? 'badge--off'}`} data-testid={testId} data-status={status}>
      {known ? t(known.key) : status}
    </span>
  );
}

export function BookingStatusBadge({ status, testId = 'booking-status' }: { status: BookingStatus; testId?: string }) {
  const { t } = useI18n();
  const known: Tone | undefined = BOOKING_STATUS[status];
  return (
    <span className={`badge ${known?.tone ?? 'badge--off'}`} data-testid={testId} data-status={status}>
      {known ? t(known.key) : status}
    </span>
  );
}

/** How far the confirmation mail got: queued / sent / failed / bounced. */
export function MailStatusBadge({ status }: { status: MailStatus | null | undefined }) {
  const { t } = useI18n();
  if (!status) {
    return (
      <span className="muted" data-testid="booking-mail-status" data-status="">
        {t('common.none')}
      </span>
    );
  }
  const known: Tone | undefined = MAIL_STATUS[status];
  return (
    <span className={`badge ${known?.tone ?? 'badge--off'}`} data-testid="booking-mail-status" data-status={status}>
      {known ? t(known.key) : status}
    </span>
  );
}
