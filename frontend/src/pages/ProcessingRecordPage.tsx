import { useMemo } from 'react';
import { getProcessingRecord, type ProcessingActivity, type ProcessingRecord } from '../api/retention';
import { can, type Account } from '../auth';
import { LocalTime, useLocalDateTimeFormat, useLocalDateTimeSecondsFormat } from '../components/EventTimes';
import { PrintLayout } from '../components/PrintLayout';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';

/**
 * "Verarbeitungsverzeichnis" (TOM RIGHTS-3; tenant admins): the generated
 * description of the processing for the tenant's own record (Art. 30 GDPR) —
 * activities with purposes, legal bases, data subjects, data categories as
 * stored, recipients and retention (the tenant's current periods), the
 * measures in place and counts; no personal data. The server writes the texts
 * in the UI's language. Printable: "Drucken / als PDF speichern" opens the
 * browser's print dialog, whose "save as PDF" makes the PDF; the print
 * stylesheet leaves only the record.
 */
export function ProcessingRecordPage() {
  return <RequireAuth>{(account) => <RecordScreen account={account} />}</RequireAuth>;
}

function RecordScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  if (!can(account, 'processing_record.read')) {
    return (
      <div className="stack">
        <h1>{t('record.title')}</h1>
        <p className="alert alert--error" role="alert" data-testid="record-forbidden">
          {t('record.forbidden')}
        </p>
      </div>
    );
  }
  return <RecordView />;
}

function RecordView() {
  const { t, language } = useI18n();
  const load = useKeyedLoad(`processing-record:${language}`, (signal) => getProcessingRecord(language, signal));

  return (
    <PrintLayout
      testId="processing-record"
      className="processing-record"
      titleId="record-title"
      title="record.title"
      back={{ to: '/retention', label: 'record.back', testId: 'record-back' }}
      print={{ label: 'record.print', testId: 'record-print' }}
      intro={
        <p className="small muted" data-testid="record-intro">
          {t('record.intro')}
        </p>
      }
      load={load}
      status={{ testId: 'record-status', loading: 'record.loading', forbidden: 'record.forbidden', error: 'record.error' }}
    >
      {(record) => <RecordBody record={record} />}
    </PrintLayout>
  );
}

function RecordBody({ record }: { record: ProcessingRecord }) {
  const { t } = useI18n();
  const seconds = useLocalDateTimeSecondsFormat();
  const format = useLocalDateTimeFormat();
  const generated = useMemo(() => new Date(record.generated_at), [record.generated_at]);
  const retention = record.retention;

  return (
    <>
      <dl className="facts facts--grid">
        <div>
          <dt>{t('record.controller')}</dt>
          <dd data-testid="record-controller">
            {record.controller.name} <span className="small muted mono">({record.controller.slug})</span>
          </dd>
        </div>
        <div>
          <dt>{t('record.processor')}</dt>
          <dd data-testid="record-processor">
            {record.processor.name}
            <span className="small muted cell-note">{record.processor.role}</span>
          </dd>
        </div>
        <div>
          <dt>{t('record.generatedAt')}</dt>
          <dd data-testid="record-generated">{seconds.format(generated)}</dd>
        </div>
      </dl>

      <section aria-labelledby="record-retention-title" data-testid="record-retention">
        <h2 id="record-retention-title">{t('record.retentionTitle')}</h2>
        <dl className="facts facts--grid">
          <div>
            <dt>{t('record.participantMonths')}</dt>
            <dd data-testid="record-participant-months" data-months={retention.participant_retention_months}>
              {t('record.months', { count: retention.participant_retention_months })}
            </dd>
          </div>
          <div>
            <dt>{t('record.auditMonths')}</dt>
            <dd data-testid="record-audit-months" data-months={retention.audit_retention_months}>
              {t('record.months', { count: retention.audit_retention_months })}
            </dd>
          </div>
          <div>
            <dt>{t('record.offboarding')}</dt>
            <dd data-testid="record-offboarding-days">{t('record.days', { count: retention.offboarding_window_days })}</dd>
          </div>
          <div>
            <dt>{t('record.settingsChanged')}</dt>
            <dd>{retention.updated_at ? <LocalTime value={retention.updated_at} format={format} /> : t('retention.summary.defaults')}</dd>
          </div>
        </dl>
        <ul data-testid="record-retention-rules">
          {retention.rules.map((rule) => (
            <li key={rule}>{rule}</li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="record-activities-title">
        <h2 id="record-activities-title">{t('record.activities')}</h2>
        {record.activities.map((activity, index) => (
          <ActivitySection key={activity.id} activity={activity} number={index + 1} />
        ))}
      </section>

      <section aria-labelledby="record-subprocessors-title">
        <h2 id="record-subprocessors-title">{t('record.subprocessors')}</h2>
        {record.subprocessors.length === 0 ? (
          <p className="muted" data-testid="record-subprocessors-none">
            {t('record.subprocessorsNone')}
          </p>
        ) : (
          <table className="table print-table" data-testid="record-subprocessors">
            <caption className="visually-hidden">{t('record.subprocessors')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('subprocessors.col.name')}</th>
                <th scope="col">{t('subprocessors.col.service')}</th>
                <th scope="col">{t('subprocessors.col.categories')}</th>
                <th scope="col">{t('subprocessors.col.location')}</th>
                <th scope="col">{t('subprocessors.col.since')}</th>
              </tr>
            </thead>
            <tbody>
              {record.subprocessors.map((s) => (
                <tr key={`${s.name}-${s.country}`} data-testid="record-subprocessor">
                  <td className="cell-text">
                    {s.name}
                    <span className="small muted cell-note">{s.address}</span>
                  </td>
                  <td className="cell-text">{s.service}</td>
                  <td className="cell-text">{s.data_categories}</td>
                  <td className="cell-text">
                    {s.country} ({s.eu_eea ? t('subprocessors.euEea') : t('subprocessors.thirdCountry')})
                    <span className="small muted cell-note">{s.transfer}</span>
                  </td>
                  <td className="nowrap">{s.since}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section aria-labelledby="record-toms-title">
        <h2 id="record-toms-title">{t('record.toms')}</h2>
        <table className="table print-table" data-testid="record-toms">
          <caption className="visually-hidden">{t('record.toms')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('record.col.tom')}</th>
              <th scope="col">{t('record.col.measure')}</th>
            </tr>
          </thead>
          <tbody>
            {record.toms.map((tom) => (
              <tr key={tom.id} data-testid="record-tom" data-id={tom.id}>
                <td className="nowrap mono">{tom.id}</td>
                <td className="cell-text">{tom.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>

      <Counts record={record} />
    </>
  );
}

const LIST_PARTS: readonly { key: 'purposes' | 'legal_basis' | 'data_subjects' | 'recipients'; label: MessageKey }[] = [
  { key: 'purposes', label: 'record.purposes' },
  { key: 'legal_basis', label: 'record.legalBasis' },
  { key: 'data_subjects', label: 'record.subjects' },
  { key: 'recipients', label: 'record.recipients' },
];

function ActivitySection({ activity, number }: { activity: ProcessingActivity; number: number }) {
  const { t } = useI18n();
  const titleId = `record-activity-${activity.id}`;
  return (
    <section className="record-activity" aria-labelledby={titleId} data-testid="record-activity" data-id={activity.id}>
      <h3 id={titleId}>
        {number}. {activity.name}
      </h3>
      <dl className="facts">
        {LIST_PARTS.map(({ key, label }) => (
          <div key={key}>
            <dt>{t(label)}</dt>
            <dd>
              <ul data-testid={`record-${key}`}>
                {activity[key].map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
            </dd>
          </div>
        ))}
        <div>
          <dt>{t('record.retention')}</dt>
          <dd data-testid="record-activity-retention">{activity.retention}</dd>
        </div>
      </dl>
      <table className="table print-table" data-testid="record-categories">
        <caption>{t('record.categories')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('record.col.category')}</th>
            <th scope="col">{t('record.col.storedAs')}</th>
          </tr>
        </thead>
        <tbody>
          {activity.data_categories.map((category) => (
            <tr key={category.id} data-testid="record-category" data-id={category.id}>
              <td className="cell-text">{category.name}</td>
              <td className="cell-text">{category.stored_as}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

const COUNT_LABELS: readonly { key: keyof ProcessingRecord['counts']; label: MessageKey }[] = [
  { key: 'participants', label: 'record.count.participants' },
  { key: 'participants_anonymised', label: 'record.count.anonymised' },
  { key: 'bookings', label: 'record.count.bookings' },
  { key: 'attendance_records', label: 'record.count.attendance' },
  { key: 'card_bindings', label: 'record.count.cards' },
  { key: 'staff_memberships', label: 'record.count.staff' },
];

function Counts({ record }: { record: ProcessingRecord }) {
  const { t, locale } = useI18n();
  const number = useMemo(() => new Intl.NumberFormat(locale), [locale]);
  return (
    <section aria-labelledby="record-counts-title">
      <h2 id="record-counts-title">{t('record.counts')}</h2>
      <dl className="facts facts--grid" data-testid="record-counts">
        {COUNT_LABELS.map(({ key, label }) => (
          <div key={key}>
            <dt>{t(label)}</dt>
            <dd data-testid={`record-count-${key}`}>{number.format(record.counts[key])}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
