import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { EVENT_KINDS, EXTRA_FIELDS, type EventInput, type EventKind, type EventRecord, type ExtraField } from '../api/events';
import type { Location } from '../api/locations';
import { handleAuthError } from '../auth';
import { localInputToUtc, utcToLocalInput } from '../format';
import { useI18n, type I18n } from '../i18n';
import type { Load } from '../load';
import { fieldIssues, issueText, withDetail } from '../problems';
import { FormField, type FieldError } from './FormField';
import { NumberField, wholeNumberIn } from './NumberField';
import { RecurrenceForm } from './RecurrenceForm';
import { MessageLine, type Message } from './MessageLine';
import { TextAreaField } from './TextAreaField';

/**
 * The form of an event or course (new and edit): kind, title, description,
 * location, capacity, waiting list, booking window, extra fields, one or more
 * sessions. Times are entered in the browser's time zone and sent in UTC.
 * Nothing typed is lost on an error: client checks and the server's field
 * errors (422) appear next to their fields, everything else above the button.
 */

const MAX_TITLE = 200;
const MAX_DESCRIPTION = 5000;
const MAX_CAPACITY = 100_000;
const CAPACITY_RANGE = { min: 1, max: MAX_CAPACITY };
/** The longest a session may last (the server's `MAX_SESSION_DAYS`). */
const MAX_SESSION_DAYS = 7;
const MAX_SESSIONS = 100;

interface SessionDraft {
  key: number;
  starts: string;
  ends: string;
}

interface EventDraft {
  kind: EventKind;
  title: string;
  description: string;
  locationId: string;
  capacity: string;
  waitingList: boolean;
  signatureRequired: boolean;
  opensAt: string;
  closesAt: string;
  fields: Record<ExtraField, boolean>;
  sessions: SessionDraft[];
}

type Errors = Record<string, string>;

let nextSessionKey = 1;
const newSession = (starts = '', ends = ''): SessionDraft => ({ key: nextSessionKey++, starts, ends });

function draftOf(event: EventRecord | null): EventDraft {
  if (!event) {
    return {
      kind: 'event',
      title: '',
      description: '',
      locationId: '',
      capacity: '20',
      waitingList: true,
      signatureRequired: false,
      opensAt: '',
      closesAt: '',
      fields: { phone: false, note: false },
      sessions: [newSession()],
    };
  }
  return {
    kind: event.kind,
    title: event.title,
    description: event.description,
    locationId: event.location_id ?? '',
    capacity: String(event.capacity),
    waitingList: event.waiting_list,
    signatureRequired: event.signature_required,
    opensAt: utcToLocalInput(event.booking_opens_at),
    closesAt: utcToLocalInput(event.booking_closes_at),
    fields: { phone: event.fields.includes('phone'), note: event.fields.includes('note') },
    sessions: event.sessions.length > 0 ? event.sessions.map((s) => newSession(utcToLocalInput(s.starts_at), utcToLocalInput(s.ends_at))) : [newSession()],
  };
}

/** The request body, or the client-side errors that keep it from being sent. */
function inputOf(t: I18n['t'], draft: EventDraft, base: EventRecord | null): { input: EventInput | null; errors: Errors } {
  const errors: Errors = {};
  const title = draft.title.trim();
  if (!title) errors.title = t('form.required');
  else if (title.length > MAX_TITLE) errors.title = t('form.tooLong', { max: MAX_TITLE });
  if (draft.description.length > MAX_DESCRIPTION) errors.description = t('form.tooLong', { max: MAX_DESCRIPTION });
  const capacity = wholeNumberIn(draft.capacity, CAPACITY_RANGE);
  if (capacity === null) {
    errors.capacity = t('events.error.capacityRange', { max: MAX_CAPACITY });
  }
  const opensAt = draft.opensAt ? localInputToUtc(draft.opensAt) : null;
  const closesAt = draft.closesAt ? localInputToUtc(draft.closesAt) : null;
  if (draft.opensAt && !opensAt) errors.booking_opens_at = t('form.invalidDate');
  if (draft.closesAt && !closesAt) errors.booking_closes_at = t('form.invalidDate');
  if (opensAt && closesAt && closesAt <= opensAt) errors.booking_closes_at = t('events.error.closesBeforeOpens');
  const sessions: { starts_at: string; ends_at: string }[] = [];
  draft.sessions.forEach((s, i) => {
    const starts = s.starts ? localInputToUtc(s.starts) : null;
    const ends = s.ends ? localInputToUtc(s.ends) : null;
    if (!s.starts) errors[`sessions.${i}.starts_at`] = t('form.required');
    else if (!starts) errors[`sessions.${i}.starts_at`] = t('form.invalidDate');
    if (!s.ends) errors[`sessions.${i}.ends_at`] = t('form.required');
    else if (!ends) errors[`sessions.${i}.ends_at`] = t('form.invalidDate');
    if (starts && ends && ends <= starts) errors[`sessions.${i}.ends_at`] = t('events.error.endBeforeStart');
    else if (starts && ends && Date.parse(`${ends}Z`) - Date.parse(`${starts}Z`) > MAX_SESSION_DAYS * 86_400_000) {
      errors[`sessions.${i}.ends_at`] = t('events.error.sessionTooLong', { days: MAX_SESSION_DAYS });
    }
    if (starts && ends) sessions.push({ starts_at: starts, ends_at: ends });
  });
  if (draft.sessions.length === 0) errors.sessions = t('events.error.noSessions');
  if (capacity === null || Object.keys(errors).length > 0) return { input: null, errors };
  const input: EventInput = {
    kind: draft.kind,
    title,
    description: draft.description,
    location_id: draft.locationId || null,
    capacity,
    waiting_list: draft.waitingList,
    signature_required: draft.signatureRequired,
    booking_opens_at: opensAt,
    booking_closes_at: closesAt,
    fields: EXTRA_FIELDS.filter((f) => draft.fields[f]),
    sessions,
  };
  // What this form does not edit is sent back as it was.
  if (base) {
    input.company_id = base.company_id ?? null;
    input.instructor_ids = base.instructor_ids;
  }
  return { input, errors };
}

/** Fields this form shows an error next to; a server error for any other field goes above the button. */
const FORM_FIELDS = new Set([
  'kind',
  'title',
  'description',
  'location_id',
  'capacity',
  'waiting_list',
  'signature_required',
  'booking_opens_at',
  'booking_closes_at',
  'fields',
  'sessions',
]);

function placeIssue(field: string, sessionCount: number): string | null {
  if (FORM_FIELDS.has(field)) return field;
  const m = /^sessions\.(\d+)(?:\.(starts_at|ends_at))?$/.exec(field);
  if (m && Number(m[1]) < sessionCount) return `sessions.${m[1]}.${m[2] ?? 'ends_at'}`;
  return null;
}

interface EventFormProps {
  /** The event to edit; null for a new one. */
  initial: EventRecord | null;
  locations: Load<Location[]>;
  submitLabel: string;
  submittingLabel: string;
  save: (input: EventInput) => Promise<EventRecord>;
  onSaved: (event: EventRecord) => void;
}

export function EventForm({ initial, locations, submitLabel, submittingLabel, save, onSaved }: EventFormProps) {
  const { t } = useI18n();
  const [draft, setDraft] = useState<EventDraft>(() => draftOf(initial));
  const [errors, setErrors] = useState<Errors>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const id = (name: string) => `${baseId}-${name}`;

  const update = (patch: Partial<EventDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const updateSession = (key: number, patch: Partial<SessionDraft>) =>
    setDraft((d) => ({ ...d, sessions: d.sessions.map((s) => (s.key === key ? { ...s, ...patch } : s)) }));

  const errorOf = (field: string, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;

  const focusFirstInvalid = () => {
    window.setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const { input, errors: found } = inputOf(t, draft, initial);
    setErrors(found);
    if (!input) {
      setMessage({ kind: 'error', text: t('form.fixErrors') });
      focusFirstInvalid();
      return;
    }
    setSaving(true);
    try {
      const saved = await save(input);
      setMessage({ kind: 'ok', text: t('events.saved', { title: saved.title }) });
      onSaved(saved);
    } catch (err) {
      handleAuthError(err);
      const next: Errors = {};
      const elsewhere: string[] = [];
      for (const issue of fieldIssues(err)) {
        const place = placeIssue(issue.field, draft.sessions.length);
        if (place) next[place] = issueText(t, issue);
        else elsewhere.push(issue.message ? `${issue.field}: ${issue.message}` : issue.field);
      }
      if (err instanceof ApiError && err.code === 'capacity_below_bookings') {
        next.capacity = withDetail(t, t('problem.capacity_below_bookings'), err);
      }
      setErrors(next);
      let text: string;
      if (Object.keys(next).length > 0 || elsewhere.length > 0) {
        text = elsewhere.length > 0 ? `${t('form.fixErrors')} ${elsewhere.join('; ')}` : t('form.fixErrors');
        focusFirstInvalid();
      } else if (err instanceof ApiError && err.status === 403) {
        text = t('events.error.forbidden');
      } else if (err instanceof ApiError && err.status === 404) {
        text = t('events.error.notFound');
      } else if (err instanceof ApiError) {
        text = withDetail(t, t('events.error.save'), err);
      } else {
        text = t('login.error.unreachable');
      }
      setMessage({ kind: 'error', text });
    } finally {
      setSaving(false);
    }
  };

  const locationList = locations.state === 'ok' ? locations.value : [];
  const knownLocation = !draft.locationId || locationList.some((l) => l.id === draft.locationId);

  return (
    <form ref={formRef} className="form event-form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="event-form">
      <div className="form-grid">
        <div className="field">
          <label htmlFor={id('kind')}>{t('events.field.kind')}</label>
          <select
            id={id('kind')}
            value={draft.kind}
            onChange={(e) => update({ kind: e.target.value === 'course' ? 'course' : 'event' })}
            data-testid="event-kind"
          >
            {EVENT_KINDS.map((kind) => (
              <option key={kind} value={kind}>
                {t(kind === 'course' ? 'events.kind.course' : 'events.kind.event')}
              </option>
            ))}
          </select>
        </div>
        <FormField
          id={id('title')}
          label={t('events.field.title')}
          error={errorOf('title', 'event-title-error')}
          type="text"
          required
          maxLength={MAX_TITLE}
          autoComplete="off"
          value={draft.title}
          onChange={(e) => update({ title: e.target.value })}
          data-testid="event-title"
        />
      </div>
      <TextAreaField
        id={id('description')}
        label={t('events.field.description')}
        error={errorOf('description', 'event-description-error')}
        rows={4}
        maxLength={MAX_DESCRIPTION}
        value={draft.description}
        onChange={(e) => update({ description: e.target.value })}
        data-testid="event-description"
      />
      <div className="form-grid">
        <div className="field">
          <label htmlFor={id('location')}>{t('events.field.location')}</label>
          <select
            id={id('location')}
            value={draft.locationId}
            aria-invalid={errors.location_id ? true : undefined}
            aria-describedby={errors.location_id ? id('location_id-error') : undefined}
            onChange={(e) => update({ locationId: e.target.value })}
            data-testid="event-location"
          >
            <option value="">{t('events.field.noLocation')}</option>
            {knownLocation ? null : <option value={draft.locationId}>{t('events.field.unknownLocation')}</option>}
            {locationList.map((location) => (
              <option key={location.id} value={location.id}>
                {location.name}
              </option>
            ))}
          </select>
          {locations.state === 'error' || locations.state === 'forbidden' ? (
            <p className="small muted field__hint">{t('events.field.locationsUnavailable')}</p>
          ) : null}
          {errors.location_id ? (
            <p id={id('location_id-error')} className="field__error" role="alert" data-testid="event-location-error">
              {errors.location_id}
            </p>
          ) : null}
        </div>
        <NumberField
          id={id('capacity')}
          label={t('events.field.capacity')}
          error={errorOf('capacity', 'event-capacity-error')}
          range={CAPACITY_RANGE}
          required
          value={draft.capacity}
          onChange={(capacity) => update({ capacity })}
          data-testid="event-capacity"
        />
      </div>
      <div className="check-field">
        <label className="check" htmlFor={id('waiting')}>
          <input
            id={id('waiting')}
            type="checkbox"
            checked={draft.waitingList}
            onChange={(e) => update({ waitingList: e.target.checked })}
            data-testid="event-waiting-list"
          />
          {t('events.field.waitingList')}
        </label>
        <p className="small muted field__hint">{t('events.field.waitingListHint')}</p>
      </div>
      <div className="check-field">
        <label className="check" htmlFor={id('signature')}>
          <input
            id={id('signature')}
            type="checkbox"
            checked={draft.signatureRequired}
            onChange={(e) => update({ signatureRequired: e.target.checked })}
            data-testid="event-signature-required"
          />
          {t('events.field.signatureRequired')}
        </label>
        <p className="small muted field__hint">{t('events.field.signatureRequiredHint')}</p>
      </div>
      <fieldset className="fieldset">
        <legend>{t('events.field.window')}</legend>
        <p className="small muted field__hint">{t('events.field.windowHint')}</p>
        <div className="form-grid">
          <FormField
            id={id('opens')}
            label={t('events.field.opensAt')}
            error={errorOf('booking_opens_at', 'event-opens-error')}
            type="datetime-local"
            value={draft.opensAt}
            onChange={(e) => update({ opensAt: e.target.value })}
            data-testid="event-opens"
          />
          <FormField
            id={id('closes')}
            label={t('events.field.closesAt')}
            error={errorOf('booking_closes_at', 'event-closes-error')}
            type="datetime-local"
            value={draft.closesAt}
            onChange={(e) => update({ closesAt: e.target.value })}
            data-testid="event-closes"
          />
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('events.field.extraFields')}</legend>
        <p className="small muted field__hint">{t('events.field.extraFieldsHint')}</p>
        {EXTRA_FIELDS.map((field) => (
          <label key={field} className="check">
            <input
              type="checkbox"
              checked={draft.fields[field]}
              onChange={(e) => update({ fields: { ...draft.fields, [field]: e.target.checked } })}
              data-testid={`event-field-${field}`}
            />
            {t(field === 'phone' ? 'events.extra.phone' : 'events.extra.note')}
          </label>
        ))}
        {errors.fields ? (
          <p className="field__error" role="alert" data-testid="event-fields-error">
            {errors.fields}
          </p>
        ) : null}
      </fieldset>
      <fieldset className="fieldset">
        <legend>{t('events.field.sessions')}</legend>
        <p className="small muted field__hint">{t('events.field.sessionsHint')}</p>
        <RecurrenceForm
          max={MAX_SESSIONS}
          onApply={(sessions) => {
            setDraft((d) => ({ ...d, sessions: sessions.map((r) => newSession(r.starts, r.ends)) }));
            setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('sessions'))));
          }}
        />
        <ol className="session-rows">
          {draft.sessions.map((session, i) => (
            <li key={session.key} className="session-row" data-testid="event-session-row">
              <FormField
                id={id(`s${session.key}-start`)}
                label={t('events.field.sessionStart', { n: i + 1 })}
                error={errorOf(`sessions.${i}.starts_at`, 'event-session-start-error')}
                type="datetime-local"
                required
                value={session.starts}
                onChange={(e) => {
                  const starts = e.target.value;
                  updateSession(session.key, { starts });
                }}
                data-testid="event-session-start"
              />
              <FormField
                id={id(`s${session.key}-end`)}
                label={t('events.field.sessionEnd', { n: i + 1 })}
                error={errorOf(`sessions.${i}.ends_at`, 'event-session-end-error')}
                type="datetime-local"
                required
                value={session.ends}
                onChange={(e) => updateSession(session.key, { ends: e.target.value })}
                data-testid="event-session-end"
              />
              <div className="session-row__actions">
                <button
                  type="button"
                  className="button button--small"
                  disabled={draft.sessions.length <= 1}
                  onClick={() => {
                    setDraft((d) => ({ ...d, sessions: d.sessions.filter((s) => s.key !== session.key) }));
                    // Row errors are indexed: they no longer fit after a removal.
                    setErrors((e) => Object.fromEntries(Object.entries(e).filter(([k]) => !k.startsWith('sessions.'))));
                  }}
                  data-testid="event-session-remove"
                >
                  {t('events.field.removeSession', { n: i + 1 })}
                </button>
              </div>
            </li>
          ))}
        </ol>
        {errors.sessions ? (
          <p className="field__error" role="alert" data-testid="event-sessions-error">
            {errors.sessions}
          </p>
        ) : null}
        <div>
          <button
            type="button"
            className="button button--small"
            disabled={draft.sessions.length >= MAX_SESSIONS}
            onClick={() => setDraft((d) => ({ ...d, sessions: [...d.sessions, newSession()] }))}
            data-testid="event-session-add"
          >
            {t('events.field.addSession')}
          </button>
        </div>
      </fieldset>
      <MessageLine message={message} testId="event-form-message" />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving} data-testid="event-submit">
          {saving ? submittingLabel : submitLabel}
        </button>
      </div>
    </form>
  );
}
