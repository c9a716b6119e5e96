import { useEffect, useId, useState, type FormEvent } from 'react';
import { ABSENCE_NOTE_MAX, ABSENCE_REASONS, listPortalAbsences, reportAbsence, type AbsenceReason, type PortalAbsence } from '../api/absences';
import { isAbort } from '../api/client';
import type { PortalBooking } from '../api/portal';
import { useI18n } from '../i18n';
import { fieldIssues, issueText, problemMessage } from '../problems';
import { REASON_KEYS } from './AbsenceForm';
import { LocalTime, useLocalDateTimeFormat } from './EventTimes';
import { MessageLine, type Message } from './MessageLine';
import { TextAreaField } from './TextAreaField';

/**
 * The participant reports ahead that they will miss a session of a confirmed
 * booking (reason, short note), and sees the absences recorded for them.
 */
export function PortalAbsencesCard({
  token,
  bookings,
  ended,
}: {
  token: string;
  bookings: PortalBooking[];
  ended: (err: unknown) => boolean;
}) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const now = Date.now();
  const upcoming = bookings
    .filter((b) => b.status === 'confirmed')
    .flatMap((b) => b.sessions.filter((s) => Date.parse(s.starts_at) > now).map((s) => ({ booking: b, session: s })));
  const [round, setRound] = useState(0);
  const [absences, setAbsences] = useState<PortalAbsence[]>([]);
  const [sessionId, setSessionId] = useState('');
  const [reason, setReason] = useState<AbsenceReason>('ill');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const baseId = useId();

  useEffect(() => {
    const controller = new AbortController();
    listPortalAbsences(token, controller.signal).then(setAbsences, (err: unknown) => {
      if (!isAbort(err)) ended(err);
    });
    return () => controller.abort();
  }, [token, round, ended]);

  const chosen = sessionId || upcoming[0]?.session.id || '';

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || !chosen) return;
    setError(null);
    setMessage(null);
    setBusy(true);
    try {
      await reportAbsence(token, chosen, reason, note.trim());
      setNote('');
      setMessage({ kind: 'ok', text: t('portal.absence.sent') });
      setRound((r) => r + 1);
    } catch (err) {
      if (ended(err)) return;
      const issue = fieldIssues(err)[0];
      if (issue) setError(issueText(t, issue));
      else setMessage({ kind: 'error', text: problemMessage(t, err, t('portal.absence.error')) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="portal-absences-title" data-testid="portal-absences">
      <h2 id="portal-absences-title">{t('portal.absence.title')}</h2>
      <p className="muted">{t('portal.absence.intro')}</p>
      {upcoming.length === 0 ? (
        <p className="muted small" data-testid="portal-absence-none-ahead">
          {t('portal.absence.noneAhead')}
        </p>
      ) : (
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
          <div className="field">
            <label htmlFor={`${baseId}-session`}>{t('portal.absence.session')}</label>
            <select id={`${baseId}-session`} value={chosen} onChange={(e) => setSessionId(e.target.value)} data-testid="portal-absence-session">
              {upcoming.map(({ booking, session }) => (
                <option key={session.id} value={session.id}>
                  {booking.title} · {format.format(new Date(session.starts_at))}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${baseId}-reason`}>{t('absence.form.reason')}</label>
            <select id={`${baseId}-reason`} value={reason} onChange={(e) => setReason(e.target.value as AbsenceReason)} data-testid="portal-absence-reason">
              {ABSENCE_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(REASON_KEYS[r])}
                </option>
              ))}
            </select>
          </div>
          <TextAreaField
            id={`${baseId}-note`}
            label={t('absence.form.note')}
            hint={{ id: `${baseId}-note-hint`, text: t('absence.form.noteHint', { max: ABSENCE_NOTE_MAX }) }}
            error={error ? { id: `${baseId}-note-error`, text: error, testId: 'portal-absence-error' } : undefined}
            rows={2}
            maxLength={ABSENCE_NOTE_MAX}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            data-testid="portal-absence-note"
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy} data-testid="portal-absence-submit">
              {busy ? t('portal.request.sending') : t('portal.absence.submit')}
            </button>
          </div>
        </form>
      )}
      <MessageLine message={message} testId="portal-absence-result" />
      <h3 className="subhead">{t('portal.absence.list')}</h3>
      {absences.length === 0 ? (
        <p className="muted small" data-testid="portal-absences-empty">
          {t('portal.absence.empty')}
        </p>
      ) : (
        <ul className="plain-list request-list">
          {absences.map((a) => (
            <li key={`${a.session_id}`} data-testid="portal-absence-row" data-excused={a.excused ? 'true' : 'false'}>
              <strong>{a.event_title}</strong> · <LocalTime value={a.starts_at} format={format} /> ·{' '}
              {a.excused
                ? t('absence.badge.excused', { reason: a.reason ? t(REASON_KEYS[a.reason]) : '' })
                : t('absence.badge.unexcused')}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
