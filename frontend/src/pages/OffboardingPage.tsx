import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { ARCHIVE_WINDOW_DAYS, downloadArchive, getOffboarding, startOffboarding, type OffboardingStatus } from '../api/offboarding';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useLocalDateTimeFormat } from '../components/EventTimes';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { saveBlob } from '../download';
import { parseUtc } from '../format';
import { useI18n, type I18n } from '../i18n';
import { useEditableLoad, useRound } from '../load';
import { fieldIssues, withDetail } from '../problems';
import { applyOffboardingStatus } from '../tenantStatus';

/**
 * "Vertragsende" (TOM DEL-1, DEL-2; issue #8; tenant admins): what happens when
 * the tenant's contract ends, its status (active / read-only since … / offboarded),
 * the start — only after the tenant's slug is typed and a dialog says it cannot be
 * undone (the server lets only a primary tenant admin start it) — and, during the
 * 30-day window, the export archive ("Archiv herunterladen").
 */
export function OffboardingPage() {
  return <RequireAuth>{(account) => <OffboardingScreen account={account} />}</RequireAuth>;
}

function OffboardingScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <section aria-labelledby="offboarding-title">
        <h1 id="offboarding-title">{t('offboarding.title')}</h1>
        <p className="muted" data-testid="offboarding-intro">
          {t('offboarding.intro')}
        </p>
      </section>
      {can(account, 'offboarding.read') ? (
        <OffboardingContent account={account} />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="offboarding-forbidden">
          {t('offboarding.forbidden')}
        </p>
      )}
    </div>
  );
}

/** A server time (UTC) as the page shows it, in the browser's time zone. */
function useWhen(): (value: string | null | undefined) => string {
  const format = useLocalDateTimeFormat();
  const { t } = useI18n();
  return (value) => {
    if (!value) return t('common.none');
    const date = parseUtc(value);
    return date ? format.format(date) : value;
  };
}

/** "12,3 kB" / "845 Byte": a file size in the UI's language. */
export function sizeText(bytes: number, locale: string): string {
  if (bytes < 1000) return new Intl.NumberFormat(locale, { style: 'unit', unit: 'byte' }).format(bytes);
  const mega = bytes >= 1_000_000;
  return new Intl.NumberFormat(locale, { style: 'unit', unit: mega ? 'megabyte' : 'kilobyte', maximumFractionDigits: 1 }).format(
    mega ? bytes / 1_000_000 : bytes / 1000,
  );
}

function OffboardingContent({ account }: { account: Account }) {
  const { t } = useI18n();
  const [round, reload] = useRound();
  const [load, setLoad] = useEditableLoad(
    `offboarding:${round}`,
    async (signal) => {
      const value = await getOffboarding(signal);
      applyOffboardingStatus(value);
      return value;
    },
    { keepWhileLoading: true },
  );
  const [started, setStarted] = useState<Message | null>(null);

  const onStarted = (value: OffboardingStatus) => {
    applyOffboardingStatus(value);
    setLoad(value);
    setStarted({ kind: 'ok', text: t('offboarding.started') });
  };

  return (
    <>
      <MessageLine message={started} testId="offboarding-started" />
      <StepsCard />
      {load.state === 'ok' ? (
        <>
          <StatusCard status={load.value} />
          {load.value.status === 'read_only' ? <ArchiveCard status={load.value} /> : null}
          {load.value.status === 'active' ? (
            <StartCard account={account} status={load.value} onStarted={onStarted} onStale={reload} />
          ) : null}
        </>
      ) : (
        <LoadStatus
          load={load}
          testId="offboarding-status"
          loading="offboarding.loading"
          forbidden="offboarding.forbidden"
          error="offboarding.error"
        />
      )}
    </>
  );
}

/** What happens, step by step. */
function StepsCard() {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="offboarding-steps-title">
      <h2 id="offboarding-steps-title">{t('offboarding.steps.title')}</h2>
      <ol className="offboarding-steps" data-testid="offboarding-steps">
        <li>{t('offboarding.steps.readOnly')}</li>
        <li>{t('offboarding.steps.archive', { days: ARCHIVE_WINDOW_DAYS })}</li>
        <li>{t('offboarding.steps.deletion')}</li>
        <li>{t('offboarding.steps.certificate')}</li>
      </ol>
    </section>
  );
}

function statusText(t: I18n['t'], when: (value: string | null | undefined) => string, status: OffboardingStatus): string {
  switch (status.status) {
    case 'active':
      return t('offboarding.status.active');
    case 'read_only':
      return t('offboarding.status.readOnly', { since: when(status.started_at), until: when(status.archive_until) });
    case 'offboarded':
      return t('offboarding.status.offboarded', { since: when(status.started_at), completed: when(status.completed_at) });
    default:
      return t('offboarding.status.other', { status: status.status });
  }
}

function StatusCard({ status }: { status: OffboardingStatus }) {
  const { t } = useI18n();
  const when = useWhen();
  const tone = status.status === 'active' ? 'badge--ok' : status.status === 'read_only' ? 'badge--warn' : 'badge--bad';
  const badge =
    status.status === 'active'
      ? t('offboarding.badge.active')
      : status.status === 'read_only'
        ? t('offboarding.badge.readOnly')
        : t('offboarding.badge.offboarded');
  return (
    <section className="card" aria-labelledby="offboarding-status-title">
      <h2 id="offboarding-status-title">{t('offboarding.status.title')}</h2>
      <p data-testid="offboarding-status" data-state="ok" data-status={status.status}>
        <span className={`badge ${tone}`} data-testid="offboarding-badge">
          {badge}
        </span>{' '}
        <span data-testid="offboarding-status-text">{statusText(t, when, status)}</span>
      </p>
      {status.started_at ? (
        <dl className="facts facts--grid">
          <div>
            <dt>{t('offboarding.status.startedAt')}</dt>
            <dd data-testid="offboarding-started-at">{when(status.started_at)}</dd>
          </div>
          <div>
            <dt>{t('offboarding.status.archiveUntil')}</dt>
            <dd data-testid="offboarding-archive-until">{when(status.archive_until)}</dd>
          </div>
          {status.completed_at ? (
            <div>
              <dt>{t('offboarding.status.completedAt')}</dt>
              <dd data-testid="offboarding-completed-at">{when(status.completed_at)}</dd>
            </div>
          ) : null}
        </dl>
      ) : null}
    </section>
  );
}

interface Downloaded {
  filename: string;
  bytes: number;
}

/** "Archiv herunterladen" during the window; then the file's name and size. */
function ArchiveCard({ status }: { status: OffboardingStatus }) {
  const { t, locale } = useI18n();
  const when = useWhen();
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Downloaded | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const onDownload = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const { blob, filename } = await downloadArchive();
      saveBlob(blob, filename);
      setDone({ filename, bytes: blob.size });
    } catch (err) {
      handleAuthError(err);
      let text: string;
      if (err instanceof ApiError && err.status === 403) text = t('offboarding.forbidden');
      else if (err instanceof ApiError) text = withDetail(t, t('offboarding.archive.error'), err);
      else text = t('login.error.unreachable');
      setMessage({ kind: 'error', text });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="offboarding-archive-title" data-testid="offboarding-archive">
      <h2 id="offboarding-archive-title">{t('offboarding.archive.title')}</h2>
      <p>{t('offboarding.archive.text', { until: when(status.archive_until) })}</p>
      <div className="form__actions">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void onDownload()} data-testid="offboarding-download">
          {busy ? t('offboarding.archive.downloading') : t('offboarding.archive.download')}
        </button>
      </div>
      {done ? (
        <p className="alert alert--ok" role="status" data-testid="offboarding-download-result" data-filename={done.filename} data-bytes={done.bytes}>
          {t('offboarding.archive.done', { file: done.filename, size: sizeText(done.bytes, locale) })}
        </p>
      ) : null}
      <MessageLine message={message} testId="offboarding-download-message" />
    </section>
  );
}

/**
 * The start: the slug typed again (a wrong one is refused next to the field and
 * stays there), then a dialog that says it cannot be undone.
 */
function StartCard({
  account,
  status,
  onStarted,
  onStale,
}: {
  account: Account;
  status: OffboardingStatus;
  onStarted: (status: OffboardingStatus) => void;
  onStale: () => void;
}) {
  const { t } = useI18n();
  const [slug, setSlug] = useState('');
  const [slugError, setSlugError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [starting, setStarting] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const baseId = useId();
  const expected = status.tenant_slug;
  const tenantName = account.tenant?.name ?? expected;

  const refuseSlug = () => {
    setSlugError(t('offboarding.start.wrongSlug', { slug: expected }));
    setMessage({ kind: 'error', text: t('form.fixErrors') });
    inputRef.current?.focus();
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (starting) return;
    setMessage(null);
    if (slug.trim() !== expected) {
      refuseSlug();
      return;
    }
    setSlugError(null);
    setConfirming(true);
  };

  const onConfirm = async () => {
    if (starting) return;
    setStarting(true);
    try {
      const started = await startOffboarding(slug.trim());
      setConfirming(false);
      onStarted(started);
    } catch (err) {
      handleAuthError(err);
      setConfirming(false);
      if (fieldIssues(err).some((issue) => issue.field === 'confirm_slug')) {
        refuseSlug();
      } else if (err instanceof ApiError && err.status === 403) {
        setMessage({ kind: 'error', text: t('offboarding.error.notPrimary') });
      } else if (err instanceof ApiError && err.status === 409 && err.code !== 'tenant_read_only') {
        setMessage({ kind: 'error', text: withDetail(t, t('offboarding.error.alreadyStarted'), err) });
        onStale();
      } else if (err instanceof ApiError) {
        setMessage({ kind: 'error', text: withDetail(t, t('offboarding.error.start'), err) });
      } else {
        setMessage({ kind: 'error', text: t('login.error.unreachable') });
      }
    } finally {
      setStarting(false);
    }
  };

  return (
    <section className="card" aria-labelledby="offboarding-start-title" data-testid="offboarding-start">
      <h2 id="offboarding-start-title">{t('offboarding.start.title')}</h2>
      <p>{t('offboarding.start.text', { name: tenantName })}</p>
      <form className="form" onSubmit={onSubmit} noValidate data-testid="offboarding-form">
        <FormField
          id={`${baseId}-slug`}
          ref={inputRef}
          label={t('offboarding.start.slug', { slug: expected })}
          hint={{ id: `${baseId}-slug-hint`, text: t('offboarding.start.slugHint') }}
          error={slugError ? { id: `${baseId}-slug-error`, text: slugError, testId: 'offboarding-slug-error' } : undefined}
          type="text"
          autoComplete="off"
          spellCheck={false}
          maxLength={64}
          value={slug}
          onChange={(e) => {
            setSlug(e.target.value);
            if (slugError) setSlugError(null);
          }}
          data-testid="offboarding-slug"
        />
        <MessageLine message={message} testId="offboarding-message" />
        <div className="form__actions">
          <button type="submit" className="button button--danger" disabled={starting} data-testid="offboarding-start-submit">
            {t('offboarding.start.submit')}
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title={t('offboarding.dialog.title')}
        text={t('offboarding.dialog.text', { name: tenantName, days: ARCHIVE_WINDOW_DAYS })}
        confirmLabel={starting ? t('offboarding.dialog.starting') : t('offboarding.dialog.confirm')}
        cancelLabel={t('offboarding.dialog.cancel')}
        busy={starting}
        onConfirm={() => void onConfirm()}
        onCancel={() => setConfirming(false)}
        testId="offboarding-dialog"
      />
    </section>
  );
}
