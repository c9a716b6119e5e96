import { useId, useState, type ChangeEvent } from 'react';
import { ApiError } from '../api/client';
import { listEvents } from '../api/events';
import {
  IMPORT_MAX_BYTES,
  previewImport,
  runImport,
  toBase64,
  type ImportMapping,
  type ImportPreview,
} from '../api/tools';
import { can, handleAuthError, type Account } from '../auth';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { isMessageKey, useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { withDetail } from '../problems';

/**
 * "Teilnehmende importieren" (issue 23; `events.write`): a class list (CSV) into one
 * event. Upload → column mapping → preview with each row's errors → import as
 * bookings. Nothing is written while a row has an error, unless the admin chooses to
 * leave those rows out; mails only when asked. The server checks everything again.
 */
export function ImportPage() {
  return <RequireAuth>{(account) => <ImportScreen account={account} />}</RequireAuth>;
}

function ImportScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <section aria-labelledby="import-title">
        <h1 id="import-title">{t('import.title')}</h1>
        <p className="muted">{t('import.intro')}</p>
      </section>
      {can(account, 'events.write') ? (
        <ImportContent />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="import-forbidden">
          {t('import.forbidden')}
        </p>
      )}
    </div>
  );
}

type MappingField = keyof ImportMapping;
const MAPPING_FIELDS: readonly MappingField[] = ['name', 'first_name', 'last_name', 'email', 'phone', 'language'];

function ImportContent() {
  const { t } = useI18n();
  const baseId = useId();
  const events = useKeyedLoad('import-events', listEvents);
  const [eventId, setEventId] = useState('');
  const [file, setFile] = useState<string | null>(null);
  const [mapping, setMapping] = useState<ImportMapping | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [skip, setSkip] = useState(false);
  const [mails, setMails] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  if (events.state !== 'ok') {
    return <LoadStatus load={events} testId="import-status" loading="import.loading" forbidden="import.forbidden" error="import.error" />;
  }

  const failed = (err: unknown, what: string) => {
    handleAuthError(err);
    let text: string;
    if (err instanceof ApiError && err.status === 413) text = t('import.tooLarge', { kib: IMPORT_MAX_BYTES / 1024 });
    else if (err instanceof ApiError) text = withDetail(t, what, err);
    else text = t('login.error.unreachable');
    setMessage({ kind: 'error', text });
  };

  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    setPreview(null);
    setMapping(null);
    setMessage(null);
    const chosen = e.target.files?.[0];
    if (!chosen) return setFile(null);
    if (chosen.size > IMPORT_MAX_BYTES) {
      setFile(null);
      setMessage({ kind: 'error', text: t('import.tooLarge', { kib: IMPORT_MAX_BYTES / 1024 }) });
      return;
    }
    setFile(toBase64(new Uint8Array(await chosen.arrayBuffer())));
  };

  const check = async (withMapping: ImportMapping | null) => {
    if (!eventId || !file || busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const answer = await previewImport(eventId, { file_base64: file, mapping: withMapping });
      setPreview(answer);
      setMapping(answer.mapping);
    } catch (err) {
      failed(err, t('import.error.preview'));
    } finally {
      setBusy(false);
    }
  };

  const doImport = async () => {
    if (!eventId || !file || !preview || busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const answer = await runImport(eventId, { file_base64: file, mapping, skip_invalid: skip, send_mails: mails });
      setPreview(null);
      setMessage({ kind: 'ok', text: t('import.done', { imported: answer.imported, confirmed: answer.confirmed, waiting: answer.waiting, skipped: answer.skipped }) });
    } catch (err) {
      failed(err, t('import.error.import'));
    } finally {
      setBusy(false);
    }
  };

  const setColumn = (field: MappingField, value: string) => {
    const next: ImportMapping = { ...(mapping ?? {}), [field]: value === '' ? null : Number(value) };
    setMapping(next);
  };

  const blocked = preview !== null && preview.invalid > 0 && !skip;
  return (
    <>
      <section className="card" aria-labelledby="import-file-title">
        <h2 id="import-file-title">{t('import.file.title')}</h2>
        <div className="form">
          <div className="field">
            <label htmlFor={`${baseId}-event`}>{t('import.event')}</label>
            <select
              id={`${baseId}-event`}
              value={eventId}
              onChange={(e) => {
                setEventId(e.target.value);
                setPreview(null);
                          }}
              data-testid="import-event"
            >
              <option value="">{t('import.event.choose')}</option>
              {events.value.map((ev) => (
                <option key={ev.id} value={ev.id}>
                  {ev.title}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${baseId}-file`}>{t('import.file')}</label>
            <input id={`${baseId}-file`} type="file" accept=".csv,text/csv,text/plain" onChange={(e) => void onFile(e)} data-testid="import-file" />
            <p className="small muted">{t('import.file.hint', { kib: IMPORT_MAX_BYTES / 1024 })}</p>
          </div>
          <div className="form__actions">
            <button type="button" className="button button--primary" disabled={!eventId || !file || busy} onClick={() => void check(null)} data-testid="import-preview">
              {t('import.preview')}
            </button>
          </div>
        </div>
      </section>
      <MessageLine message={message} testId="import-message" />
      {preview ? (
        <>
          <section className="card" aria-labelledby="import-mapping-title">
            <h2 id="import-mapping-title">{t('import.mapping.title')}</h2>
            <p className="small muted" data-testid="import-detected">
              {t('import.detected', { encoding: preview.encoding, delimiter: preview.delimiter === '\t' ? 'Tab' : preview.delimiter })}
            </p>
            <div className="form-grid">
              {MAPPING_FIELDS.map((field) => (
                <div className="field" key={field}>
                  <label htmlFor={`${baseId}-map-${field}`}>{t(`import.field.${field}`)}</label>
                  <select
                    id={`${baseId}-map-${field}`}
                    value={mapping?.[field] ?? ''}
                    onChange={(e) => setColumn(field, e.target.value)}
                    data-testid={`import-map-${field}`}
                  >
                    <option value="">{t('import.mapping.none')}</option>
                    {preview.columns.map((column, i) => (
                      <option key={i} value={i}>
                        {column || `#${i + 1}`}
                      </option>
                    ))}
                  </select>
                </div>
              ))}
            </div>
            <div className="form__actions">
              <button type="button" className="button" disabled={busy} onClick={() => void check(mapping)} data-testid="import-recheck">
                {t('import.recheck')}
              </button>
            </div>
          </section>
          <section className="card" aria-labelledby="import-preview-title">
            <h2 id="import-preview-title">{t('import.preview.title')}</h2>
            <p role="status" data-testid="import-summary" data-valid={preview.valid} data-invalid={preview.invalid}>
              {t('import.summary', { valid: preview.valid, invalid: preview.invalid, confirmed: preview.confirmed, waiting: preview.waiting })}
            </p>
            <div className="table-scroll" tabIndex={0}>
              <table className="table" data-testid="import-rows">
                <caption className="visually-hidden">{t('import.preview.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('import.col.line')}</th>
                    <th scope="col">{t('import.field.name')}</th>
                    <th scope="col">{t('import.field.email')}</th>
                    <th scope="col">{t('import.col.result')}</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((row) => (
                    <tr key={row.line} data-testid="import-row" data-line={row.line} data-ok={row.errors.length === 0 ? 'yes' : 'no'}>
                      <td>{row.line}</td>
                      <td className="cell-name">{row.name}</td>
                      <td>{row.email}</td>
                      <td>
                        {row.errors.length === 0 ? (
                          <span className="badge">{t(row.outcome === 'waiting' ? 'import.outcome.waiting' : 'import.outcome.confirmed')}</span>
                        ) : (
                          <ul className="plain-list" data-testid="import-row-errors">
                            {row.errors.map((e) => {
                              const key = `import.error.${e.code}`;
                              const field = `import.field.${e.field}`;
                              return (
                                <li key={`${e.field}-${e.code}`}>
                                  {isMessageKey(field) ? t(field) : e.field}: {isMessageKey(key) ? t(key) : e.code}
                                </li>
                              );
                            })}
                          </ul>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="form">
              {preview.invalid > 0 ? (
                <label className="check">
                  <input type="checkbox" checked={skip} onChange={(e) => setSkip(e.target.checked)} data-testid="import-skip" />{' '}
                  {t('import.skip', { count: preview.invalid })}
                </label>
              ) : null}
              <label className="check">
                <input type="checkbox" checked={mails} onChange={(e) => setMails(e.target.checked)} data-testid="import-mails" /> {t('import.mails')}
              </label>
              {blocked ? (
                <p className="alert alert--error" role="alert" data-testid="import-blocked">
                  {t('import.blocked')}
                </p>
              ) : null}
              <div className="form__actions">
                <button
                  type="button"
                  className="button button--primary"
                  disabled={busy || blocked || preview.valid === 0}
                  onClick={() => void doImport()}
                  data-testid="import-run"
                >
                  {t('import.run', { count: preview.valid })}
                </button>
              </div>
            </div>
          </section>
        </>
      ) : null}
    </>
  );
}
