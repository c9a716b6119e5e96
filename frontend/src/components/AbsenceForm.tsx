import { useId, useState, type FormEvent } from 'react';
import { ABSENCE_NOTE_MAX, ABSENCE_REASONS, setAbsence, type Absence, type AbsenceReason } from '../api/absences';
import { handleAuthError } from '../auth';
import { useI18n, type MessageKey } from '../i18n';
import { fieldIssues, issueText, problemMessage } from '../problems';
import { MessageLine, type Message } from './MessageLine';
import { TextAreaField } from './TextAreaField';

export const REASON_KEYS: Record<AbsenceReason, MessageKey> = {
  ill: 'absence.reason.ill',
  other: 'absence.reason.other',
};

/** What the list shows of a recorded absence: excused (and why) or unexcused, and who reported it. */
export function AbsenceBadge({ absence }: { absence: Absence }) {
  const { t } = useI18n();
  const text = absence.excused
    ? t('absence.badge.excused', { reason: absence.reason ? t(REASON_KEYS[absence.reason]) : '' })
    : t('absence.badge.unexcused');
  return (
    <span
      className={absence.excused ? 'badge' : 'badge badge--warn'}
      data-testid="attendee-absence"
      data-excused={absence.excused ? 'true' : 'false'}
      data-reported-by={absence.reported_by}
      title={absence.note || undefined}
    >
      {text}
      {absence.reported_by === 'participant' ? ` · ${t('absence.badge.reportedAhead')}` : ''}
    </span>
  );
}

/** Staff mark one person's absence from the session: excused (reason, short note) or unexcused. */
export function AbsenceForm({
  sessionId,
  bookingId,
  name,
  current,
  onCancel,
  onDone,
}: {
  sessionId: string;
  bookingId: string;
  name: string;
  current: Absence | null | undefined;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t } = useI18n();
  const [excused, setExcused] = useState(current ? current.excused : true);
  const [reason, setReason] = useState<AbsenceReason>(current?.reason ?? 'ill');
  const [note, setNote] = useState(current?.note ?? '');
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  const titleId = useId();
  const id = (field: string) => `${baseId}-${field}`;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    setError(null);
    if (note.trim().length > ABSENCE_NOTE_MAX) {
      setError(t('form.tooLong', { max: ABSENCE_NOTE_MAX }));
      return;
    }
    setSaving(true);
    try {
      await setAbsence(sessionId, bookingId, excused, excused ? reason : null, note.trim());
      onDone(t(excused ? 'absence.saved.excused' : 'absence.saved.unexcused', { name }));
    } catch (err) {
      handleAuthError(err);
      const issue = fieldIssues(err)[0];
      if (issue) setError(issueText(t, issue));
      else setMessage({ kind: 'error', text: problemMessage(t, err, t('absence.error')) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form correction-form" onSubmit={(e) => void onSubmit(e)} noValidate aria-labelledby={titleId} data-testid="absence-form">
      <h3 id={titleId} className="role-editor__title">
        {t('absence.form.title', { name })}
      </h3>
      <fieldset className="field">
        <legend>{t('absence.form.kind')}</legend>
        <label className="check" htmlFor={id('excused')}>
          <input id={id('excused')} type="radio" name={id('kind')} checked={excused} onChange={() => setExcused(true)} data-testid="absence-excused" />
          {t('absence.form.excused')}
        </label>
        <label className="check" htmlFor={id('unexcused')}>
          <input id={id('unexcused')} type="radio" name={id('kind')} checked={!excused} onChange={() => setExcused(false)} data-testid="absence-unexcused" />
          {t('absence.form.unexcused')}
        </label>
      </fieldset>
      {excused ? (
        <div className="field">
          <label htmlFor={id('reason')}>{t('absence.form.reason')}</label>
          <select id={id('reason')} value={reason} onChange={(e) => setReason(e.target.value as AbsenceReason)} data-testid="absence-reason">
            {ABSENCE_REASONS.map((r) => (
              <option key={r} value={r}>
                {t(REASON_KEYS[r])}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <TextAreaField
        id={id('note')}
        label={t('absence.form.note')}
        hint={{ id: id('note-hint'), text: t('absence.form.noteHint', { max: ABSENCE_NOTE_MAX }) }}
        error={error ? { id: id('note-error'), text: error, testId: 'absence-note-error' } : undefined}
        rows={2}
        maxLength={ABSENCE_NOTE_MAX}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        data-testid="absence-note"
      />
      <MessageLine message={message} testId="absence-message" />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving} data-testid="absence-submit">
          {saving ? t('absence.form.saving') : t('absence.form.submit')}
        </button>
        <button type="button" className="button" disabled={saving} onClick={onCancel}>
          {t('absence.form.cancel')}
        </button>
      </div>
    </form>
  );
}
