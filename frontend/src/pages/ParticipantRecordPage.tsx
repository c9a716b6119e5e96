import { useMemo, useState } from 'react';
import { getParticipantAttendance } from '../api/attendance';
import { RECORD_PROOF_COLUMNS, RecordProofCells, useStaffNames } from '../components/AttendanceBadges';
import { SessionRange, useLocalDateTimeFormat, useLocalDateTimeSecondsFormat, TimeZoneNote } from '../components/EventTimes';
import { PrintLayout } from '../components/PrintLayout';
import { can, type Account } from '../auth';
import { RequireAuth } from '../components/RequireAuth';
import { RestrictionPanel } from '../components/RestrictionPanel';
import { certificatePdfUrl } from '../api/documents';
import { useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { ATTENDANCE_RECORD_PRINT, attendanceRecordStatus } from './AttendancePrintPage';

/**
 * One participant's attendance record across the events the caller may see,
 * printable: per session every record with who recorded it and when, late
 * uploads, corrections and their reasons.
 */
export function ParticipantRecordPage({ participantId }: { participantId: string }) {
  return <RequireAuth>{(account) => <RecordView participantId={participantId} account={account} />}</RequireAuth>;
}

/** One signed certificate of attendance per event the record names, in German and English. */
function CertificateLinks({ participantId, entries }: { participantId: string; entries: { event_id: string; event_title: string }[] }) {
  const { t } = useI18n();
  const events = [...new Map(entries.map((e) => [e.event_id, e.event_title])).entries()];
  if (events.length === 0) return null;
  return (
    <section className="no-print" aria-label={t('documents.certificate')} data-testid="precord-certificates">
      <h2>{t('documents.certificate')}</h2>
      <ul className="plain-list">
        {events.map(([id, title]) => (
          <li key={id} data-testid="precord-certificate" data-event={id}>
            <span>{title}</span>{' '}
            <a className="button button--small" href={certificatePdfUrl(id, participantId, 'de')} download data-testid="precord-certificate-de">
              {t('documents.certificateDe')}
            </a>{' '}
            <a className="button button--small" href={certificatePdfUrl(id, participantId, 'en')} download data-testid="precord-certificate-en">
              {t('documents.certificateEn')}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

function RecordView({ participantId, account }: { participantId: string; account: Account }) {
  const { t } = useI18n();
  const load = useKeyedLoad(`participant-attendance:${participantId}`, (signal) => getParticipantAttendance(participantId, signal));
  const format = useLocalDateTimeFormat();
  const seconds = useLocalDateTimeSecondsFormat();
  const printedAt = useMemo(() => new Date(), []);
  const data = load.state === 'ok' ? load.value : null;
  const names = useStaffNames();
  // A restriction set or lifted here (tenant admins, Art. 18 GDPR) until the record loads again.
  const [changedRestriction, setChangedRestriction] = useState<{ at: string | null } | null>(null);
  const restrictedAt = changedRestriction ? changedRestriction.at : (data?.restricted_at ?? null);
  // An erased person has no name left and cannot be restricted.
  const canRestrict = can(account, 'subject_requests.manage') && data !== null && data.name !== '';
  // Oldest session first, records in the order they happened.
  const entries = useMemo(
    () =>
      data
        ? [...data.entries].sort(
            (a, b) =>
              a.starts_at.localeCompare(b.starts_at) ||
              a.record.session_id.localeCompare(b.record.session_id) ||
              a.record.occurred_at.localeCompare(b.record.occurred_at) ||
              a.record.id.localeCompare(b.record.id),
          )
        : [],
    [data],
  );

  return (
    <PrintLayout
      testId="participant-record"
      titleId="precord-title"
      title="attendance.participant.title"
      back={{ to: '/participants', label: 'attendance.participant.back', testId: 'precord-back' }}
      print={ATTENDANCE_RECORD_PRINT}
      load={load}
      status={attendanceRecordStatus('attendance.participant.loading')}
    >
      {(data) => (
        <>
          <dl className="facts facts--grid">
            <div>
              <dt>{t('attendance.participant.name')}</dt>
              <dd data-testid="precord-name">{data.name}</dd>
              {restrictedAt ? (
                <dd>
                  <span className="badge badge--warn precord-restricted" data-testid="precord-restricted">
                    {t('participants.restricted')}
                  </span>
                </dd>
              ) : null}
            </div>
            <div>
              <dt>{t('attendance.proof.printedAt')}</dt>
              <dd>{seconds.format(printedAt)}</dd>
            </div>
          </dl>
          {canRestrict ? (
            <RestrictionPanel
              participantId={data.participant_id}
              name={data.name}
              restrictedAt={restrictedAt}
              onChange={(at) => setChangedRestriction({ at })}
            />
          ) : null}
          <CertificateLinks participantId={data.participant_id} entries={entries} />
          <p className="small muted">{t('attendance.proof.intro')}</p>
          {entries.length === 0 ? (
            <p className="muted" data-testid="precord-empty">
              {t('attendance.participant.empty')}
            </p>
          ) : (
            <div className="table-scroll" tabIndex={0}>
              <table className="table print-table" data-testid="precord-table">
                <caption className="visually-hidden">{t('attendance.participant.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('attendance.participant.eventSession')}</th>
                    {RECORD_PROOF_COLUMNS.map((column) => (
                      <th key={column} scope="col">
                        {t(column)}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {entries.map((entry) => (
                    <tr
                      key={entry.record.id}
                      data-testid="precord-row"
                      data-id={entry.record.id}
                      data-source={entry.record.source}
                      data-superseded={entry.record.superseded ? 'true' : 'false'}
                      data-voided={entry.record.voided ? 'true' : 'false'}
                    >
                      <td className="cell-name">
                        {entry.event_title}
                        <span className="small muted cell-note">
                          <SessionRange startsAt={entry.starts_at} endsAt={entry.ends_at} format={format} />
                        </span>
                      </td>
                      <RecordProofCells record={entry.record} format={seconds} names={names} />
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <TimeZoneNote />
        </>
      )}
    </PrintLayout>
  );
}
