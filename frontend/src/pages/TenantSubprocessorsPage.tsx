import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { objectToChange, tenantRegister, type TenantChange, type TenantRegister } from '../api/subprocessors';
import { can, handleAuthError, type Account } from '../auth';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { useI18n } from '../i18n';
import { useEditableLoad } from '../load';
import { fieldIssues, withDetail } from '../problems';
import { useWhen } from './incidentParts';
import { ChangeSummary, RegisterTable } from './subprocessorParts';

/**
 * "Unterauftragsverarbeiter" (`#/subprocessors`, TOM SUB-1, TRANS-5; tenant and partner
 * admins): the platform's sub-processors in force, the changes announced with their
 * effective date and objection deadline, and an objection with a reason before it.
 */
export function TenantSubprocessorsPage() {
  return <RequireAuth>{(account) => <TenantSubprocessorsScreen account={account} />}</RequireAuth>;
}

function TenantSubprocessorsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [load, setLoad] = useEditableLoad<TenantRegister>('tenant-subprocessors', tenantRegister);
  return (
    <div className="stack">
      <section aria-labelledby="tenant-subprocessors-title">
        <h1 id="tenant-subprocessors-title">{t('tenantSubprocessors.title')}</h1>
        {load.state === 'ok' ? <p className="muted">{t('tenantSubprocessors.intro', { days: load.value.notice_days })}</p> : null}
      </section>
      {!can(account, 'subprocessors.read') ? (
        <p className="alert alert--error" role="alert" data-testid="tenant-subprocessors-forbidden">
          {t('tenantSubprocessors.forbidden')}
        </p>
      ) : load.state === 'ok' ? (
        <>
          <section className="card" aria-labelledby="tenant-subprocessors-current">
            <h2 id="tenant-subprocessors-current">{t('tenantSubprocessors.current')}</h2>
            {load.value.entries.length === 0 ? (
              <p className="muted" data-testid="tenant-subprocessors-empty">
                {t('subprocessors.register.empty')}
              </p>
            ) : (
              <RegisterTable entries={load.value.entries} testId="tenant-subprocessors-register" />
            )}
          </section>
          <section className="stack" aria-labelledby="tenant-subprocessors-changes">
            <h2 id="tenant-subprocessors-changes">{t('tenantSubprocessors.changes')}</h2>
            {load.value.changes.length === 0 ? (
              <p className="muted">{t('tenantSubprocessors.noChanges')}</p>
            ) : (
              load.value.changes.map((c) => (
                <ChangeCard key={c.change.id} item={c} canObject={can(account, 'subprocessors.object')} onChange={setLoad} />
              ))
            )}
          </section>
        </>
      ) : (
        <LoadStatus
          load={load}
          testId="tenant-subprocessors-load"
          loading="subprocessors.loading"
          forbidden="tenantSubprocessors.forbidden"
          error="subprocessors.error"
        />
      )}
    </div>
  );
}

function ChangeCard({ item, canObject, onChange }: { item: TenantChange; canObject: boolean; onChange: (value: TenantRegister) => void }) {
  const { t } = useI18n();
  const when = useWhen();
  const baseId = useId();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      onChange(await objectToChange(item.change.id, reason));
    } catch (err) {
      handleAuthError(err);
      const issue = fieldIssues(err).find((i) => i.field === 'reason');
      if (issue) setError(issue.message ?? t('form.invalid'));
      setMessage({ kind: 'error', text: err instanceof ApiError ? withDetail(t, t('tenantSubprocessors.objectError'), err) : t('login.error.unreachable') });
    } finally {
      setBusy(false);
    }
  };
  return (
    <section
      className="card"
      data-testid="tenant-subprocessor-change"
      data-pending={item.change.pending ? 'true' : 'false'}
      data-objected={item.objection ? 'true' : 'false'}
    >
      <ChangeSummary change={item.change} />
      {item.objection ? (
        <p className="alert alert--ok prewrap" role="status" data-testid="tenant-subprocessor-objected">
          {t('tenantSubprocessors.objected', { at: when(item.objection.objected_at), reason: item.objection.reason })}
        </p>
      ) : item.can_object && canObject ? (
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="tenant-subprocessor-object-form">
          <TextAreaField
            id={`${baseId}-reason`}
            label={t('tenantSubprocessors.reason')}
            hint={{ id: `${baseId}-reason-hint`, text: t('tenantSubprocessors.reasonHint') }}
            error={error ? { id: `${baseId}-reason-error`, text: error, testId: 'tenant-subprocessor-reason-error' } : undefined}
            rows={3}
            maxLength={2000}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            data-testid="tenant-subprocessor-reason"
          />
          <MessageLine message={message} testId="tenant-subprocessor-message" />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy || reason.trim().length === 0} data-testid="tenant-subprocessor-object">
              {t('tenantSubprocessors.object')}
            </button>
          </div>
        </form>
      ) : !item.change.pending ? (
        <p className="muted">{t('tenantSubprocessors.closed')}</p>
      ) : null}
    </section>
  );
}
