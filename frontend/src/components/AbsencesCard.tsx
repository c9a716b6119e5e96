import { useEffect, useId, useState, type FormEvent } from 'react';
import { getEventAbsences, setAbsenceSettings, type EventAbsences } from '../api/absences';
import { handleAuthError } from '../auth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad, useRound } from '../load';
import { fieldIssues, issueText, problemMessage } from '../problems';
import { LogTable } from './LogTable';
import { MessageLine, type Message } from './MessageLine';

const COLUMNS: readonly MessageKey[] = [
  'absence.col.name',
  'absence.col.sessions',
  'absence.col.absent',
  'absence.col.excused',
  'absence.col.unexcused',
  'absence.col.rate',
];

/**
 * A course's absences (issue 21): per booked person the ended sessions, how
 * many were missed (excused / unexcused) and the rate; people above the
 * course's threshold are marked. Staff who may change the event set the
 * threshold and whether the organiser gets one mail per person above it.
 */
export function AbsencesCard({ eventId, manage }: { eventId: string; manage: boolean }) {
  const { t } = useI18n();
  const [round, reload] = useRound();
  const load = useKeyedLoad(`absences:${eventId}:${round}`, (signal) => getEventAbsences(eventId, signal), { keepWhileLoading: true });
  const data: EventAbsences | null = load.state === 'ok' ? load.value : null;
  const people = data?.people ?? [];
  const status =
    load.state === 'loading'
      ? t('absence.loading')
      : load.state === 'ok'
        ? people.length === 0
          ? t('absence.empty')
          : t('absence.summary', { flagged: people.filter((p) => p.flagged).length })
        : load.state === 'forbidden'
          ? t('attendance.forbidden')
          : t('absence.loadError');
  return (
    <section className="card" aria-labelledby="event-absences-title" data-testid="event-absences">
      <h2 id="event-absences-title">{t('absence.card.title')}</h2>
      <p className="muted small">{t('absence.card.intro')}</p>
      {manage && data ? <SettingsForm eventId={eventId} data={data} onSaved={reload} /> : null}
      <LogTable name="absences" load={load} status={status} caption="absence.card.title" columns={COLUMNS}>
        {people.map((p) => (
          <tr key={p.booking_id} data-testid="absence-row" data-participant={p.participant_id} data-flagged={p.flagged ? 'true' : 'false'}>
            <td className="cell-text">
              {p.name}
              {p.flagged ? (
                <>
                  {' '}
                  <span className="badge badge--warn">{t('absence.overThreshold')}</span>
                </>
              ) : null}
            </td>
            <td className="num">{p.sessions}</td>
            <td className="num">{p.absent}</td>
            <td className="num">{p.excused}</td>
            <td className="num">{p.unexcused}</td>
            <td className="num" data-testid="absence-rate">
              {t('absence.percent', { value: p.rate_percent })}
            </td>
          </tr>
        ))}
      </LogTable>
    </section>
  );
}

function SettingsForm({ eventId, data, onSaved }: { eventId: string; data: EventAbsences; onSaved: () => void }) {
  const { t } = useI18n();
  const [threshold, setThreshold] = useState(data.settings.threshold_percent == null ? '' : String(data.settings.threshold_percent));
  const [notify, setNotify] = useState(data.settings.notify_organiser);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  useEffect(() => {
    setThreshold(data.settings.threshold_percent == null ? '' : String(data.settings.threshold_percent));
    setNotify(data.settings.notify_organiser);
  }, [data.settings.threshold_percent, data.settings.notify_organiser]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setError(null);
    setMessage(null);
    const trimmed = threshold.trim();
    const value = trimmed === '' ? null : Number(trimmed);
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > 100)) {
      setError(t('absence.settings.range'));
      return;
    }
    if (notify && value === null) {
      setError(t('absence.settings.needsThreshold'));
      return;
    }
    setSaving(true);
    try {
      await setAbsenceSettings(eventId, { threshold_percent: value, notify_organiser: notify });
      setMessage({ kind: 'ok', text: t('absence.settings.saved') });
      onSaved();
    } catch (err) {
      handleAuthError(err);
      const issue = fieldIssues(err)[0];
      if (issue) setError(issueText(t, issue));
      else setMessage({ kind: 'error', text: problemMessage(t, err, t('absence.settings.error')) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="absence-settings">
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${baseId}-threshold`}>{t('absence.settings.threshold')}</label>
          <input
            id={`${baseId}-threshold`}
            type="number"
            inputMode="numeric"
            min={1}
            max={100}
            value={threshold}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${baseId}-error` : `${baseId}-hint`}
            onChange={(e) => setThreshold(e.target.value)}
            data-testid="absence-threshold"
          />
          <p id={`${baseId}-hint`} className="small muted field__hint">
            {t('absence.settings.thresholdHint')}
          </p>
          {error ? (
            <p id={`${baseId}-error`} className="field__error" role="alert" data-testid="absence-threshold-error">
              {error}
            </p>
          ) : null}
        </div>
        <div className="check-field check-field--end">
          <label className="check" htmlFor={`${baseId}-notify`}>
            <input
              id={`${baseId}-notify`}
              type="checkbox"
              checked={notify}
              onChange={(e) => setNotify(e.target.checked)}
              data-testid="absence-notify"
            />
            {t('absence.settings.notify')}
          </label>
        </div>
      </div>
      <MessageLine message={message} testId="absence-settings-message" />
      <div className="form__actions">
        <button type="submit" className="button" disabled={saving} data-testid="absence-settings-submit">
          {saving ? t('absence.form.saving') : t('absence.settings.submit')}
        </button>
      </div>
    </form>
  );
}
