import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { AbsencesCard } from '../components/AbsencesCard';
import {
  bookingsCsvUrl,
  cancelBooking,
  getEvent,
  listBookings,
  listEvents,
  moveBooking,
  publishEvent,
  updateEvent,
  type Booking,
  type EventRecord,
} from '../api/events';
import { listLocations } from '../api/locations';
import { can, handleAuthError, useAuth, type Account } from '../auth';
import { CardEnrolmentPanel } from '../components/CardEnrolment';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { BookingStatusBadge, EventKindLabel, EventStatusBadge, MailStatusBadge } from '../components/EventBadges';
import { EventForm } from '../components/EventForm';
import { LocalTime, SessionList, SessionRange, useLocalDateTimeFormat, TimeZoneNote } from '../components/EventTimes';
import { LogTable } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad, useRound } from '../load';
import { problemMessage, type ProblemWording } from '../problems';
import { href, useHashLocation } from '../router';

/**
 * One event or course (docs/events-api.md): what it is, its public booking
 * link once published, the edit form and publish button (admins and
 * organisers), and its bookings with cancel, move and a CSV download.
 */
export function EventPage({ eventId }: { eventId: string }) {
  return <RequireAuth>{(account) => <EventView eventId={eventId} account={account} />}</RequireAuth>;
}

/** The public booking page of a published event. */
export function bookingLink(tenantSlug: string, eventId: string): string {
  return `${window.location.origin}/#/book/${encodeURIComponent(tenantSlug)}/${encodeURIComponent(eventId)}`;
}

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const EVENT_WORDING: ProblemWording = {
  event_full: 'bookings.error.eventFull',
  already_booked: 'bookings.error.alreadyBooked',
  forbidden: 'events.error.forbidden',
  not_found: 'events.error.notFound',
  conflict: 'events.error.conflict',
};

function EventView({ eventId, account }: { eventId: string; account: Account }) {
  const { t } = useI18n();
  const { query } = useHashLocation();
  const [round, reload] = useRound();
  const load = useKeyedLoad(`event:${eventId}:${round}`, (signal) => getEvent(eventId, signal));
  // The latest known state (a load, or the answer of a save or publish): kept
  // while the event loads again, so the edit form below keeps what was typed.
  const [latest, setLatest] = useState<EventRecord | null>(null);
  useEffect(() => {
    if (load.state === 'ok') setLatest(load.value);
  }, [load]);
  const event = latest ?? (load.state === 'ok' ? load.value : null);
  const manage = can(account, 'events.write');
  const [bookingsRound, reloadBookings] = useRound();

  if (!event) {
    return (
      <section className="card" aria-labelledby="event-title">
        <p>
          <a href={href('/events')} data-testid="event-back">
            {t('events.back')}
          </a>
        </p>
        <h1 id="event-title">{t('events.detail.title')}</h1>
        <p
          className={load.state === 'loading' ? 'muted' : 'alert alert--error'}
          role={load.state === 'loading' ? 'status' : 'alert'}
          data-testid="event-load-status"
          data-state={load.state}
        >
          {load.state === 'loading'
            ? t('events.detail.loading')
            : load.state === 'forbidden'
              ? t('events.error.forbidden')
              : load.state === 'error' && load.detail
                ? `${t('events.detail.error')} ${t('common.serverSays', { detail: load.detail })}`
                : t('events.detail.error')}
        </p>
      </section>
    );
  }

  const afterChange = (next: EventRecord) => setLatest(next);

  return (
    <div className="stack">
      <section aria-labelledby="event-title">
        <p>
          <a href={href('/events')} data-testid="event-back">
            {t('events.back')}
          </a>
        </p>
        <h1 id="event-title" data-testid="event-heading">
          {event.title}
        </h1>
        <p className="badge-list">
          <EventStatusBadge status={event.status} testId="event-detail-status" />
          <span className="badge badge--off">
            <EventKindLabel kind={event.kind} />
          </span>
        </p>
        {query.get('created') === '1' && event.status === 'draft' ? (
          <p className="alert alert--ok" role="status" data-testid="event-created">
            {t('events.created')}
          </p>
        ) : null}
      </section>
      <OverviewCard event={event} />
      <AttendanceLinksCard event={event} />
      {event.kind === 'course' || event.sessions.length > 1 ? <AbsencesCard eventId={event.id} manage={manage} /> : null}
      <PublishCard event={event} account={account} manage={manage} onPublished={afterChange} />
      <BookingsCard
        event={event}
        manage={manage}
        round={bookingsRound}
        onChanged={() => {
          reloadBookings();
          reload();
        }}
      />
      {manage ? <EditCard event={event} onSaved={afterChange} /> : null}
    </div>
  );
}

function OverviewCard({ event }: { event: EventRecord }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  return (
    <section className="card" aria-labelledby="event-overview-title">
      <h2 id="event-overview-title">{t('events.overview.title')}</h2>
      <dl className="facts facts--grid">
        <div>
          <dt>{t('events.col.booked')}</dt>
          <dd data-testid="event-detail-booked">{t('events.bookedOf', { confirmed: event.confirmed, capacity: event.capacity })}</dd>
        </div>
        <div>
          <dt>{t('events.col.waiting')}</dt>
          <dd data-testid="event-detail-waiting">{event.waiting_list ? event.waiting : t('events.overview.noWaitingList')}</dd>
        </div>
        <div>
          <dt>{t('events.overview.window')}</dt>
          <dd>
            {event.booking_opens_at ? <LocalTime value={event.booking_opens_at} format={format} /> : t('events.overview.now')}
            {' – '}
            {event.booking_closes_at ? <LocalTime value={event.booking_closes_at} format={format} /> : t('events.overview.open')}
          </dd>
        </div>
      </dl>
      <h3 className="subhead">{t('events.field.sessions')}</h3>
      <SessionList sessions={event.sessions} testId="event-sessions" />
      <TimeZoneNote />
    </section>
  );
}

/** Per session a link to its live attendance list (and from there the CSV and the printable record). */
function AttendanceLinksCard({ event }: { event: EventRecord }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  return (
    <section className="card" aria-labelledby="event-attendance-title">
      <h2 id="event-attendance-title">{t('attendance.event.title')}</h2>
      <p className="muted small">{t('attendance.event.intro')}</p>
      <ul className="plain-list attendance-links" data-testid="event-attendance">
        {event.sessions.map((session) => (
          <li key={session.id}>
            <SessionRange startsAt={session.starts_at} endsAt={session.ends_at} format={format} />{' '}
            <a
              className="button button--small"
              href={href(`/sessions/${encodeURIComponent(session.id)}/attendance`)}
              data-testid="event-session-attendance"
              data-session={session.id}
            >
              {t('attendance.event.open')}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PublishCard({
  event,
  account,
  manage,
  onPublished,
}: {
  event: EventRecord;
  account: Account;
  manage: boolean;
  onPublished: (event: EventRecord) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [copied, setCopied] = useState<'ok' | 'manual' | null>(null);
  const linkRef = useRef<HTMLInputElement>(null);
  const linkId = useId();
  const slug = account.tenant?.slug ?? '';
  const link = bookingLink(slug, event.id);

  const publish = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const next = await publishEvent(event.id);
      onPublished(next);
      setMessage({ kind: 'ok', text: t('events.publish.done') });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('events.publish.error'), EVENT_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied('ok');
    } catch {
      // No clipboard access (permissions, insecure context): select the text for Ctrl+C.
      linkRef.current?.select();
      setCopied('manual');
    }
  };

  return (
    <section className="card" aria-labelledby="event-publish-title">
      <h2 id="event-publish-title">{t('events.publish.title')}</h2>
      {event.status === 'published' ? (
        <>
          <p className="muted">{t('events.publish.linkIntro')}</p>
          <div className="form form--inline">
            <div className="field">
              <label htmlFor={linkId}>{t('events.publish.link')}</label>
              <input
                id={linkId}
                ref={linkRef}
                type="url"
                className="mono"
                readOnly
                value={link}
                onFocus={(e) => e.currentTarget.select()}
                data-testid="event-public-link"
              />
            </div>
            <div className="form__actions">
              <button type="button" className="button" onClick={() => void copy()} data-testid="event-copy-link">
                {t('events.publish.copy')}
              </button>
              <a className="button" href={link} target="_blank" rel="noopener noreferrer" data-testid="event-open-link">
                {t('events.publish.open')}
              </a>
            </div>
          </div>
          {copied ? (
            <p className="small muted" role="status" data-testid="event-copy-status">
              {copied === 'ok' ? t('events.publish.copied') : t('events.publish.copyManual')}
            </p>
          ) : null}
        </>
      ) : event.status === 'draft' ? (
        <>
          <p className="muted">{t('events.publish.draftIntro')}</p>
          {manage ? (
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={() => void publish()}
              data-testid="event-publish"
            >
              {busy ? t('events.publish.publishing') : t('events.publish.submit')}
            </button>
          ) : null}
        </>
      ) : (
        <p className="muted">{t('events.publish.cancelledIntro')}</p>
      )}
      <MessageLine message={message} testId="event-publish-message" />
    </section>
  );
}

function EditCard({ event, onSaved }: { event: EventRecord; onSaved: (event: EventRecord) => void }) {
  const { t } = useI18n();
  const locations = useKeyedLoad('locations', listLocations);
  return (
    <section className="card" aria-labelledby="event-edit-title">
      <h2 id="event-edit-title">{t('events.edit.title')}</h2>
      <p>
        <a href={href('/events', { copy: event.id })} data-testid="event-copy">
          {t('events.copy.link')}
        </a>
      </p>
      <EventForm
        key={event.id}
        initial={event}
        locations={locations}
        submitLabel={t('events.edit.submit')}
        submittingLabel={t('events.edit.submitting')}
        save={(input) => updateEvent(event.id, input)}
        onSaved={onSaved}
      />
    </section>
  );
}

const BOOKING_COLUMNS: readonly MessageKey[] = [
  'bookings.col.name',
  'bookings.col.email',
  'bookings.col.phone',
  'bookings.col.status',
  'bookings.col.bookedAt',
  'bookings.col.mail',
];

function BookingsCard({
  event,
  manage,
  round,
  onChanged,
}: {
  event: EventRecord;
  manage: boolean;
  round: number;
  onChanged: () => void;
}) {
  const { t } = useI18n();
  const auth = useAuth();
  const format = useLocalDateTimeFormat();
  const load = useKeyedLoad(`bookings:${event.id}:${round}`, (signal) => listBookings(event.id, signal));
  const others = useKeyedLoad(manage ? 'events-for-move' : 'events-for-move:none', (signal) =>
    manage ? listEvents(signal) : Promise.resolve([] as EventRecord[]),
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [confirming, setConfirming] = useState<Booking | null>(null);
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [assigning, setAssigning] = useState<string | null>(null);
  const cards = auth.status === 'signed-in' && can(auth.account, 'cards.write');
  const bookings = load.state === 'ok' ? load.value : [];
  const moveTargets = useMemo(
    () => (others.state === 'ok' ? others.value.filter((e) => e.id !== event.id && e.status !== 'cancelled') : []),
    [others, event.id],
  );
  const columns = manage ? [...BOOKING_COLUMNS, 'bookings.col.actions' as const] : BOOKING_COLUMNS;
  const signedIn = auth.status === 'signed-in';

  const run = async (key: string, action: () => Promise<string>, fallback: MessageKey) => {
    if (busy) return;
    setBusy(key);
    setMessage(null);
    try {
      setMessage({ kind: 'ok', text: await action() });
      onChanged();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t(fallback), EVENT_WORDING) });
    } finally {
      setBusy(null);
    }
  };

  const statusText = (status: string) =>
    status === 'confirmed' ? t('bookings.status.confirmed') : status === 'waiting' ? t('bookings.status.waiting') : status;

  let status: string;
  if (load.state === 'loading') status = t('bookings.loading');
  else if (load.state === 'ok') status = bookings.length === 0 ? t('bookings.empty') : t('bookings.summary', { count: bookings.length });
  else if (load.state === 'forbidden') status = t('bookings.forbidden');
  else status = t('bookings.error');

  return (
    <section className="card" aria-labelledby="bookings-title">
      <div className="card__head">
        <h2 id="bookings-title">{t('bookings.title')}</h2>
        {signedIn && load.state === 'ok' ? (
          <a className="button button--small" href={bookingsCsvUrl(event.id)} download data-testid="bookings-csv">
            {t('bookings.csv')}
          </a>
        ) : null}
      </div>
      <p className="muted small">{t('bookings.intro')}</p>
      <MessageLine message={message} testId="bookings-message" />
      <LogTable name="bookings" load={load} status={status} caption="bookings.title" columns={columns}>
        {bookings.flatMap((booking) => [
          <tr
            key={booking.id}
            data-testid="booking-row"
            data-id={booking.id}
            data-email={booking.email}
            data-status={booking.status}
          >
            <td className="cell-text" data-testid="booking-name">
              {booking.name}
              {booking.restricted ? (
                <>
                  {' '}
                  <span className="badge badge--warn" data-testid="booking-restricted">
                    {t('participants.restricted')}
                  </span>
                </>
              ) : null}
              {booking.note ? <span className="small muted cell-note">{booking.note}</span> : null}
            </td>
            <td className="mono cell-text" data-testid="booking-email">
              {booking.email}
            </td>
            <td className="nowrap">{booking.phone ?? t('common.none')}</td>
            <td>
              <BookingStatusBadge status={booking.status} />
            </td>
            <td className="nowrap">
              <LocalTime value={booking.created_at} format={format} />
            </td>
            <td>
              <MailStatusBadge status={booking.mail_status} />
            </td>
            {manage ? (
              <td>
                {booking.status === 'cancelled' ? (
                  booking.cancelled_at ? (
                    <span className="small muted">
                      {t('bookings.cancelledAt')} <LocalTime value={booking.cancelled_at} format={format} />
                    </span>
                  ) : null
                ) : (
                  <div className="button-row button-row--tight">
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy !== null}
                      onClick={() => setConfirming(booking)}
                      data-testid="booking-cancel"
                    >
                      {t('bookings.cancel')}
                    </button>
                    <span className="move-control">
                      <label className="visually-hidden" htmlFor={`move-${booking.id}`}>
                        {t('bookings.moveTo', { name: booking.name })}
                      </label>
                      <select
                        id={`move-${booking.id}`}
                        className="select--small"
                        value={targets[booking.id] ?? ''}
                        disabled={busy !== null || moveTargets.length === 0}
                        onChange={(e) => setTargets((m) => ({ ...m, [booking.id]: e.target.value }))}
                        data-testid="booking-move-target"
                      >
                        <option value="">{moveTargets.length === 0 ? t('bookings.noOtherEvents') : t('bookings.chooseEvent')}</option>
                        {moveTargets.map((target) => (
                          <option key={target.id} value={target.id}>
                            {target.title}
                          </option>
                        ))}
                      </select>
                      <button
                        type="button"
                        className="button button--small"
                        disabled={busy !== null || !targets[booking.id]}
                        onClick={() => {
                          const targetId = targets[booking.id];
                          const target = moveTargets.find((e) => e.id === targetId);
                          if (!targetId || !target) return;
                          void run(
                            `move:${booking.id}`,
                            async () => {
                              const moved = await moveBooking(booking.id, targetId);
                              setTargets((m) => ({ ...m, [booking.id]: '' }));
                              return t('bookings.moved', { name: booking.name, title: target.title, status: statusText(moved.status) });
                            },
                            'bookings.error.move',
                          );
                        }}
                        data-testid="booking-move"
                      >
                        {t('bookings.move')}
                      </button>
                    </span>
                    {cards ? (
                      <button
                        type="button"
                        className="button button--small"
                        aria-expanded={assigning === booking.id}
                        onClick={() => setAssigning(assigning === booking.id ? null : booking.id)}
                        data-testid="booking-assign-card"
                      >
                        {t('participants.assignCard')}
                      </button>
                    ) : null}
                  </div>
                )}
              </td>
            ) : null}
          </tr>,
          ...(manage && cards && assigning === booking.id && booking.status !== 'cancelled'
            ? [
                <tr key={`${booking.id}:card`} className="member-editor-row">
                  <td colSpan={columns.length}>
                    <CardEnrolmentPanel participantId={booking.participant_id} name={booking.name} onClose={() => setAssigning(null)} />
                  </td>
                </tr>,
              ]
            : []),
        ])}
      </LogTable>
      <ConfirmDialog
        open={confirming !== null}
        title={t('bookings.cancelConfirm.title')}
        text={confirming ? t('bookings.cancelConfirm.text', { name: confirming.name, title: event.title }) : ''}
        confirmLabel={t('bookings.cancelConfirm.confirm')}
        cancelLabel={t('bookings.cancelConfirm.keep')}
        busy={busy !== null}
        onCancel={() => setConfirming(null)}
        onConfirm={() => {
          const booking = confirming;
          if (!booking) return;
          void run(
            `cancel:${booking.id}`,
            async () => {
              await cancelBooking(booking.id);
              setConfirming(null);
              return t('bookings.cancelled', { name: booking.name });
            },
            'bookings.error.cancel',
          ).finally(() => setConfirming(null));
        }}
        testId="booking-cancel-dialog"
      />
    </section>
  );
}

