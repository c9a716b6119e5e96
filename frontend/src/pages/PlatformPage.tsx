import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import {
  createTenant,
  downloadCertificate,
  listTenants,
  platformStatus,
  startTenantOffboarding,
  type PlatformStatus,
  type PlatformTenant,
} from '../api/platform';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { useLocalDateTimeFormat } from '../components/EventTimes';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { saveBlob } from '../download';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';
import { useKeyedLoad, useRound } from '../load';
import { Link } from '../router';
import { fieldIssues, withDetail } from '../problems';

/**
 * The platform console (`#/platform`, issue 20; platform admins after their second
 * factor): the platform's state, every tenant with its status and counts only (no
 * personal data, TOM AUTHZ-3), a new tenant with its first primary admin (an invitation
 * mail), offboarding with the slug typed again, and the deletion certificate. The
 * platform's audit chain is the audit page of a session outside any tenant.
 */
export function PlatformPage() {
  return <RequireAuth>{(account) => <PlatformScreen account={account} />}</RequireAuth>;
}

function PlatformScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [round, reload] = useRound();
  return (
    <div className="stack">
      <section aria-labelledby="platform-title">
        <h1 id="platform-title">{t('platform.title')}</h1>
        <p className="muted">{t('platform.intro')}</p>
      </section>
      {can(account, 'platform.tenants') ? (
        <>
          <StatusCard round={round} />
          <TenantsCard round={round} onChanged={reload} />
          <CreateCard onCreated={reload} />
          {can(account, 'platform.toms') ? (
            <section className="card" aria-labelledby="platform-toms-title">
              <h2 id="platform-toms-title">{t('platform.toms.title')}</h2>
              <p>{t('platform.toms.text')}</p>
              <Link to="/platform/toms" className="button" data-testid="platform-toms-link">
                {t('platform.toms.open')}
              </Link>
            </section>
          ) : null}
          {can(account, 'audit.read') && !account.tenant ? (
            <section className="card" aria-labelledby="platform-audit-title">
              <h2 id="platform-audit-title">{t('platform.audit.title')}</h2>
              <p>{t('platform.audit.text')}</p>
              <Link to="/audit" className="button" data-testid="platform-audit-link">
                {t('platform.audit.open')}
              </Link>
            </section>
          ) : null}
        </>
      ) : (
        <p className="alert alert--error" role="alert" data-testid="platform-forbidden">
          {t('platform.forbidden')}
        </p>
      )}
    </div>
  );
}

function useWhen(): (value: string | null | undefined) => string {
  const format = useLocalDateTimeFormat();
  const { t } = useI18n();
  return (value) => {
    if (!value) return t('common.none');
    const date = parseUtc(value);
    return date ? format.format(date) : value;
  };
}

function StatusCard({ round }: { round: number }) {
  const { t } = useI18n();
  const when = useWhen();
  const load = useKeyedLoad<PlatformStatus>(`platform-status:${round}`, platformStatus, { keepWhileLoading: true });
  return (
    <section className="card" aria-labelledby="platform-status-title" data-testid="platform-status">
      <h2 id="platform-status-title">{t('platform.status.title')}</h2>
      {load.state === 'ok' ? (
        <>
          <dl className="facts facts--grid">
            <div>
              <dt>{t('platform.status.version')}</dt>
              <dd data-testid="platform-version">{load.value.version}</dd>
            </div>
            <div>
              <dt>{t('platform.status.database')}</dt>
              <dd data-testid="platform-database">
                {load.value.database} · {load.value.database_reachable ? t('platform.status.reachable') : t('platform.status.unreachable')}
              </dd>
            </div>
            <div>
              <dt>{t('platform.status.environment')}</dt>
              <dd>{load.value.environment}</dd>
            </div>
            <div>
              <dt>{t('platform.status.tenants')}</dt>
              <dd data-testid="platform-tenant-counts">
                {t('platform.status.tenantCounts', {
                  active: load.value.tenants_active,
                  readOnly: load.value.tenants_read_only,
                  offboarded: load.value.tenants_offboarded,
                })}
              </dd>
            </div>
            <div>
              <dt>{t('platform.status.devicesOverdue')}</dt>
              <dd data-testid="platform-devices-overdue">{load.value.devices_overdue}</dd>
            </div>
            <div>
              <dt>{t('platform.status.outbox')}</dt>
              <dd data-testid="platform-outbox">
                {load.value.outbox.length === 0
                  ? t('common.none')
                  : load.value.outbox.map((o) => `${o.status}: ${o.count}`).join(', ')}
                {load.value.outbox_oldest_queued_at
                  ? ` · ${t('platform.status.oldestQueued', { at: when(load.value.outbox_oldest_queued_at) })}`
                  : ''}
              </dd>
            </div>
            <div>
              <dt>{t('platform.status.backup')}</dt>
              <dd>
                {when(load.value.last_backup_at)}
                {load.value.last_backup_verification_ok === null || load.value.last_backup_verification_ok === undefined
                  ? ''
                  : ` · ${load.value.last_backup_verification_ok ? t('platform.status.verified') : t('platform.status.verifyFailed')} ${when(load.value.last_backup_verification_at)}`}
              </dd>
            </div>
            <div>
              <dt>{t('platform.status.audit')}</dt>
              <dd>
                {load.value.audit_verified_at
                  ? t('platform.status.auditChecked', { at: when(load.value.audit_verified_at), broken: load.value.audit_chains_broken ?? 0 })
                  : t('common.none')}
              </dd>
            </div>
          </dl>
          <div className="table-scroll">
            <table className="table" data-testid="platform-jobs">
              <thead>
                <tr>
                  <th scope="col">{t('platform.jobs.name')}</th>
                  <th scope="col">{t('platform.jobs.success')}</th>
                  <th scope="col">{t('platform.jobs.failure')}</th>
                  <th scope="col" className="num">
                    {t('platform.jobs.runs')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.jobs.map((job) => (
                  <tr key={job.name} data-job={job.name}>
                    <td>{job.name}</td>
                    <td>{when(job.last_success_at)}</td>
                    <td>{when(job.last_failure_at)}</td>
                    <td className="num">{job.runs}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <LoadStatus load={load} testId="platform-status-load" loading="platform.loading" forbidden="platform.forbidden" error="platform.error" />
      )}
    </section>
  );
}

function TenantsCard({ round, onChanged }: { round: number; onChanged: () => void }) {
  const { t } = useI18n();
  const when = useWhen();
  const load = useKeyedLoad<PlatformTenant[]>(`platform-tenants:${round}`, listTenants, { keepWhileLoading: true });
  const [ending, setEnding] = useState<PlatformTenant | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const onCertificate = async (tenant: PlatformTenant) => {
    setMessage(null);
    try {
      const { blob, filename } = await downloadCertificate(tenant.id);
      saveBlob(blob, filename);
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: withDetail(t, t('platform.certificate.error'), err) });
    }
  };

  const badge = (status: PlatformTenant['status']) =>
    status === 'active' ? (
      <span className="badge badge--ok">{t('offboarding.badge.active')}</span>
    ) : status === 'read_only' ? (
      <span className="badge badge--warn">{t('offboarding.badge.readOnly')}</span>
    ) : (
      <span className="badge badge--bad">{t('offboarding.badge.offboarded')}</span>
    );

  return (
    <section className="card" aria-labelledby="platform-tenants-title">
      <h2 id="platform-tenants-title">{t('platform.tenants.title')}</h2>
      <p className="muted">{t('platform.tenants.countsOnly')}</p>
      <MessageLine message={message} testId="platform-tenants-message" />
      {load.state === 'ok' ? (
        <div className="table-scroll">
          <table className="table" data-testid="platform-tenants">
            <thead>
              <tr>
                <th scope="col">{t('platform.tenants.slug')}</th>
                <th scope="col">{t('platform.tenants.name')}</th>
                <th scope="col">{t('platform.tenants.status')}</th>
                <th scope="col" className="num">
                  {t('platform.tenants.members')}
                </th>
                <th scope="col" className="num">
                  {t('platform.tenants.admins')}
                </th>
                <th scope="col" className="num">
                  {t('platform.tenants.invitations')}
                </th>
                <th scope="col">{t('platform.tenants.created')}</th>
                <th scope="col">{t('platform.tenants.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {load.value.map((tenant) => (
                <tr key={tenant.id} data-testid="platform-tenant" data-slug={tenant.slug} data-status={tenant.status}>
                  <td>{tenant.slug}</td>
                  <td>{tenant.name}</td>
                  <td>
                    {badge(tenant.status)}
                    {tenant.archive_until && tenant.status === 'read_only' ? (
                      <span className="muted"> {t('platform.tenants.archiveUntil', { until: when(tenant.archive_until) })}</span>
                    ) : null}
                  </td>
                  <td className="num" data-testid="platform-tenant-members">
                    {tenant.members}
                  </td>
                  <td className="num" data-testid="platform-tenant-admins">
                    {tenant.admins}
                  </td>
                  <td className="num">{tenant.open_invitations}</td>
                  <td>{when(tenant.created_at)}</td>
                  <td>
                    {tenant.status === 'active' ? (
                      <button type="button" className="button button--danger" onClick={() => setEnding(tenant)} data-testid="platform-offboard">
                        {t('platform.offboard.open')}
                      </button>
                    ) : null}
                    {tenant.certificate_available ? (
                      <button type="button" className="button" onClick={() => void onCertificate(tenant)} data-testid="platform-certificate">
                        {t('platform.certificate.download')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <LoadStatus load={load} testId="platform-tenants-load" loading="platform.loading" forbidden="platform.forbidden" error="platform.error" />
      )}
      {ending ? (
        <OffboardForm
          key={ending.id}
          tenant={ending}
          onDone={() => {
            setEnding(null);
            setMessage({ kind: 'ok', text: t('platform.offboard.started', { slug: ending.slug }) });
            onChanged();
          }}
          onCancel={() => setEnding(null)}
        />
      ) : null}
    </section>
  );
}

/** Offboarding a tenant: its slug typed again, then a dialog that says it cannot be undone. */
function OffboardForm({ tenant, onDone, onCancel }: { tenant: PlatformTenant; onDone: () => void; onCancel: () => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const [slug, setSlug] = useState('');
  const [slugError, setSlugError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (slug.trim() !== tenant.slug) {
      setSlugError(t('offboarding.start.wrongSlug', { slug: tenant.slug }));
      return;
    }
    setSlugError(null);
    setConfirming(true);
  };

  const onConfirm = async () => {
    if (busy) return;
    setBusy(true);
    try {
      await startTenantOffboarding(tenant.id, slug.trim());
      setConfirming(false);
      onDone();
    } catch (err) {
      handleAuthError(err);
      setConfirming(false);
      if (fieldIssues(err).some((issue) => issue.field === 'confirm_slug')) {
        setSlugError(t('offboarding.start.wrongSlug', { slug: tenant.slug }));
      } else {
        setMessage({ kind: 'error', text: withDetail(t, t('offboarding.error.start'), err) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form" onSubmit={onSubmit} noValidate data-testid="platform-offboard-form">
      <h3>{t('platform.offboard.title', { slug: tenant.slug })}</h3>
      <FormField
        id={`${baseId}-slug`}
        label={t('offboarding.start.slug', { slug: tenant.slug })}
        error={slugError ? { id: `${baseId}-slug-error`, text: slugError, testId: 'platform-offboard-slug-error' } : undefined}
        type="text"
        autoComplete="off"
        spellCheck={false}
        maxLength={64}
        value={slug}
        onChange={(e) => setSlug(e.target.value)}
        data-testid="platform-offboard-slug"
      />
      <MessageLine message={message} testId="platform-offboard-message" />
      <div className="form__actions">
        <button type="submit" className="button button--danger" disabled={busy} data-testid="platform-offboard-submit">
          {t('offboarding.start.submit')}
        </button>
        <button type="button" className="button" onClick={onCancel}>
          {t('offboarding.dialog.cancel')}
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title={t('offboarding.dialog.title')}
        text={t('platform.offboard.dialog', { name: tenant.name })}
        confirmLabel={busy ? t('offboarding.dialog.starting') : t('offboarding.dialog.confirm')}
        cancelLabel={t('offboarding.dialog.cancel')}
        busy={busy}
        onConfirm={() => void onConfirm()}
        onCancel={() => setConfirming(false)}
        testId="platform-offboard-dialog"
      />
    </form>
  );
}

/** A new tenant and the invitation of its first primary admin. */
function CreateCard({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const [slug, setSlug] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [language, setLanguage] = useState<'de' | 'en'>('de');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setMessage(null);
    setErrors({});
    try {
      const created = await createTenant({ slug: slug.trim(), name: name.trim(), admin_email: email.trim(), language });
      setMessage({ kind: 'ok', text: t('platform.create.done', { slug: created.slug }) });
      setSlug('');
      setName('');
      setEmail('');
      onCreated();
    } catch (err) {
      handleAuthError(err);
      const issues = fieldIssues(err);
      if (issues.length > 0) {
        setErrors(Object.fromEntries(issues.map((issue) => [issue.field, issue.message ?? t('form.invalid')])));
        setMessage({ kind: 'error', text: t('form.fixErrors') });
      } else if (err instanceof ApiError && err.status === 409) {
        setErrors({ slug: t('platform.create.slugTaken') });
        setMessage({ kind: 'error', text: t('form.fixErrors') });
      } else {
        setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('platform.create.error'), err) : t('login.error.unreachable') });
      }
    } finally {
      setBusy(false);
    }
  };

  const error = (field: string) =>
    errors[field] ? { id: `${baseId}-${field}-error`, text: errors[field], testId: `platform-create-${field}-error` } : undefined;

  return (
    <section className="card" aria-labelledby="platform-create-title">
      <h2 id="platform-create-title">{t('platform.create.title')}</h2>
      <p className="muted">{t('platform.create.text')}</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="platform-create">
        <FormField
          id={`${baseId}-slug`}
          label={t('platform.create.slug')}
          hint={{ id: `${baseId}-slug-hint`, text: t('platform.create.slugHint') }}
          error={error('slug')}
          type="text"
          autoComplete="off"
          spellCheck={false}
          maxLength={40}
          required
          value={slug}
          onChange={(e) => setSlug(e.target.value)}
          data-testid="platform-create-slug"
        />
        <FormField
          id={`${baseId}-name`}
          label={t('platform.create.name')}
          error={error('name')}
          type="text"
          maxLength={200}
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="platform-create-name"
        />
        <FormField
          id={`${baseId}-email`}
          label={t('platform.create.email')}
          error={error('admin_email')}
          type="email"
          autoComplete="off"
          maxLength={254}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="platform-create-email"
        />
        <div className="field">
          <label htmlFor={`${baseId}-language`}>{t('platform.create.language')}</label>
          <select
            id={`${baseId}-language`}
            value={language}
            onChange={(e) => setLanguage(e.target.value === 'en' ? 'en' : 'de')}
            data-testid="platform-create-language"
          >
            <option value="de">Deutsch</option>
            <option value="en">English</option>
          </select>
        </div>
        <MessageLine message={message} testId="platform-create-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy} data-testid="platform-create-submit">
            {t('platform.create.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
