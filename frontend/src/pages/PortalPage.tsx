import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../api/client';
import {
  cancelPortalBooking,
  createDataRequest,
  exportPortalData,
  getPortalMe,
  listDataRequests,
  listPortalBookings,
  portalLogout,
  REQUEST_KINDS,
  resubscribe,
  unsubscribe,
  UNSUBSCRIBE_REASONS,
  type DataRequest,
  type PortalBooking,
  type PortalMe,
  type RequestKind,
  type UnsubscribeReason,
} from '../api/portal';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PortalAbsencesCard } from '../components/PortalAbsencesCard';
import { BookingStatusBadge, EventKindLabel } from '../components/EventBadges';
import { LocalTime, SessionList, useLocalDateTimeFormat } from '../components/EventTimes';
import { MessageLine, type Message } from '../components/MessageLine';
import { TextAreaField } from '../components/TextAreaField';
import { useI18n, type MessageKey } from '../i18n';
import { forgetParticipantSession, participantToken } from '../participant';
import { fieldIssues, issueText, problemMessage, type ProblemWording } from '../problems';
import { navigate } from '../router';
import { saveBlob } from '../download';
import { downloadPortalCertificate, type DocumentLanguage } from '../api/documents';

/**
 * The participant portal `#/p/{slug}/portal` (Bearer token from the magic
 * link, kept in sessionStorage only): own details and bookings (cancel),
 * "download my data" (TOM RIGHTS-1), data-protection requests, opting out of
 * optional mails (TOM INPUT-6) and signing out. A 401 goes back to the
 * sign-in page.
 */
export function PortalPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  const token = participantToken(slug);

  useEffect(() => {
    if (!token) navigate(`/p/${encodeURIComponent(slug)}/login`, { replace: true });
  }, [token, slug]);

  if (!token) {
    return (
      <p className="muted" role="status" data-testid="portal-redirect">
        {t('portal.signInFirst')}
      </p>
    );
  }
  return <PortalView slug={slug} token={token} />;
}

type PortalData = { me: PortalMe; bookings: PortalBooking[]; requests: DataRequest[] };

const REQUEST_KEYS: Record<RequestKind, MessageKey> = {
  access: 'portal.request.kind.access',
  correction: 'portal.request.kind.correction',
  erasure: 'portal.request.kind.erasure',
  restriction: 'portal.request.kind.restriction',
  objection: 'portal.request.kind.objection',
};

const REASON_KEYS: Record<UnsubscribeReason, MessageKey> = {
  too_many: 'portal.mail.reason.too_many',
  not_relevant: 'portal.mail.reason.not_relevant',
  other: 'portal.mail.reason.other',
};

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const PORTAL_WORDING: ProblemWording = {
  not_found: 'portal.error.notFound',
};

function PortalView({ slug, token }: { slug: string; token: string }) {
  const { t } = useI18n();
  const [round, setRound] = useState(0);
  const [data, setData] = useState<{ state: 'loading' } | { state: 'ok'; value: PortalData } | { state: 'error' }>({
    state: 'loading',
  });
  const [signingOut, setSigningOut] = useState(false);
  const loginPath = `/p/${encodeURIComponent(slug)}/login`;

  /** The session is gone on the server (expired, signed out elsewhere): back to the sign-in page. */
  const sessionEnded = useCallback(() => {
    forgetParticipantSession(slug);
    navigate(loginPath, { query: { expired: '1' }, replace: true });
  }, [slug, loginPath]);

  /** True if `err` ended the session (and the page is leaving). */
  const ended = useCallback(
    (err: unknown): boolean => {
      if (err instanceof ApiError && err.status === 401) {
        sessionEnded();
        return true;
      }
      return false;
    },
    [sessionEnded],
  );

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    Promise.all([getPortalMe(token, signal), listPortalBookings(token, signal), listDataRequests(token, signal)]).then(
      ([me, bookings, requests]) => setData({ state: 'ok', value: { me, bookings, requests } }),
      (err: unknown) => {
        if (isAbort(err) || ended(err)) return;
        setData({ state: 'error' });
      },
    );
    return () => controller.abort();
  }, [token, round, ended]);

  const reload = () => setRound((r) => r + 1);

  const signOut = async () => {
    if (signingOut) return;
    setSigningOut(true);
    try {
      await portalLogout(token);
    } catch {
      // The session is forgotten here anyway; an unreachable server lets it expire.
    } finally {
      forgetParticipantSession(slug);
      navigate(loginPath, { replace: true });
    }
  };

  const value = data.state === 'ok' ? data.value : null;

  return (
    <div className="stack">
      <section aria-labelledby="portal-title">
        <div className="card__head">
          <h1 id="portal-title">{t('portal.title')}</h1>
          <button
            type="button"
            className="button button--small"
            disabled={signingOut}
            onClick={() => void signOut()}
            data-testid="portal-sign-out"
          >
            {signingOut ? t('account.signingOut') : t('account.signOut')}
          </button>
        </div>
        {value ? (
          <p className="muted" data-testid="portal-tenant">
            {t('portal.intro', { tenant: value.me.tenant_name })}
          </p>
        ) : null}
      </section>
      {data.state === 'loading' ? (
        <p className="muted" role="status" data-testid="portal-status" data-state="loading">
          {t('portal.loading')}
        </p>
      ) : null}
      {data.state === 'error' ? (
        <p className="alert alert--error" role="alert" data-testid="portal-status" data-state="error">
          {t('portal.error')}{' '}
          <button type="button" className="button button--small" onClick={reload}>
            {t('portal.retry')}
          </button>
        </p>
      ) : null}
      {value ? (
        <>
          <MeCard me={value.me} />
          <BookingsCard token={token} bookings={value.bookings} onChanged={reload} ended={ended} />
          <PortalAbsencesCard token={token} bookings={value.bookings} ended={ended} />
          <ExportCard token={token} slug={slug} ended={ended} />
          <RequestsCard token={token} requests={value.requests} onChanged={reload} ended={ended} />
          <MailCard token={token} optedOut={value.me.mail_opt_out} onChanged={reload} ended={ended} />
        </>
      ) : null}
    </div>
  );
}

function MeCard({ me }: { me: PortalMe }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="portal-me-title">
      <h2 id="portal-me-title">{t('portal.me.title')}</h2>
      <dl className="facts facts--grid">
        <div>
          <dt>{t('book.name')}</dt>
          <dd data-testid="portal-name">{me.name}</dd>
        </div>
        <div>
          <dt>{t('book.email')}</dt>
          <dd className="mono" data-testid="portal-email">
            {me.email}
          </dd>
        </div>
        {me.phone ? (
          <div>
            <dt>{t('book.phone')}</dt>
            <dd>{me.phone}</dd>
          </div>
        ) : null}
      </dl>
      <p className="small muted">{t('portal.me.correction')}</p>
    </section>
  );
}

function BookingsCard({
  token,
  bookings,
  onChanged,
  ended,
}: {
  token: string;
  bookings: PortalBooking[];
  onChanged: () => void;
  ended: (err: unknown) => boolean;
}) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const [confirming, setConfirming] = useState<PortalBooking | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  const cancel = async () => {
    const booking = confirming;
    if (!booking || busy) return;
    setBusy(true);
    setMessage(null);
    try {
      await cancelPortalBooking(token, booking.id);
      setMessage({ kind: 'ok', text: t('portal.bookings.cancelled', { title: booking.title }) });
      onChanged();
    } catch (err) {
      if (ended(err)) return;
      setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.bookings.cancelError'), PORTAL_WORDING) });
    } finally {
      setBusy(false);
      setConfirming(null);
    }
  };

  return (
    <section className="card" aria-labelledby="portal-bookings-title">
      <h2 id="portal-bookings-title">{t('portal.bookings.title')}</h2>
      <MessageLine message={message} testId="portal-bookings-message" />
      {bookings.length === 0 ? (
        <p className="muted" data-testid="portal-bookings-empty">
          {t('portal.bookings.empty')}
        </p>
      ) : (
        <ul className="booking-list">
          {bookings.map((booking) => (
            <li
              key={booking.id}
              className="booking-list__item"
              data-testid="portal-booking"
              data-id={booking.id}
              data-status={booking.status}
            >
              <div className="booking-list__head">
                <h3 className="booking-list__title" data-testid="portal-booking-title">
                  {booking.title}
                </h3>
                <span className="badge-list">
                  <span className="badge badge--off">
                    <EventKindLabel kind={booking.kind} />
                  </span>
                  <BookingStatusBadge status={booking.status} testId="portal-booking-status" />
                </span>
              </div>
              <SessionList sessions={booking.sessions} testId="portal-booking-sessions" />
              <p className="small muted">
                {t('portal.bookings.bookedAt')} <LocalTime value={booking.created_at} format={format} />
                {booking.cancelled_at ? (
                  <>
                    {' · '}
                    {t('bookings.cancelledAt')} <LocalTime value={booking.cancelled_at} format={format} />
                  </>
                ) : null}
              </p>
              {booking.status === 'confirmed' && booking.sessions.some((x) => Date.parse(x.starts_at) <= Date.now()) ? (
                <CertificateButtons token={token} eventId={booking.event_id} title={booking.title} ended={ended} />
              ) : null}
              {booking.status !== 'cancelled' ? (
                <button
                  type="button"
                  className="button button--small"
                  disabled={busy}
                  onClick={() => setConfirming(booking)}
                  data-testid="portal-booking-cancel"
                >
                  {t('portal.bookings.cancel')}
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title={t('portal.bookings.confirmTitle')}
        text={confirming ? t('portal.bookings.confirmText', { title: confirming.title }) : ''}
        confirmLabel={t('portal.bookings.confirm')}
        cancelLabel={t('portal.bookings.keep')}
        busy={busy}
        onCancel={() => setConfirming(null)}
        onConfirm={() => void cancel()}
        testId="portal-cancel-dialog"
      />
    </section>
  );
}

/** The participant's own signed certificate of attendance for one event, German or English. */
function CertificateButtons({ token, eventId, title, ended }: { token: string; eventId: string; title: string; ended: (err: unknown) => boolean }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const download = async (lang: DocumentLanguage) => {
    if (busy) return;
    setBusy(true);
    setFailed(false);
    try {
      const { blob, filename } = await downloadPortalCertificate(token, eventId, lang);
      saveBlob(blob, filename);
    } catch (err) {
      if (ended(err)) return;
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="button-row button-row--tight" role="group" aria-label={t('documents.certificateFor', { title })} data-testid="portal-certificate">
      <button type="button" className="button button--small" disabled={busy} onClick={() => void download('de')} data-testid="portal-certificate-de">
        {t('documents.certificateDe')}
      </button>
      <button type="button" className="button button--small" disabled={busy} onClick={() => void download('en')} data-testid="portal-certificate-en">
        {t('documents.certificateEn')}
      </button>
      {failed ? (
        <span className="small alert alert--error" role="alert">
          {t('documents.error')}
        </span>
      ) : null}
    </div>
  );
}

function ExportCard({ token, slug, ended }: { token: string; slug: string; ended: (err: unknown) => boolean }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  const download = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const { blob, filename } = await exportPortalData(token, `anwesend-${slug}-data.json`);
      saveBlob(blob, filename);
      setMessage({ kind: 'ok', text: t('portal.export.done', { file: filename }) });
    } catch (err) {
      if (ended(err)) return;
      setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.export.error'), PORTAL_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="portal-export-title">
      <h2 id="portal-export-title">{t('portal.export.title')}</h2>
      <p className="muted">{t('portal.export.intro')}</p>
      <button type="button" className="button" disabled={busy} onClick={() => void download()} data-testid="portal-export">
        {busy ? t('portal.export.running') : t('portal.export.submit')}
      </button>
      <MessageLine message={message} testId="portal-export-message" />
    </section>
  );
}

const MAX_REQUEST = 2000;

function RequestsCard({
  token,
  requests,
  onChanged,
  ended,
}: {
  token: string;
  requests: DataRequest[];
  onChanged: () => void;
  ended: (err: unknown) => boolean;
}) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const [kind, setKind] = useState<RequestKind>('access');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const kindId = useId();
  const textId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setMessage(null);
    if (text.length > MAX_REQUEST) {
      setError(t('form.tooLong', { max: MAX_REQUEST }));
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await createDataRequest(token, kind, text.trim());
      setText('');
      setMessage({ kind: 'ok', text: t('portal.request.sent', { kind: t(REQUEST_KEYS[kind]) }) });
      onChanged();
    } catch (err) {
      if (ended(err)) return;
      const issue = fieldIssues(err)[0];
      if (issue) setError(issueText(t, issue));
      else setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.request.error'), PORTAL_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  const kindLabel = (value: RequestKind) => t(REQUEST_KEYS[value]);
  const statusLabel = (value: string) =>
    value === 'open' ? t('portal.request.status.open') : value === 'done' ? t('portal.request.status.done') : value;

  return (
    <section className="card" aria-labelledby="portal-requests-title">
      <h2 id="portal-requests-title">{t('portal.request.title')}</h2>
      <p className="muted">{t('portal.request.intro')}</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
        <div className="field">
          <label htmlFor={kindId}>{t('portal.request.kind')}</label>
          <select
            id={kindId}
            value={kind}
            onChange={(e) => setKind(e.target.value as RequestKind)}
            data-testid="portal-request-kind"
          >
            {REQUEST_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(REQUEST_KEYS[k])}
              </option>
            ))}
          </select>
        </div>
        <TextAreaField
          id={textId}
          label={t('portal.request.message')}
          error={error ? { id: `${textId}-error`, text: error, testId: 'portal-request-message-error' } : undefined}
          rows={4}
          maxLength={MAX_REQUEST}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="portal-request-message"
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="portal-request-submit">
            {busy ? t('portal.request.sending') : t('portal.request.submit')}
          </button>
        </div>
      </form>
      <MessageLine message={message} testId="portal-request-result" />
      <h3 className="subhead">{t('portal.request.list')}</h3>
      {requests.length === 0 ? (
        <p className="muted small" data-testid="portal-requests-empty">
          {t('portal.request.none')}
        </p>
      ) : (
        <ul className="plain-list request-list">
          {requests.map((r) => (
            <li key={r.id} data-testid="portal-request-row" data-kind={r.kind} data-status={r.status}>
              <strong>{kindLabel(r.kind)}</strong> · {statusLabel(r.status)} · {t('portal.request.receivedAt')}{' '}
              <LocalTime value={r.created_at} format={format} /> · {t('portal.request.dueAt')}{' '}
              <LocalTime value={r.due_at} format={format} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const MAX_REASON_TEXT = 500;

function MailCard({
  token,
  optedOut,
  onChanged,
  ended,
}: {
  token: string;
  optedOut: boolean;
  onChanged: () => void;
  ended: (err: unknown) => boolean;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState<UnsubscribeReason>('too_many');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const reasonId = useId();
  const textId = useId();

  const onUnsubscribe = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setMessage(null);
    if (text.length > MAX_REASON_TEXT) {
      setError(t('form.tooLong', { max: MAX_REASON_TEXT }));
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await unsubscribe(token, reason, text.trim());
      setText('');
      setMessage({ kind: 'ok', text: t('portal.mail.unsubscribed') });
      onChanged();
    } catch (err) {
      if (ended(err)) return;
      const issue = fieldIssues(err)[0];
      if (issue) setError(issueText(t, issue));
      else setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.mail.error'), PORTAL_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  const onResubscribe = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      await resubscribe(token);
      setMessage({ kind: 'ok', text: t('portal.mail.resubscribed') });
      onChanged();
    } catch (err) {
      if (ended(err)) return;
      setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.mail.error'), PORTAL_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="portal-mail-title">
      <h2 id="portal-mail-title">{t('portal.mail.title')}</h2>
      <p className="muted">{t('portal.mail.intro')}</p>
      <p data-testid="portal-mail-status" data-opt-out={optedOut ? 'true' : 'false'}>
        {optedOut ? t('portal.mail.statusOut') : t('portal.mail.statusIn')}
      </p>
      {optedOut ? (
        <button type="button" className="button" disabled={busy} onClick={() => void onResubscribe()} data-testid="portal-resubscribe">
          {t('portal.mail.resubscribe')}
        </button>
      ) : (
        <form className="form" onSubmit={(e) => void onUnsubscribe(e)} noValidate>
          <div className="field">
            <label htmlFor={reasonId}>{t('portal.mail.reason')}</label>
            <select
              id={reasonId}
              value={reason}
              onChange={(e) => setReason(e.target.value as UnsubscribeReason)}
              data-testid="portal-unsubscribe-reason"
            >
              {UNSUBSCRIBE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(REASON_KEYS[r])}
                </option>
              ))}
            </select>
          </div>
          <TextAreaField
            id={textId}
            label={t('portal.mail.text')}
            error={error ? { id: `${textId}-error`, text: error, testId: 'portal-unsubscribe-text-error' } : undefined}
            rows={3}
            maxLength={MAX_REASON_TEXT}
            value={text}
            onChange={(e) => setText(e.target.value)}
            data-testid="portal-unsubscribe-text"
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy} data-testid="portal-unsubscribe-submit">
              {t('portal.mail.unsubscribe')}
            </button>
          </div>
        </form>
      )}
      <MessageLine message={message} testId="portal-mail-message" />
    </section>
  );
}
