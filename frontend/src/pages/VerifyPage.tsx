import { useId, useState, type ChangeEvent } from 'react';
import { platformKeys, verifyDocument, type VerifyResult } from '../api/documents';
import { useI18n } from '../i18n';

type Doc = Record<string, unknown>;

function text(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'string') return value === '' ? '–' : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return '–';
}

function field(doc: Doc, ...path: string[]): unknown {
  let at: unknown = doc;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function list(value: unknown): Doc[] {
  return Array.isArray(value) ? (value.filter((v) => typeof v === 'object' && v !== null) as Doc[]) : [];
}

/**
 * `#/verify` (no sign-in): checks a signed PDF of this platform in the browser. The file
 * never leaves the browser; only the platform's public keys are fetched. Shows what the
 * document says, nothing else, or why it is refused.
 */
export function VerifyPage() {
  const { t } = useI18n();
  const inputId = useId();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<VerifyResult | null>(null);
  const [failed, setFailed] = useState(false);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file || busy) return;
    setBusy(true);
    setResult(null);
    setFailed(false);
    try {
      const [bytes, keys] = await Promise.all([file.arrayBuffer(), platformKeys()]);
      setResult(await verifyDocument(new Uint8Array(bytes), keys));
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  };

  const facts = (rows: [string, unknown][]) => (
    <dl className="facts facts--grid" data-testid="verify-facts">
      {rows.map(([label, value]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{text(value)}</dd>
        </div>
      ))}
    </dl>
  );

  const shown = (doc: Doc) => {
    if (doc.kind === 'attendance_list') {
      const closed = doc.closed === true;
      return (
        <>
          <h2>{t('verify.kind.attendanceList')}</h2>
          {facts([
            [t('verify.issuer'), field(doc, 'tenant', 'name')],
            [t('verify.event'), field(doc, 'event', 'title')],
            [t('verify.session'), `${text(field(doc, 'session', 'starts_at'))} – ${text(field(doc, 'session', 'ends_at'))}`],
            [t('verify.timeZone'), doc.time_zone],
            [t('verify.location'), doc.location],
            [t('verify.instructors'), Array.isArray(doc.instructors) ? (doc.instructors as unknown[]).map(text).join(', ') : undefined],
            [t('verify.closed'), closed ? `${text(field(doc, 'closing', 'closed_at'))} · ${text(field(doc, 'closing', 'closed_by'))}` : t('verify.notClosed')],
            [t('verify.issuedAt'), doc.issued_at],
          ])}
          <div className="table-scroll" tabIndex={0}>
            <table className="table" data-testid="verify-attendees">
              <caption className="visually-hidden">{t('verify.attendees')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('verify.col.name')}</th>
                  <th scope="col">{t('verify.col.status')}</th>
                  <th scope="col">{t('verify.col.in')}</th>
                  <th scope="col">{t('verify.col.out')}</th>
                  <th scope="col">{t('verify.col.source')}</th>
                  <th scope="col">{t('verify.col.signed')}</th>
                </tr>
              </thead>
              <tbody>
                {list(doc.attendees).map((a, i) => (
                  <tr key={i}>
                    <td>{text(a.name)}</td>
                    <td>{text(a.status)}</td>
                    <td>{text(a.checked_in_at)}</td>
                    <td>{text(a.checked_out_at)}</td>
                    <td>{text(a.source)}</td>
                    <td>{a.signature ? t('verify.yes') : '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      );
    }
    return (
      <>
        <h2>{t('verify.kind.certificate')}</h2>
        {facts([
          [t('verify.issuer'), field(doc, 'tenant', 'name')],
          [t('verify.participant'), field(doc, 'participant', 'name')],
          [t('verify.event'), field(doc, 'event', 'title')],
          [t('verify.sessionsAttended'), doc.sessions_attended],
          [t('verify.minutes'), doc.minutes_attended],
          [t('verify.excused'), field(doc, 'absences', 'excused')],
          [t('verify.unexcused'), field(doc, 'absences', 'unexcused')],
          [t('verify.timeZone'), doc.time_zone],
          [t('verify.issuedAt'), doc.issued_at],
        ])}
      </>
    );
  };

  return (
    <section className="card" aria-labelledby="verify-title">
      <h1 id="verify-title">{t('verify.title')}</h1>
      <p className="muted">{t('verify.intro')}</p>
      <div className="form">
        <label htmlFor={inputId}>{t('verify.file')}</label>
        <input id={inputId} type="file" accept="application/pdf,.pdf" onChange={(e) => void onFile(e)} data-testid="verify-file" />
      </div>
      {busy ? (
        <p className="muted" role="status" data-testid="verify-busy">
          {t('verify.busy')}
        </p>
      ) : null}
      {failed ? (
        <p className="alert alert--error" role="alert" data-testid="verify-result" data-state="error">
          {t('verify.error')}
        </p>
      ) : null}
      {result && !result.ok ? (
        <p className="alert alert--error" role="alert" data-testid="verify-result" data-state="refused" data-reason={result.reason}>
          <strong>{t('verify.refused')}</strong> {t(`verify.reason.${result.reason}`)}
        </p>
      ) : null}
      {result && result.ok ? (
        <div data-testid="verify-result" data-state="valid">
          <p className="alert alert--ok" role="status">
            <strong>{t('verify.valid')}</strong> {t('verify.code', { code: result.code, key: result.keyId })}
          </p>
          {shown(result.document)}
        </div>
      ) : null}
    </section>
  );
}
