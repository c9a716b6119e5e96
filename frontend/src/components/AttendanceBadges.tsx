import { useMemo } from 'react';
import type { AttendanceRecord, AttendeeStatus, RecordKind, RecordSource } from '../api/attendance';
import { listMembers } from '../api/members';
import { can, useAuth } from '../auth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { ShortId } from './LogTable';
import { LocalTime } from './EventTimes';

/** Label and badge tone per code (an unknown one shows as it is). */
type Tone = { key: MessageKey; tone: string };

const ATTENDEE_STATUS: Readonly<Record<AttendeeStatus, Tone>> = {
  present: { key: 'attendance.status.present', tone: 'badge--ok' },
  late: { key: 'attendance.status.late', tone: 'badge--warn' },
  left_early: { key: 'attendance.status.left_early', tone: 'badge--warn' },
  absent: { key: 'attendance.status.absent', tone: 'badge--off' },
};

const RECORD_KIND: Readonly<Record<RecordKind, MessageKey>> = {
  check_in: 'attendance.kind.check_in',
  check_out: 'attendance.kind.check_out',
};

const RECORD_SOURCE: Readonly<Record<RecordSource, MessageKey>> = {
  device: 'attendance.source.device',
  manual: 'attendance.source.manual',
  correction: 'attendance.source.correction',
};

/** present / late / left early / absent. */
export function AttendeeStatusBadge({ status, testId = 'attendee-status' }: { status: AttendeeStatus; testId?: string }) {
  const { t } = useI18n();
  const known: Tone | undefined = ATTENDEE_STATUS[status];
  return (
    <span className={`badge ${known?.tone ?? 'badge--off'}`} data-testid={testId} data-status={status}>
      {known ? t(known.key) : status}
    </span>
  );
}

export function RecordKindLabel({ kind }: { kind: RecordKind }) {
  const { t } = useI18n();
  const key: MessageKey | undefined = RECORD_KIND[kind];
  return <>{key ? t(key) : kind}</>;
}

export function RecordSourceLabel({ source }: { source: RecordSource }) {
  const { t } = useI18n();
  const key: MessageKey | undefined = RECORD_SOURCE[source];
  return <>{key ? t(key) : source}</>;
}

/** A record no longer in force: replaced by a correction, or voided. */
export function isStruck(record: AttendanceRecord): boolean {
  return record.superseded || record.voided;
}

/** In force / replaced / void, as a badge. */
export function RecordStateBadge({ record }: { record: AttendanceRecord }) {
  const { t } = useI18n();
  if (record.voided) {
    return (
      <span className="badge badge--bad" data-testid="record-state" data-state="voided">
        {t('attendance.record.voided')}
      </span>
    );
  }
  if (record.superseded) {
    return (
      <span className="badge badge--off" data-testid="record-state" data-state="superseded">
        {t('attendance.record.superseded')}
      </span>
    );
  }
  return (
    <span className="badge badge--ok" data-testid="record-state" data-state="valid">
      {t('attendance.record.valid')}
    </span>
  );
}

/** "Gerät „Eingang“" / "von Hand" / "Korrektur": where a record came from. */
export function RecordOrigin({ record }: { record: AttendanceRecord }) {
  const { t } = useI18n();
  return (
    <>
      <RecordSourceLabel source={record.source} />
      {record.device_name ? <span className="small muted"> · {t('attendance.record.device', { name: record.device_name })}</span> : null}
    </>
  );
}

/** Staff account id → email: the signed-in account, and for admins every member (the member list). */
export type StaffNames = ReadonlyMap<string, string>;

export function useStaffNames(): StaffNames {
  const auth = useAuth();
  const account = auth.status === 'signed-in' ? auth.account : null;
  const admin = account ? can(account, 'members.read') : false;
  const members = useKeyedLoad(admin ? 'members-for-records' : 'members-for-records:none', (signal) =>
    admin ? listMembers(signal) : Promise.resolve([]),
  );
  return useMemo(() => {
    const names = new Map<string, string>();
    if (members.state === 'ok') for (const m of members.value) names.set(m.account_id, m.email);
    if (account) names.set(account.account_id, account.email);
    return names;
  }, [members, account]);
}

/** The staff account that recorded or corrected it: its email when known, else the short id (the full one in `title`). */
export function RecordedBy({ record, names }: { record: AttendanceRecord; names: StaffNames }) {
  const { t } = useI18n();
  if (!record.recorded_by) return <span className="muted">{t('attendance.record.byDevice')}</span>;
  const email = record.recorded_by_email ?? names.get(record.recorded_by);
  return email ? (
    <span className="mono record__staff" title={record.recorded_by} data-testid="record-staff">
      {email}
    </span>
  ) : (
    <ShortId id={record.recorded_by} />
  );
}

/**
 * One record as the proof table cells show it: kind, when, origin, who, when
 * recorded, late upload, state, correction reason. Superseded and voided
 * records stay, struck through.
 */
export function RecordProofCells({ record, format, names }: { record: AttendanceRecord; format: Intl.DateTimeFormat; names: StaffNames }) {
  const { t } = useI18n();
  const struck = isStruck(record);
  return (
    <>
      <td className={struck ? 'nowrap record--struck' : 'nowrap'}>
        <RecordKindLabel kind={record.kind} />
      </td>
      <td className={struck ? 'nowrap record--struck' : 'nowrap'}>
        <LocalTime value={record.occurred_at} format={format} />
      </td>
      <td>
        <RecordOrigin record={record} />
      </td>
      <td>
        <RecordedBy record={record} names={names} />
      </td>
      <td className="nowrap">
        <LocalTime value={record.recorded_at} format={format} />
      </td>
      <td>
        {record.late_upload ? (
          <span className="badge badge--warn" data-testid="record-late">
            {t('attendance.record.late')}
          </span>
        ) : (
          t('common.none')
        )}
      </td>
      <td>
        <RecordStateBadge record={record} />
      </td>
      <td className="cell-text">
        {record.supersedes_id ? (
          <span className="small muted">
            {t('attendance.record.corrects')} <ShortId id={record.supersedes_id} />
          </span>
        ) : null}
        {record.reason ? <span className="record__reason">{record.reason}</span> : record.supersedes_id ? null : t('common.none')}
      </td>
    </>
  );
}

/** The column headers that go with `RecordProofCells`. */
export const RECORD_PROOF_COLUMNS: readonly MessageKey[] = [
  'attendance.col.kind',
  'attendance.col.occurredAt',
  'attendance.col.source',
  'attendance.col.recordedBy',
  'attendance.col.recordedAt',
  'attendance.col.lateUpload',
  'attendance.col.state',
  'attendance.col.reason',
];
