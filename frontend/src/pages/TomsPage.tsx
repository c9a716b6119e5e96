import { useState } from 'react';
import { exportTomReport, tomReport, type TomReport, type TomRow, type TomScope, type TomStatus } from '../api/toms';
import { can, handleAuthError, type Account } from '../auth';
import { useLocalDateTimeSecondsFormat } from '../components/EventTimes';
import { MessageLine, type Message } from '../components/MessageLine';
import { PrintLayout } from '../components/PrintLayout';
import { RequireAuth } from '../components/RequireAuth';
import { saveBlob } from '../download';
import { parseUtc } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { withDetail } from '../problems';

/**
 * The TOM evidence report (TOM REVIEW-1, issue 20): one row per measure of the TOM map
 * with its control, the live evidence from the running system, the tests that prove it
 * (collapsed) and its status in colour and words. `#/platform/toms` for platform admins
 * (every tenant, counts only), `#/toms` ("Nachweise") for a tenant's admins (only their
 * tenant's figures). Exported as JSON signed by the platform; printable.
 */
export function PlatformTomsPage() {
  return <RequireAuth>{(account) => <TomsScreen account={account} scope="platform" />}</RequireAuth>;
}

export function TenantTomsPage() {
  return <RequireAuth>{(account) => <TomsScreen account={account} scope="tenant" />}</RequireAuth>;
}

const STATUS_LABEL: Record<TomStatus, MessageKey> = {
  ok: 'toms.status.ok',
  attention: 'toms.status.attention',
  failing: 'toms.status.failing',
};

function TomsScreen({ account, scope }: { account: Account; scope: TomScope }) {
  const { t } = useI18n();
  const allowed = scope === 'platform' ? can(account, 'platform.toms') : can(account, 'toms.read');
  if (!allowed) {
    return (
      <div className="stack">
        <h1>{t(scope === 'platform' ? 'toms.platformTitle' : 'toms.title')}</h1>
        <p className="alert alert--error" role="alert" data-testid="toms-forbidden">
          {t('toms.forbidden')}
        </p>
      </div>
    );
  }
  return <TomsView scope={scope} />;
}

function TomsView({ scope }: { scope: TomScope }) {
  const { t } = useI18n();
  const load = useKeyedLoad(`toms:${scope}`, (signal) => tomReport(scope, signal));
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  async function onExport() {
    setBusy(true);
    setMessage(null);
    try {
      const { blob, filename } = await exportTomReport(scope);
      saveBlob(blob, filename);
      setMessage({ kind: 'ok', text: t('toms.exported', { name: filename }) });
    } catch (error) {
      handleAuthError(error);
      setMessage({ kind: 'error', text: withDetail(t, t('toms.exportError'), error) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <PrintLayout
      testId="toms"
      className="toms-report"
      titleId="toms-title"
      title={scope === 'platform' ? 'toms.platformTitle' : 'toms.title'}
      back={scope === 'platform' ? { to: '/platform', label: 'toms.backPlatform', testId: 'toms-back' } : { to: '/', label: 'toms.backHome', testId: 'toms-back' }}
      print={{ label: 'toms.print', testId: 'toms-print' }}
      intro={
        <>
          <p className="small muted" data-testid="toms-intro">
            {t(scope === 'platform' ? 'toms.platformIntro' : 'toms.intro')}
          </p>
          <p className="no-print">
            <button type="button" className="button" onClick={() => void onExport()} disabled={busy} data-testid="toms-export">
              {t('toms.export')}
            </button>
          </p>
          <MessageLine message={message} testId="toms-message" />
        </>
      }
      load={load}
      status={{ testId: 'toms-status', loading: 'toms.loading', forbidden: 'toms.forbidden', error: 'toms.error' }}
    >
      {(report) => <ReportBody report={report} />}
    </PrintLayout>
  );
}

function ReportBody({ report }: { report: TomReport }) {
  const { t } = useI18n();
  const seconds = useLocalDateTimeSecondsFormat();
  const generated = parseUtc(report.generated_at);
  return (
    <>
      <dl className="facts facts--grid">
        <div>
          <dt>{t('toms.generatedAt')}</dt>
          <dd data-testid="toms-generated">{generated ? seconds.format(generated) : report.generated_at}</dd>
        </div>
        <div>
          <dt>{t('toms.version')}</dt>
          <dd>{report.version}</dd>
        </div>
        {report.tenant_slug ? (
          <div>
            <dt>{t('toms.tenant')}</dt>
            <dd className="mono">{report.tenant_slug}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t('toms.summary')}</dt>
          <dd data-testid="toms-summary" data-ok={report.ok} data-attention={report.attention} data-failing={report.failing}>
            {t('toms.summaryText', { ok: report.ok, attention: report.attention, failing: report.failing })}
          </dd>
        </div>
      </dl>
      <div className="table-scroll" tabIndex={0}>
        <table className="table toms-table" data-testid="toms-table">
          <caption className="visually-hidden">{t('toms.caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('toms.col.id')}</th>
              <th scope="col">{t('toms.col.control')}</th>
              <th scope="col">{t('toms.col.evidence')}</th>
              <th scope="col">{t('toms.col.tests')}</th>
              <th scope="col">{t('toms.col.status')}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((row) => (
              <Row key={row.id} row={row} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Row({ row }: { row: TomRow }) {
  const { t } = useI18n();
  return (
    <tr data-testid="toms-row" data-id={row.id} data-status={row.status} data-live={row.live}>
      <th scope="row" className="mono">
        {row.id}
      </th>
      <td>
        {row.control}
        <span className="small muted cell-note">{row.documented_status}</span>
      </td>
      <td>{row.live ? row.evidence : <span className="muted">{t('toms.documented')}</span>}</td>
      <td>
        {row.tests.length === 0 ? (
          <span className="muted">{t('toms.noTests')}</span>
        ) : (
          <details data-testid="toms-tests">
            <summary>{t('toms.tests', { count: row.tests.length })}</summary>
            <ul className="toms-tests">
              {row.tests.map((test) => (
                <li key={`${test.file}:${test.name}`}>
                  <span className="mono small">{test.name}</span>
                  <span className="small muted cell-note">{test.file}</span>
                </li>
              ))}
            </ul>
          </details>
        )}
      </td>
      <td>
        <span className={`badge tom-status tom-status--${row.status}`} data-testid="toms-row-status">
          {t(STATUS_LABEL[row.status])}
        </span>
        <span className="small muted cell-note">{row.reason}</span>
      </td>
    </tr>
  );
}
