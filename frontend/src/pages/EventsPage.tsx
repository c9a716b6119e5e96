import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { createEvent, getBookingSettings, getEvent, listEvents, setBookingSettings, type EventRecord } from '../api/events';
import { listLocations } from '../api/locations';
import { can, handleAuthError, type Account } from '../auth';
import { EventKindLabel, EventStatusBadge } from '../components/EventBadges';
import { EventForm } from '../components/EventForm';
import { FormField } from '../components/FormField';
import { LocalTime, useLocalDateTimeFormat } from '../components/EventTimes';
import { LogTable } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { PublicPagesCard } from '../components/PublicPagesCard';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad, type Load } from '../load';
import { fieldIssues, issueText, withDetail } from '../problems';
import { href, navigate, useHashLocation } from '../router';


/**
 * Events and courses of the tenant (docs/events-api.md): the list, a form for
 * a new one (admins and organisers) and the consent text every booking page
 * shows (admins).
 */
export function EventsPage() {
  return <RequireAuth>{(account) => <EventsView account={account} />}</RequireAuth>;
}

function EventsView({ account }: { account: Account }) {
  const { t } = useI18n();
  const events = useKeyedLoad('events', listEvents);
  const manage = can(account, 'events.write');

  return (
    <div className="stack">
      <section aria-labelledby="events-title">
        <h1 id="events-title">{t('events.title')}</h1>
        <p className="muted">{t('events.intro')}</p>
      </section>
      <EventListCard load={events} />
      {manage ? <NewEventCard /> : null}
      {can(account, 'booking_settings.write') ? <ConsentCard /> : null}
      {can(account, 'booking_settings.write') ? <PublicPagesCard /> : null}
    </div>
  );
}

const EVENT_COLUMNS: readonly MessageKey[] = [
  'events.col.title',
  'events.col.kind',
  'events.col.status',
  'events.col.firstSession',
  'events.col.booked',
  'events.col.waiting',
];

/** The first session (sessions are sorted; the earliest anyway). */
function firstSession(event: EventRecord): string | null {
  return event.sessions.map((s) => s.starts_at).sort()[0] ?? null;
}

function EventListCard({ load }: { load: Load<EventRecord[]> }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const events = load.state === 'ok' ? load.value : [];

  let status: string;
  if (load.state === 'loading') status = t('events.loading');
  else if (load.state === 'ok') status = events.length === 0 ? t('events.empty') : t('events.summary', { count: events.length });
  else if (load.state === 'forbidden') status = t('events.forbidden');
  else status = t('events.error');

  return (
    <section className="card" aria-labelledby="events-list-title">
      <h2 id="events-list-title">{t('events.list.title')}</h2>
      <LogTable name="events" load={load} status={status} caption="events.list.title" columns={EVENT_COLUMNS}>
        {events.map((event) => {
          const first = firstSession(event);
          return (
            <tr key={event.id} data-testid="event-row" data-id={event.id} data-status={event.status}>
              <td className="cell-text">
                <a href={href(`/events/${encodeURIComponent(event.id)}`)} data-testid="event-link">
                  {event.title}
                </a>
              </td>
              <td>
                <EventKindLabel kind={event.kind} />
              </td>
              <td>
                <EventStatusBadge status={event.status} />
              </td>
              <td className="nowrap">{first ? <LocalTime value={first} format={format} /> : t('common.none')}</td>
              <td className="num" data-testid="event-booked">
                {t('events.bookedOf', { confirmed: event.confirmed, capacity: event.capacity })}
              </td>
              <td className="num" data-testid="event-waiting">
                {event.waiting_list ? event.waiting : t('common.none')}
              </td>
            </tr>
          );
        })}
      </LogTable>
    </section>
  );
}

/**
 * A new event, or with `#/events?copy={id}` a copy of an event: every setting of it, its
 * sessions to change (by hand or from a rule) before saving as a new draft.
 */
function NewEventCard() {
  const { t } = useI18n();
  const { query } = useHashLocation();
  const copyId = query.get('copy') ?? '';
  const locations = useKeyedLoad('locations', listLocations);
  const source = useKeyedLoad(`copy:${copyId}`, (signal) => (copyId ? getEvent(copyId, signal) : Promise.resolve(null)));
  const copied = source.state === 'ok' ? source.value : null;
  return (
    <section className="card" aria-labelledby="event-new-title" data-testid="event-new">
      <h2 id="event-new-title">{t('events.new.title')}</h2>
      <p className="muted">{t('events.new.intro')}</p>
      {copied ? (
        <p className="alert alert--warn" role="status" data-testid="event-copy-of">
          {t('events.copy.of', { title: copied.title })}
        </p>
      ) : null}
      {copyId && source.state === 'loading' ? null : (
        <EventForm
          key={copied?.id ?? 'new'}
          initial={copied}
          locations={locations}
          submitLabel={t('events.new.submit')}
          submittingLabel={t('events.new.submitting')}
          save={createEvent}
          onSaved={(event) => navigate(`/events/${encodeURIComponent(event.id)}`, { query: { created: '1' } })}
        />
      )}
    </section>
  );
}

const MAX_CONSENT = 2000;
const LINK_HOURS = { min: 1, max: 168 };

/**
 * The consent text shown with a required checkbox on every booking page, and
 * the confirmation step (TOM PRIV-1): whether bookings of open events (without
 * a company) wait for the link mailed to the address, and how long that link
 * works (admins).
 */
function ConsentCard() {
  const { t } = useI18n();
  const load = useKeyedLoad('booking-settings', getBookingSettings);
  const [text, setText] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const [confirmOpen, setConfirmOpen] = useState<boolean | null>(null);
  const [hours, setHours] = useState<string | null>(null);
  const [hoursError, setHoursError] = useState<string | null>(null);
  const fieldId = useId();
  const hintId = useId();
  const confirmId = useId();
  const hoursId = useId();
  const value = text ?? (load.state === 'ok' ? load.value.consent_text : '');
  const confirmValue = confirmOpen ?? (load.state === 'ok' ? load.value.confirm_open_events : true);
  const hoursValue = hours ?? (load.state === 'ok' ? String(load.value.link_hours) : '24');

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const trimmed = value.trim();
    if (!trimmed) {
      setError(t('form.required'));
      return;
    }
    if (trimmed.length > MAX_CONSENT) {
      setError(t('form.tooLong', { max: MAX_CONSENT }));
      return;
    }
    setError(null);
    const linkHours = Number(hoursValue);
    if (!Number.isInteger(linkHours) || linkHours < LINK_HOURS.min || linkHours > LINK_HOURS.max) {
      setHoursError(t('events.confirm.hoursRange', LINK_HOURS));
      return;
    }
    setHoursError(null);
    setSaving(true);
    try {
      const saved = await setBookingSettings({ consent_text: trimmed, confirm_open_events: confirmValue, link_hours: linkHours });
      setText(saved.consent_text);
      setConfirmOpen(saved.confirm_open_events);
      setHours(String(saved.link_hours));
      setMessage({ kind: 'ok', text: t('events.consent.saved') });
    } catch (err) {
      handleAuthError(err);
      const issue = fieldIssues(err)[0];
      if (issue?.field === 'link_hours') setHoursError(issueText(t, issue));
      else if (issue) setError(issueText(t, issue));
      else if (err instanceof ApiError && err.status === 403) setMessage({ kind: 'error', text: t('events.error.forbidden') });
      else setMessage({ kind: 'error', text: withDetail(t, t('events.consent.error'), err) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="consent-title">
      <h2 id="consent-title">{t('events.consent.title')}</h2>
      <p className="muted">{t('events.consent.intro')}</p>
      {load.state === 'loading' ? (
        <p className="muted" role="status">
          {t('events.consent.loading')}
        </p>
      ) : null}
      {load.state === 'error' || load.state === 'forbidden' ? (
        <p className="alert alert--error" role="alert">
          {load.state === 'forbidden' ? t('events.error.forbidden') : t('events.consent.loadError')}
        </p>
      ) : null}
      {load.state === 'ok' ? (
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
          <TextAreaField
            id={fieldId}
            label={t('events.consent.label')}
            hint={{ id: hintId, text: t('events.consent.hint', { max: MAX_CONSENT }) }}
            error={error ? { id: `${fieldId}-error`, text: error, testId: 'consent-text-error' } : undefined}
            rows={5}
            maxLength={MAX_CONSENT}
            value={value}
            onChange={(e) => setText(e.target.value)}
            data-testid="consent-text"
          />
          <h3>{t('events.confirm.title')}</h3>
          <p className="muted">{t('events.confirm.intro')}</p>
          <label className="check" htmlFor={confirmId}>
            <input
              id={confirmId}
              type="checkbox"
              checked={confirmValue}
              onChange={(e) => setConfirmOpen(e.target.checked)}
              data-testid="booking-confirm-open"
            />
            {t('events.confirm.label')}
          </label>
          <FormField
            id={hoursId}
            label={t('events.confirm.hours')}
            hint={{ id: `${hoursId}-hint`, text: t('events.confirm.hoursRange', LINK_HOURS) }}
            error={hoursError ? { id: `${hoursId}-error`, text: hoursError, testId: 'booking-link-hours-error' } : undefined}
            type="number"
            inputMode="numeric"
            min={LINK_HOURS.min}
            max={LINK_HOURS.max}
            value={hoursValue}
            onChange={(e) => setHours(e.target.value)}
            data-testid="booking-link-hours"
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={saving} data-testid="consent-save">
              {saving ? t('events.consent.saving') : t('events.consent.save')}
            </button>
          </div>
        </form>
      ) : null}
      <MessageLine message={message} testId="consent-message" />
    </section>
  );
}
