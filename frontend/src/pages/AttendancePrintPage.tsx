import { useMemo } from 'react';
import { getSessionAttendance, type AttendanceRecord, type SessionAttendance } from '../api/attendance';
import {
  AttendeeStatusBadge,
  RECORD_PROOF_COLUMNS,
  RecordProofCells,
  useStaffNames,
  type StaffNames,
} from '../components/AttendanceBadges';
import { LocalTime, SessionRange, useLocalDateTimeFormat, useLocalDateTimeSecondsFormat, TimeZoneNote } from '../components/EventTimes';
import { PrintLayout } from '../components/PrintLayout';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';

/**
 * The printable attendance record of one session: every attendee's status and
 * every record — who recorded what and when (device or person), late uploads,
 * corrections with their reasons; replaced and voided records stay in it.
 */
export function AttendancePrintPage({ sessionId }: { sessionId: string }) {
  return <RequireAuth>{() => <PrintView sessionId={sessionId} />}</RequireAuth>;
}

/** The print button and status line of an attendance record (this page and a participant's record). */
export const ATTENDANCE_RECORD_PRINT = { label: 'attendance.print', testId: 'print-button' } as const;
export function attendanceRecordStatus(loading: MessageKey) {
  return { testId: 'record-load-status', loading, forbidden: 'attendance.forbidden', error: 'attendance.error' } as const;
}

function PrintView({ sessionId }: { sessionId: string }) {
  const { t } = useI18n();
  const load = useKeyedLoad(`attendance-print:${sessionId}`, (signal) => getSessionAttendance(sessionId, signal));
  const format = useLocalDateTimeFormat();
  const seconds = useLocalDateTimeSecondsFormat();
  const printedAt = useMemo(() => new Date(), []);
  const names = useStaffNames();

  return (
    <PrintLayout
      testId="attendance-print"
      titleId="print-title"
      title="attendance.proof.title"
      back={{ to: `/sessions/${encodeURIComponent(sessionId)}/attendance`, label: 'attendance.backToList', testId: 'print-back' }}
      print={ATTENDANCE_RECORD_PRINT}
      load={load}
      status={attendanceRecordStatus('attendance.loading')}
    >
      {(data) => (
        <>
          <dl className="facts facts--grid">
            <div>
              <dt>{t('attendance.proof.event')}</dt>
              <dd data-testid="print-event">{data.event_title}</dd>
            </div>
            <div>
              <dt>{t('attendance.proof.session')}</dt>
              <dd>
                <SessionRange startsAt={data.starts_at} endsAt={data.ends_at} format={format} />
              </dd>
            </div>
            <div>
              <dt>{t('attendance.proof.printedAt')}</dt>
              <dd>{seconds.format(printedAt)}</dd>
            </div>
          </dl>
          <p className="small muted">{t('attendance.proof.intro')}</p>
          <AttendeeSummary data={data} format={seconds} />
          <ProofTable data={data} format={seconds} names={names} />
          <TimeZoneNote />
        </>
      )}
    </PrintLayout>
  );
}

function AttendeeSummary({ data, format }: { data: SessionAttendance; format: Intl.DateTimeFormat }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="print-summary-title">
      <h2 id="print-summary-title">{t('attendance.proof.summary')}</h2>
      {data.attendees.length === 0 ? (
        <p className="muted">{t('attendance.empty')}</p>
      ) : (
        <table className="table print-table" data-testid="print-summary">
          <caption className="visually-hidden">{t('attendance.proof.summary')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('attendance.col.name')}</th>
              <th scope="col">{t('attendance.col.status')}</th>
              <th scope="col">{t('attendance.col.checkedIn')}</th>
              <th scope="col">{t('attendance.col.checkedOut')}</th>
            </tr>
          </thead>
          <tbody>
            {data.attendees.map((a) => (
              <tr key={a.booking_id} data-testid="print-attendee" data-participant={a.participant_id} data-status={a.status}>
                <td className="cell-text">{a.name}</td>
                <td>
                  <AttendeeStatusBadge status={a.status} testId="print-attendee-status" />
                </td>
                <td className="nowrap">{a.checked_in_at ? <LocalTime value={a.checked_in_at} format={format} /> : t('common.none')}</td>
                <td className="nowrap">{a.checked_out_at ? <LocalTime value={a.checked_out_at} format={format} /> : t('common.none')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ProofTable({ data, format, names }: { data: SessionAttendance; format: Intl.DateTimeFormat; names: StaffNames }) {
  const { t } = useI18n();
  const rows: { name: string; record: AttendanceRecord }[] = data.attendees.flatMap((a) => a.records.map((record) => ({ name: a.name, record })));
  return (
    <section aria-labelledby="print-records-title">
      <h2 id="print-records-title">{t('attendance.proof.records')}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('attendance.noRecords')}</p>
      ) : (
        <div className="table-scroll" tabIndex={0}>
          <table className="table print-table" data-testid="print-records">
            <caption className="visually-hidden">{t('attendance.proof.records')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('attendance.col.name')}</th>
                {RECORD_PROOF_COLUMNS.map((column) => (
                  <th key={column} scope="col">
                    {t(column)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map(({ name, record }) => (
                <tr
                  key={record.id}
                  data-testid="print-record"
                  data-id={record.id}
                  data-source={record.source}
                  data-superseded={record.superseded ? 'true' : 'false'}
                  data-voided={record.voided ? 'true' : 'false'}
                >
                  <td className="cell-text">{name}</td>
                  <RecordProofCells record={record} format={format} names={names} />
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
