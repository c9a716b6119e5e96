import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../api/client';
import { bookEvent, getPublicEvent, type BookingRequest, type PublicEvent } from '../api/public';
import { EventKindLabel } from '../components/EventBadges';
import { LocalTime, SessionList, useLocalDateTimeFormat, TimeZoneNote } from '../components/EventTimes';
import { FormField, type FieldError } from '../components/FormField';
import { TextAreaField } from '../components/TextAreaField';
import { useI18n } from '../i18n';
import { fieldIssues, issueText, problemMessage, type ProblemWording } from '../problems';
import { href } from '../router';
import { setPublicTimeZone } from '../timeZone';

/**
 * The public booking page `#/book/{slug}/{eventId}` (no account): what the
 * event is, seats left, sessions, and a form (name, email, the extra fields
 * the event asks for, the tenant's consent text with a required checkbox).
 * The mail language is the page's language. Nothing typed is lost on an error.
 * A sent request always gets the same answer, whoever the address belongs to
 * (TOM PRIV-1): confirm through the link in the mail, which also says what
 * happened (booked, waiting list, already booked, not possible).
 */
/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const BOOKING_WORDING: ProblemWording = {
  not_found: 'book.missing',
};

export function BookingPage({ slug, eventId }: { slug: string; eventId: string }) {
  const { t, language } = useI18n();
  const [load, setLoad] = useState<
    { state: 'loading' } | { state: 'ok'; event: PublicEvent } | { state: 'missing' } | { state: 'error' }
  >({ state: 'loading' });
  const [sentTo, setSentTo] = useState<string | null>(null);

  // Loaded again when the language changes (the default consent text is
  // per language); the form stays as it is meanwhile.
  useEffect(() => {
    const controller = new AbortController();
    getPublicEvent(slug, eventId, language, controller.signal).then(
      (event) => {
        setPublicTimeZone(event.time_zone);
        setLoad({ state: 'ok', event });
      },
      (err: unknown) => {
        if (isAbort(err)) return;
        setLoad((current) =>
          current.state === 'ok' && !(err instanceof ApiError && err.status === 404)
            ? current
            : err instanceof ApiError && err.status === 404
              ? { state: 'missing' }
              : { state: 'error' },
        );
      },
    );
    return () => controller.abort();
  }, [slug, eventId, language]);
  useEffect(() => () => setPublicTimeZone(null), []);

  if (load.state !== 'ok') {
    return (
      <section className="card card--narrow" aria-labelledby="book-title">
        <h1 id="book-title">{t('book.title')}</h1>
        <p
          className={load.state === 'loading' ? 'muted' : 'alert alert--error'}
          role={load.state === 'loading' ? 'status' : 'alert'}
          data-testid="book-status"
          data-state={load.state}
        >
          {load.state === 'loading' ? t('book.loading') : load.state === 'missing' ? t('book.missing') : t('book.loadError')}
        </p>
      </section>
    );
  }

  const { event } = load;
  return (
    <div className="stack booking">
      <EventInfo event={event} />
      {sentTo ? (
        <RequestedCard slug={slug} email={sentTo} />
      ) : (
        <BookingForm slug={slug} event={event} onRequested={setSentTo} />
      )}
    </div>
  );
}

function EventInfo({ event }: { event: PublicEvent }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const full = event.seats_left <= 0;
  return (
    <section className="card" aria-labelledby="book-title" data-testid="book-event">
      <p className="small muted" data-testid="book-tenant">
        {event.tenant_name}
      </p>
      <h1 id="book-title" data-testid="book-event-title">
        {event.title}
      </h1>
      <p className="badge-list">
        <span className="badge badge--off">
          <EventKindLabel kind={event.kind} />
        </span>
        <span className={`badge ${full ? 'badge--warn' : 'badge--ok'}`} data-testid="book-seats" data-seats={event.seats_left}>
          {full
            ? event.waiting_list
              ? t('book.seats.fullWaiting')
              : t('book.seats.full')
            : t('book.seats.left', { count: event.seats_left, capacity: event.capacity })}
        </span>
      </p>
      {event.description ? <p className="prewrap">{event.description}</p> : null}
      <dl className="facts">
        {event.location_name ? (
          <div>
            <dt>{t('book.location')}</dt>
            <dd data-testid="book-location">{event.location_name}</dd>
          </div>
        ) : null}
        {event.booking_opens_at || event.booking_closes_at ? (
          <div>
            <dt>{t('book.window')}</dt>
            <dd>
              {event.booking_opens_at ? (
                <>
                  {t('book.window.from')} <LocalTime value={event.booking_opens_at} format={format} />{' '}
                </>
              ) : null}
              {event.booking_closes_at ? (
                <>
                  {t('book.window.until')} <LocalTime value={event.booking_closes_at} format={format} />
                </>
              ) : null}
            </dd>
          </div>
        ) : null}
      </dl>
      <h2>{t(event.sessions.length === 1 ? 'book.session' : 'book.sessions')}</h2>
      <SessionList sessions={event.sessions} testId="book-sessions" />
      <TimeZoneNote />
    </section>
  );
}

interface BookingDraft {
  name: string;
  email: string;
  phone: string;
  note: string;
  consent: boolean;
}

type BookingField = keyof BookingDraft;
const BOOKING_FIELDS: readonly BookingField[] = ['name', 'email', 'phone', 'note', 'consent'];
const MAX_NAME = 200;
const MAX_NOTE = 2000;

function BookingForm({
  slug,
  event,
  onRequested,
}: {
  slug: string;
  event: PublicEvent;
  onRequested: (email: string) => void;
}) {
  const { t, language } = useI18n();
  const [draft, setDraft] = useState<BookingDraft>({ name: '', email: '', phone: '', note: '', consent: false });
  const [errors, setErrors] = useState<Partial<Record<BookingField, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [closed, setClosed] = useState(!event.booking_open);
  const [saving, setSaving] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const baseId = useId();
  const id = (name: string) => `${baseId}-${name}`;
  const askPhone = event.fields.includes('phone');
  const askNote = event.fields.includes('note');
  const full = event.seats_left <= 0;

  const update = (patch: Partial<BookingDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const errorOf = (field: BookingField): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId: `book-${field}-error` } : undefined;
  const focusFirstInvalid = () =>
    window.setTimeout(() => formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus(), 0);

  const onSubmit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (saving) return;
    setMessage(null);
    const found: Partial<Record<BookingField, string>> = {};
    const name = draft.name.trim();
    const email = draft.email.trim();
    if (!name) found.name = t('form.required');
    else if (name.length > MAX_NAME) found.name = t('form.tooLong', { max: MAX_NAME });
    if (!email) found.email = t('form.required');
    else if (!/^[^\s@]+@[^\s@]+$/.test(email)) found.email = t('book.error.email');
    if (askNote && draft.note.length > MAX_NOTE) found.note = t('form.tooLong', { max: MAX_NOTE });
    if (!draft.consent) found.consent = t('book.error.consent');
    setErrors(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid();
      return;
    }
    const request: BookingRequest = { name, email, consent: true, language };
    if (askPhone && draft.phone.trim()) request.phone = draft.phone.trim();
    if (askNote && draft.note.trim()) request.note = draft.note.trim();
    setSaving(true);
    try {
      await bookEvent(slug, event.id, request);
      onRequested(email);
    } catch (err) {
      const issues = fieldIssues(err);
      if (issues.length > 0) {
        const next: Partial<Record<BookingField, string>> = {};
        const elsewhere: string[] = [];
        for (const issue of issues) {
          const field = BOOKING_FIELDS.find((f) => f === issue.field);
          if (field) next[field] = issueText(t, issue);
          else elsewhere.push(issue.message ? `${issue.field}: ${issue.message}` : issue.field);
        }
        setErrors(next);
        setMessage(elsewhere.length > 0 ? `${t('form.fixErrors')} ${elsewhere.join('; ')}` : t('form.fixErrors'));
        focusFirstInvalid();
      } else {
        if (err instanceof ApiError && err.code === 'booking_closed') setClosed(true);
        setMessage(problemMessage(t, err, t('book.error.generic'), BOOKING_WORDING));
      }
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="book-form-title">
      <h2 id="book-form-title">{t('book.form.title')}</h2>
      {closed ? (
        <p className="alert alert--warn" data-testid="book-closed">
          {t('book.closed')}
        </p>
      ) : full && event.waiting_list ? (
        <p className="alert alert--warn" data-testid="book-waiting-note">
          {t('book.waitingNote')}
        </p>
      ) : full ? (
        <p className="alert alert--warn" data-testid="book-full">
          {t('book.error.full')}
        </p>
      ) : null}
      {message ? (
        <p className="alert alert--error" role="alert" data-testid="book-error">
          {message}
        </p>
      ) : null}
      <form ref={formRef} className="form form--narrow" onSubmit={(e) => void onSubmit(e)} noValidate>
        <FormField
          id={id('name')}
          label={t('book.name')}
          error={errorOf('name')}
          type="text"
          name="name"
          autoComplete="name"
          required
          maxLength={MAX_NAME}
          value={draft.name}
          onChange={(e) => update({ name: e.target.value })}
          data-testid="book-name"
        />
        <FormField
          id={id('email')}
          label={t('book.email')}
          hint={{ id: id('email-hint'), text: t('book.emailHint') }}
          error={errorOf('email')}
          type="email"
          name="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          required
          maxLength={320}
          value={draft.email}
          onChange={(e) => update({ email: e.target.value })}
          data-testid="book-email"
        />
        {askPhone ? (
          <FormField
            id={id('phone')}
            label={t('book.phone')}
            error={errorOf('phone')}
            type="tel"
            name="phone"
            autoComplete="tel"
            maxLength={50}
            value={draft.phone}
            onChange={(e) => update({ phone: e.target.value })}
            data-testid="book-phone"
          />
        ) : null}
        {askNote ? (
          <TextAreaField
            id={id('note')}
            label={t('book.note')}
            error={errorOf('note')}
            rows={3}
            maxLength={MAX_NOTE}
            value={draft.note}
            onChange={(e) => update({ note: e.target.value })}
            data-testid="book-note"
          />
        ) : null}
        <div className="consent">
          <h3 className="consent__title">{t('book.consent.title')}</h3>
          <p className="consent__text prewrap" id={id('consent-text')} data-testid="book-consent-text">
            {event.consent_text}
          </p>
          <label className="check" htmlFor={id('consent')}>
            <input
              id={id('consent')}
              type="checkbox"
              required
              checked={draft.consent}
              aria-invalid={errors.consent ? true : undefined}
              aria-describedby={[id('consent-text'), errors.consent ? id('consent-error') : ''].filter(Boolean).join(' ')}
              onChange={(e) => update({ consent: e.target.checked })}
              data-testid="book-consent"
            />
            {t('book.consent.label')}
          </label>
          {errors.consent ? (
            <p id={id('consent-error')} className="field__error" role="alert" data-testid="book-consent-error">
              {errors.consent}
            </p>
          ) : null}
        </div>
        <div className="form__actions">
          <button
            type="submit"
            className="button button--primary"
            disabled={saving || closed}
            data-testid="book-submit"
          >
            {saving ? t('book.submitting') : full && event.waiting_list ? t('book.submitWaiting') : t('book.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}

function RequestedCard({ slug, email }: { slug: string; email: string }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="book-done-title" data-testid="book-result" data-status="check_mail">
      <h2 id="book-done-title">{t('book.done.checkMailTitle')}</h2>
      <p className="alert alert--ok" role="status" data-testid="book-result-text">
        {t('book.done.checkMail')}
      </p>
      <p data-testid="book-result-mail">{t('book.done.sentTo', { email })}</p>
      <p>
        <a href={href(`/p/${encodeURIComponent(slug)}/login`)} data-testid="book-portal-link">
          {t('book.done.portal')}
        </a>
      </p>
    </section>
  );
}
