import { useId, useState, type FormEvent } from 'react';
import { attendanceListPdfUrl } from '../api/documents';
import {
  attendanceCsvUrl,
  closeList,
  correctRecord,
  getSessionAttendance,
  recordAttendance,
  signCheckIn,
  type AttendanceRecord,
  type Attendee,
  type RecordKind,
  type SessionAttendance,
} from '../api/attendance';
import { can, handleAuthError, useAuth, type Account } from '../auth';
import {
  AttendeeStatusBadge,
  isStruck,
  RecordedBy,
  RecordKindLabel,
  RecordOrigin,
  RecordStateBadge,
  useStaffNames,
  type StaffNames,
} from '../components/AttendanceBadges';
import { AbsenceBadge, AbsenceForm } from '../components/AbsenceForm';
import { LocalTime, SessionRange, useLocalDateTimeFormat, useLocalDateTimeSecondsFormat } from '../components/EventTimes';
import { FormField, type FieldError } from '../components/FormField';
import { LogTable } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { SignaturePad } from '../components/SignaturePad';
import { TextAreaField } from '../components/TextAreaField';
import { localInputToUtc, utcToLocalInput } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { usePolledLoad } from '../load';
import { fieldIssues, issueText, problemMessage, type ProblemWording } from '../problems';
import { href } from '../router';

/**
 * The live attendance list of one session (docs/attendance-api.md): who of
 * the confirmed bookings is present, late, left early or absent, refreshed
 * every few seconds; manual check-in/out and corrections (admins, organisers,
 * instructors); every record stays visible — superseded and voided ones
 * struck through; CSV download and the printable record.
 */
export function AttendancePage({ sessionId }: { sessionId: string }) {
  return <RequireAuth>{(account) => <AttendanceView sessionId={sessionId} account={account} />}</RequireAuth>;
}

/** How often the open list asks again. */
const REFRESH_MS = 5000;

const MAX_REASON = 200;

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const ATTENDANCE_WORDING: ProblemWording = {
  forbidden: 'events.error.forbidden',
  not_found: 'attendance.error.notFound',
  conflict: 'events.error.conflict',
};

const COLUMNS: readonly MessageKey[] = [
  'attendance.col.name',
  'attendance.col.status',
  'attendance.col.checkedIn',
  'attendance.col.checkedOut',
  'attendance.col.records',
];

function AttendanceView({ sessionId, account }: { sessionId: string; account: Account }) {
  const { t } = useI18n();
  const auth = useAuth();
  const format = useLocalDateTimeFormat();
  const seconds = useLocalDateTimeSecondsFormat();
  const { load, stale, updatedAt, refresh } = usePolledLoad(
    `attendance:${sessionId}`,
    (signal) => getSessionAttendance(sessionId, signal),
    REFRESH_MS,
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [correcting, setCorrecting] = useState<string | null>(null);
  // The check-in whose signature is being collected (right after a manual check-in, or later).
  const [signing, setSigning] = useState<{ attendanceId: string; bookingId: string; name: string } | null>(null);
  const [closing, setClosing] = useState(false);
  const [absenceOf, setAbsenceOf] = useState<string | null>(null);
  const write = can(account, 'attendance.write');
  const data: SessionAttendance | null = load.state === 'ok' ? load.value : null;
  const attendees = data?.attendees ?? [];
  const columns = write ? [...COLUMNS, 'attendance.col.actions' as const] : COLUMNS;
  const signedIn = auth.status === 'signed-in';
  const names = useStaffNames();
  const closed = data?.closed ?? false;

  const manual = async (attendee: Attendee, kind: RecordKind) => {
    if (busy) return;
    setBusy(`${kind}:${attendee.booking_id}`);
    setMessage(null);
    try {
      const record = await recordAttendance(sessionId, attendee.booking_id, kind);
      if (kind === 'check_in' && data?.signature_required) {
        setSigning({ attendanceId: record.id, bookingId: attendee.booking_id, name: attendee.name });
      }
      setMessage({
        kind: 'ok',
        text: t(kind === 'check_in' ? 'attendance.checkedIn' : 'attendance.checkedOut', { name: attendee.name }),
      });
      refresh();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('attendance.error.record'), ATTENDANCE_WORDING) });
    } finally {
      setBusy(null);
    }
  };

  let status: string;
  if (load.state === 'loading') status = t('attendance.loading');
  else if (load.state === 'ok') {
    status =
      attendees.length === 0
        ? t('attendance.empty')
        : t('attendance.summary', {
            count: attendees.length,
            present: attendees.filter((a) => a.status === 'present' || a.status === 'late' || a.status === 'left_early').length,
          });
  } else if (load.state === 'forbidden') status = t('attendance.forbidden');
  else status = t('attendance.error');

  return (
    <div className="stack">
      <section aria-labelledby="attendance-title">
        <p>
          {data ? (
            <a href={href(`/events/${encodeURIComponent(data.event_id)}`)} data-testid="attendance-back">
              {t('attendance.backToEvent', { title: data.event_title })}
            </a>
          ) : (
            <a href={href('/events')} data-testid="attendance-back">
              {t('events.back')}
            </a>
          )}
        </p>
        <h1 id="attendance-title">{t('attendance.title')}</h1>
        {data ? (
          <p className="attendance-head" data-testid="attendance-session">
            <strong data-testid="attendance-event">{data.event_title}</strong>
            <span className="muted">
              <SessionRange startsAt={data.starts_at} endsAt={data.ends_at} format={format} />
            </span>
          </p>
        ) : null}
        <p className="muted small">{t('attendance.intro')}</p>
      </section>
      <section className="card" aria-labelledby="attendance-list-title">
        <div className="card__head">
          <h2 id="attendance-list-title">{t('attendance.list.title')}</h2>
          {signedIn && data ? (
            <div className="button-row button-row--tight">
              <a className="button button--small" href={attendanceCsvUrl(sessionId)} download data-testid="attendance-csv">
                {t('attendance.csv')}
              </a>
              <a className="button button--small" href={attendanceListPdfUrl(sessionId)} download data-testid="attendance-pdf">
                {t('documents.listPdf')}
              </a>
              <a
                className="button button--small"
                href={href(`/sessions/${encodeURIComponent(sessionId)}/attendance/print`)}
                data-testid="attendance-print-link"
              >
                {t('attendance.printView')}
              </a>
            </div>
          ) : null}
        </div>
        <p className="small muted live-line" data-testid="attendance-live" data-stale={stale ? 'true' : 'false'}>
          <span className={`indicator ${stale ? 'indicator--bad' : 'indicator--ok'}`} aria-hidden="true" />
          {stale
            ? t('attendance.live.stale')
            : updatedAt
              ? t('attendance.live.updated', { time: seconds.format(updatedAt) })
              : t('attendance.live.waiting')}
        </p>
        <MessageLine message={message} testId="attendance-message" />
        {data ? (
          <ListClosings
            data={data}
            format={seconds}
            canClose={write && !closed}
            closing={closing}
            onOpen={() => setClosing(true)}
            onCancel={() => setClosing(false)}
            onClose={async (signature) => {
              await closeList(sessionId, signature);
              setClosing(false);
              setMessage({ kind: 'ok', text: t('attendance.close.done') });
              refresh();
            }}
          />
        ) : null}
        <LogTable name="attendance" load={load} status={status} caption="attendance.list.title" columns={columns}>
          {attendees.flatMap((attendee) => {
            const checkedIn = attendee.checked_in_at != null;
            const checkedOut = attendee.checked_out_at != null;
            const rows = [
              <tr
                key={attendee.booking_id}
                data-testid="attendee-row"
                data-booking={attendee.booking_id}
                data-participant={attendee.participant_id}
                data-status={attendee.status}
              >
                <td className="cell-text" data-testid="attendee-name">
                  {attendee.name}
                  {attendee.restricted ? (
                    <>
                      {' '}
                      <span className="badge badge--warn" data-testid="attendee-restricted">
                        {t('participants.restricted')}
                      </span>
                    </>
                  ) : null}
                  {attendee.signature === 'missing' ? (
                    <>
                      {' '}
                      <span className="badge badge--warn" data-testid="attendee-signature-missing">
                        {t('attendance.signature.missing')}
                      </span>
                    </>
                  ) : attendee.signature === 'signed' ? (
                    <>
                      {' '}
                      <span className="badge" data-testid="attendee-signed">
                        {t('attendance.signature.signed')}
                      </span>
                    </>
                  ) : null}
                </td>
                <td>
                  <AttendeeStatusBadge status={attendee.status} />
                  {attendee.absence && !checkedIn ? (
                    <>
                      {' '}
                      <AbsenceBadge absence={attendee.absence} />
                    </>
                  ) : null}
                  {attendee.over_absence_threshold ? (
                    <>
                      {' '}
                      <span className="badge badge--warn" data-testid="attendee-over-threshold">
                        {t('absence.overThreshold')}
                      </span>
                    </>
                  ) : null}
                </td>
                <td className="nowrap" data-testid="attendee-checked-in">
                  {attendee.checked_in_at ? <LocalTime value={attendee.checked_in_at} format={seconds} /> : t('common.none')}
                </td>
                <td className="nowrap" data-testid="attendee-checked-out">
                  {attendee.checked_out_at ? <LocalTime value={attendee.checked_out_at} format={seconds} /> : t('common.none')}
                </td>
                <td>
                  {attendee.records.length === 0 ? (
                    <span className="muted">{t('attendance.noRecords')}</span>
                  ) : (
                    <ul className="record-list">
                      {attendee.records.map((record) => (
                        <RecordItem
                          key={record.id}
                          record={record}
                          format={seconds}
                          names={names}
                          canCorrect={write && !record.superseded}
                          busy={busy !== null}
                          open={correcting === record.id}
                          onCorrect={() => setCorrecting(correcting === record.id ? null : record.id)}
                        />
                      ))}
                    </ul>
                  )}
                </td>
                {write ? (
                  <td>
                    <div className="button-row button-row--tight">
                      <button
                        type="button"
                        className="button button--small"
                        disabled={busy !== null || checkedIn || closed}
                        onClick={() => void manual(attendee, 'check_in')}
                        data-testid="attendee-check-in"
                      >
                        {t('attendance.checkIn')}
                      </button>
                      <button
                        type="button"
                        className="button button--small"
                        disabled={busy !== null || !checkedIn || checkedOut || closed}
                        onClick={() => void manual(attendee, 'check_out')}
                        data-testid="attendee-check-out"
                      >
                        {t('attendance.checkOut')}
                      </button>
                      {attendee.signature === 'missing' && attendee.check_in_id && !closed ? (
                        <button
                          type="button"
                          className="button button--small"
                          disabled={busy !== null}
                          onClick={() =>
                            setSigning({ attendanceId: attendee.check_in_id ?? '', bookingId: attendee.booking_id, name: attendee.name })
                          }
                          data-testid="attendee-collect-signature"
                        >
                          {t('attendance.signature.collect')}
                        </button>
                      ) : null}
                      {!checkedIn ? (
                        <button
                          type="button"
                          className="button button--small"
                          aria-expanded={absenceOf === attendee.booking_id}
                          disabled={busy !== null}
                          onClick={() => setAbsenceOf(absenceOf === attendee.booking_id ? null : attendee.booking_id)}
                          data-testid="attendee-absence-edit"
                        >
                          {t('absence.edit')}
                        </button>
                      ) : null}
                    </div>
                  </td>
                ) : null}
              </tr>,
            ];
            if (signing && signing.bookingId === attendee.booking_id && write) {
              rows.push(
                <tr key={`${attendee.booking_id}:sign`} className="member-editor-row">
                  <td colSpan={columns.length}>
                    <SignaturePad
                      title={t('attendance.signature.collectTitle', { name: signing.name })}
                      hint={t('kiosk.signHint')}
                      submitLabel={t('kiosk.signSubmit')}
                      onCancel={() => setSigning(null)}
                      onSubmit={async (signature) => {
                        await signCheckIn(signing.attendanceId, signature);
                        setSigning(null);
                        setMessage({ kind: 'ok', text: t('attendance.signature.saved', { name: signing.name }) });
                        refresh();
                      }}
                    />
                  </td>
                </tr>,
              );
            }
            if (write && absenceOf === attendee.booking_id) {
              rows.push(
                <tr key={`${attendee.booking_id}:absence`} className="member-editor-row">
                  <td colSpan={columns.length}>
                    <AbsenceForm
                      sessionId={sessionId}
                      bookingId={attendee.booking_id}
                      name={attendee.name}
                      current={attendee.absence}
                      onCancel={() => setAbsenceOf(null)}
                      onDone={(text) => {
                        setAbsenceOf(null);
                        setMessage({ kind: 'ok', text });
                        refresh();
                      }}
                    />
                  </td>
                </tr>,
              );
            }
            const record = attendee.records.find((r) => r.id === correcting);
            if (record && write) {
              rows.push(
                <tr key={`${attendee.booking_id}:correct`} className="member-editor-row">
                  <td colSpan={columns.length}>
                    <CorrectionForm
                      record={record}
                      name={attendee.name}
                      onCancel={() => setCorrecting(null)}
                      onDone={(text) => {
                        setCorrecting(null);
                        setMessage({ kind: 'ok', text });
                        refresh();
                      }}
                    />
                  </td>
                </tr>,
              );
            }
            return rows;
          })}
        </LogTable>
        <p className="small muted">{t('attendance.legend')}</p>
      </section>
    </div>
  );
}

function RecordItem({
  record,
  format,
  names,
  canCorrect,
  busy,
  open,
  onCorrect,
}: {
  record: AttendanceRecord;
  format: Intl.DateTimeFormat;
  names: StaffNames;
  canCorrect: boolean;
  busy: boolean;
  open: boolean;
  onCorrect: () => void;
}) {
  const { t } = useI18n();
  const struck = isStruck(record);
  return (
    <li
      className={struck ? 'record record--struck-item' : 'record'}
      data-testid="attendance-record"
      data-id={record.id}
      data-kind={record.kind}
      data-source={record.source}
      data-superseded={record.superseded ? 'true' : 'false'}
      data-voided={record.voided ? 'true' : 'false'}
    >
      <span className={struck ? 'record__main record--struck' : 'record__main'}>
        <RecordKindLabel kind={record.kind} /> <LocalTime value={record.occurred_at} format={format} />
      </span>{' '}
      <span className="small muted">
        <RecordOrigin record={record} />
      </span>{' '}
      {record.late_upload ? (
        <span className="badge badge--warn" data-testid="record-late">
          {t('attendance.record.late')}
        </span>
      ) : null}{' '}
      {struck ? <RecordStateBadge record={record} /> : null}
      {record.reason ? (
        <span className="record__reason small" data-testid="record-reason">
          {t('attendance.record.reason', { reason: record.reason })}
        </span>
      ) : null}
      {record.recorded_by ? (
        <span className="small muted record__by">
          {t('attendance.record.by')} <RecordedBy record={record} names={names} />
        </span>
      ) : null}
      {canCorrect ? (
        <button
          type="button"
          className="button button--small record__action"
          aria-expanded={open}
          disabled={busy}
          onClick={onCorrect}
          data-testid="record-correct"
        >
          {t('attendance.correct')}
        </button>
      ) : null}
    </li>
  );
}

/**
 * A correction: a new time and/or "void", and the reason (required, no
 * personal data). What was typed stays on an error.
 */
function CorrectionForm({
  record,
  name,
  onCancel,
  onDone,
}: {
  record: AttendanceRecord;
  name: string;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t } = useI18n();
  const initialTime = utcToLocalInput(record.occurred_at);
  const [time, setTime] = useState(initialTime);
  const [voided, setVoided] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  const titleId = useId();
  const id = (field: string) => `${baseId}-${field}`;
  const errorOf = (field: string, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const found: Record<string, string> = {};
    const trimmed = reason.trim();
    if (!trimmed) found.reason = t('form.required');
    else if (trimmed.length > MAX_REASON) found.reason = t('form.tooLong', { max: MAX_REASON });
    const occurredAt = voided ? null : localInputToUtc(time);
    if (!voided && !occurredAt) found.occurred_at = t('form.invalidDate');
    // Same time and not void: nothing would change (a void record may be restored at its time).
    if (!voided && occurredAt && time === initialTime && !record.voided) {
      found.occurred_at = t('attendance.correction.unchanged');
    }
    setErrors(found);
    if (Object.keys(found).length > 0) {
      setMessage({ kind: 'error', text: t('form.fixErrors') });
      return;
    }
    setSaving(true);
    try {
      await correctRecord(record.id, voided ? { void: true, reason: trimmed } : { occurred_at: occurredAt, reason: trimmed });
      onDone(t(voided ? 'attendance.correction.voided' : 'attendance.correction.saved', { name }));
    } catch (err) {
      handleAuthError(err);
      const next: Record<string, string> = {};
      for (const issue of fieldIssues(err)) {
        if (issue.field === 'reason' || issue.field === 'occurred_at') next[issue.field] = issueText(t, issue);
        else if (issue.field === 'void') next.occurred_at = issueText(t, issue);
      }
      setErrors(next);
      setMessage({
        kind: 'error',
        text: Object.keys(next).length > 0 ? t('form.fixErrors') : problemMessage(t, err, t('attendance.error.correct'), ATTENDANCE_WORDING),
      });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="form correction-form" onSubmit={(e) => void onSubmit(e)} noValidate aria-labelledby={titleId} data-testid="correction-form">
      <h3 id={titleId} className="role-editor__title">
        {t('attendance.correction.title', { name })}
      </h3>
      <p className="small muted">{t('attendance.correction.intro')}</p>
      <div className="form-grid">
        <FormField
          id={id('time')}
          label={t('attendance.correction.time')}
          error={errorOf('occurred_at', 'correction-time-error')}
          type="datetime-local"
          disabled={voided}
          value={time}
          onChange={(e) => setTime(e.target.value)}
          data-testid="correction-time"
        />
        <div className="check-field check-field--end">
          <label className="check" htmlFor={id('void')}>
            <input
              id={id('void')}
              type="checkbox"
              checked={voided}
              onChange={(e) => setVoided(e.target.checked)}
              data-testid="correction-void"
            />
            {t('attendance.correction.void')}
          </label>
          <p className="small muted field__hint">{t('attendance.correction.voidHint')}</p>
        </div>
      </div>
      <TextAreaField
        id={id('reason')}
        label={t('attendance.correction.reason')}
        hint={{ id: id('reason-hint'), text: t('attendance.correction.reasonHint', { max: MAX_REASON }) }}
        error={errorOf('reason', 'correction-reason-error')}
        rows={2}
        maxLength={MAX_REASON}
        required
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        data-testid="correction-reason"
      />
      <MessageLine message={message} testId="correction-message" />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving} data-testid="correction-submit">
          {saving ? t('attendance.correction.saving') : t('attendance.correction.submit')}
        </button>
        <button type="button" className="button" disabled={saving} onClick={onCancel} data-testid="correction-cancel">
          {t('attendance.correction.cancel')}
        </button>
      </div>
    </form>
  );
}

/**
 * The list's closings: "Liste abschließen" (the instructor or organiser signs the list as
 * a whole), and every earlier closing that a correction re-opened, with when, by whom and why.
 */
function ListClosings({
  data,
  format,
  canClose,
  closing,
  onOpen,
  onCancel,
  onClose,
}: {
  data: SessionAttendance;
  format: Intl.DateTimeFormat;
  canClose: boolean;
  closing: boolean;
  onOpen: () => void;
  onCancel: () => void;
  onClose: (signature: { strokes: number[][] }) => Promise<void>;
}) {
  const { t } = useI18n();
  return (
    <div className="list-closings" data-testid="list-closings" data-closed={data.closed ? 'true' : 'false'}>
      {data.closed ? (
        <p className="alert alert--warn" data-testid="list-closed">
          {t('attendance.close.closedBanner')}
        </p>
      ) : null}
      {data.closings.length > 0 ? (
        <ul className="small record-list">
          {data.closings.map((c) => (
            <li key={c.id} data-testid="list-closing" data-reopened={c.reopened_at ? 'true' : 'false'}>
              {t('attendance.close.closedAt', { time: format.format(new Date(c.closed_at)), who: c.closed_by_email ?? c.closed_by })}
              {c.reopened_at ? (
                <>
                  {' '}
                  <span className="badge badge--warn" data-testid="list-reopened">
                    {t('attendance.close.reopenedAt', {
                      time: format.format(new Date(c.reopened_at)),
                      who: c.reopened_by_email ?? c.reopened_by ?? '',
                      reason: c.reopen_reason ?? '',
                    })}
                  </span>
                </>
              ) : null}
            </li>
          ))}
        </ul>
      ) : null}
      {canClose && !closing ? (
        <button type="button" className="button" onClick={onOpen} data-testid="list-close">
          {t('attendance.close.button')}
        </button>
      ) : null}
      {canClose && closing ? (
        <SignaturePad
          title={t('attendance.close.title')}
          hint={t('attendance.close.hint')}
          submitLabel={t('attendance.close.submit')}
          onCancel={onCancel}
          onSubmit={onClose}
          testId="close-pad"
        />
      ) : null}
    </div>
  );
}
