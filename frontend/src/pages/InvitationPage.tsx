import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../api/client';
import { acceptInvitation, previewInvitation, type InvitationPreview } from '../api/invitations';
import { publicProviders, startInvitationSignIn, type PublicProvider } from '../api/sso';
import { FormField, type FieldError } from '../components/FormField';
import { isMessageKey, useI18n } from '../i18n';
import { href, navigate, useHashLocation } from '../router';

/** Shortest password the server accepts. */
const MIN_PASSWORD_LENGTH = 12;

type PreviewState =
  | { state: 'loading' }
  | { state: 'ok'; preview: InvitationPreview }
  | { state: 'missing' }
  | { state: 'invalid' }
  | { state: 'error' };

/**
 * `#/invitation?token=…` from the invitation mail. The token is taken out of
 * the address bar at once (replaced by `#/invitation`, no history entry) and
 * kept in this page's memory only; the page shows what the invitation is for
 * and sets the new account's password (or asks for the existing account's).
 */
export function InvitationPage() {
  const { query } = useHashLocation();
  // Read once: the address bar loses the token right after the first render.
  const [token] = useState<string | null>(() => query.get('token'));

  const hasToken = query.has('token');
  useEffect(() => {
    if (hasToken) navigate('/invitation', { replace: true });
  }, [hasToken]);

  return <InvitationView token={token} />;
}

function InvitationView({ token }: { token: string | null }) {
  const { t } = useI18n();
  const [load, setLoad] = useState<PreviewState>(token ? { state: 'loading' } : { state: 'missing' });
  const [accepted, setAccepted] = useState<string | null>(null);

  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    previewInvitation(token, controller.signal).then(
      (preview) => setLoad({ state: 'ok', preview }),
      (err: unknown) => {
        if (isAbort(err)) return;
        setLoad(err instanceof ApiError && err.status === 404 ? { state: 'invalid' } : { state: 'error' });
      },
    );
    return () => controller.abort();
  }, [token]);

  let body;
  if (accepted !== null) {
    body = (
      <div data-testid="invitation-done">
        <p className="alert alert--ok" role="status">
          {t('invitation.done', { email: accepted })}
        </p>
        <p>
          <a className="button button--primary" href={href('/login')} data-testid="invitation-login">
            {t('invitation.toLogin')}
          </a>
        </p>
      </div>
    );
  } else if (load.state === 'loading') {
    body = (
      <p className="muted" role="status" data-testid="invitation-status" data-state="loading">
        {t('invitation.loading')}
      </p>
    );
  } else if (load.state === 'missing' || load.state === 'invalid') {
    body = (
      <p className="alert alert--error" role="alert" data-testid="invitation-invalid">
        {load.state === 'missing' ? t('invitation.missing') : t('invitation.invalid')}
      </p>
    );
  } else if (load.state === 'error') {
    body = (
      <p className="alert alert--error" role="alert" data-testid="invitation-status" data-state="error">
        {t('invitation.error')}
      </p>
    );
  } else if (token) {
    body = (
      <AcceptForm
        token={token}
        preview={load.preview}
        onAccepted={setAccepted}
        onInvalid={() => setLoad({ state: 'invalid' })}
      />
    );
  }

  return (
    <section className="card card--narrow" aria-labelledby="invitation-title">
      <h1 id="invitation-title">{t('invitation.title')}</h1>
      {body}
    </section>
  );
}

function AcceptForm({
  token,
  preview,
  onAccepted,
  onInvalid,
}: {
  token: string;
  preview: InvitationPreview;
  onAccepted: (email: string) => void;
  onInvalid: () => void;
}) {
  const { t } = useI18n();
  // The passwords live in this component's state only and are emptied after every submit.
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [saving, setSaving] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; repeat?: string }>({});
  const [message, setMessage] = useState<string | null>(null);
  const passwordId = useId();
  const repeatId = useId();
  const hintId = useId();
  const existing = preview.account_exists;
  const roleKey = `role.${preview.role}`;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const value = password;
    const again = repeat;
    setPassword('');
    setRepeat('');
    if (!existing && value.length < MIN_PASSWORD_LENGTH) {
      setFieldErrors({ password: t('myAccount.password.error.tooShort') });
      return;
    }
    if (!existing && value !== again) {
      setFieldErrors({ repeat: t('invitation.error.mismatch') });
      return;
    }
    if (!value) {
      setFieldErrors({ password: t('invitation.error.passwordMissing') });
      return;
    }
    setFieldErrors({});
    setSaving(true);
    try {
      const result = await acceptInvitation(token, value);
      onAccepted(result.email);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'weak_password') {
        const detail = err.problem?.detail;
        setFieldErrors({
          password: detail
            ? `${t('invitation.error.weak')} ${t('common.serverSays', { detail })}`
            : t('invitation.error.weak'),
        });
      } else if (err instanceof ApiError && (err.code === 'invalid_credentials' || err.status === 401)) {
        setFieldErrors({ password: t('invitation.error.wrongPassword') });
      } else if (err instanceof ApiError && (err.code === 'invitation_invalid' || err.status === 404)) {
        onInvalid();
      } else if (err instanceof ApiError && err.status === 429) {
        setMessage(
          err.retryAfter === null ? t('login.error.rateLimitedLater') : t('login.error.rateLimited', { seconds: err.retryAfter }),
        );
      } else if (err instanceof ApiError) {
        const detail = err.problem?.detail;
        setMessage(detail ? `${t('invitation.error.accept')} ${t('common.serverSays', { detail })}` : t('invitation.error.accept'));
      } else {
        setMessage(t('login.error.unreachable'));
      }
    } finally {
      setSaving(false);
    }
  };

  const errorOf = (field: 'password' | 'repeat'): FieldError | undefined =>
    fieldErrors[field]
      ? { id: `invitation-${field}-error`, text: fieldErrors[field], testId: `invitation-${field}-error` }
      : undefined;

  return (
    <>
      <dl className="facts" data-testid="invitation-preview">
        <div>
          <dt>{t('invitation.tenant')}</dt>
          <dd data-testid="invitation-tenant">{preview.tenant_name}</dd>
        </div>
        <div>
          <dt>{t('invitation.email')}</dt>
          <dd className="mono" data-testid="invitation-email">
            {preview.email}
          </dd>
        </div>
        <div>
          <dt>{t('invitation.role')}</dt>
          <dd data-testid="invitation-role" data-role={preview.role}>
            {isMessageKey(roleKey) ? t(roleKey) : preview.role}
          </dd>
        </div>
      </dl>
      <p className="muted">{existing ? t('invitation.existingIntro') : t('invitation.newIntro')}</p>
      {existing ? null : <ProviderChoice token={token} tenant={preview.tenant_slug} />}
      {message ? (
        <p className="alert alert--error" role="alert" data-testid="invitation-error">
          {message}
        </p>
      ) : null}
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
        {/* For password managers: the account the password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={preview.email} readOnly hidden />
        <FormField
          id={passwordId}
          label={existing ? t('invitation.currentPassword') : t('invitation.password')}
          hint={existing ? undefined : { id: hintId, text: t('invitation.passwordHint') }}
          error={errorOf('password')}
          type="password"
          required
          minLength={existing ? undefined : MIN_PASSWORD_LENGTH}
          autoComplete={existing ? 'current-password' : 'new-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          data-testid="invitation-password"
        />
        {existing ? null : (
          <FormField
            id={repeatId}
            label={t('invitation.repeat')}
            error={errorOf('repeat')}
            type="password"
            required
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            data-testid="invitation-repeat"
          />
        )}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="invitation-submit">
            {saving ? t('invitation.submitting') : existing ? t('invitation.submitExisting') : t('invitation.submit')}
          </button>
        </div>
      </form>
    </>
  );
}

/**
 * The tenant's OpenID providers: an invited person without an account may accept by
 * signing in at one; the provider's identity is linked to the new account (TOM ACC-7).
 */
function ProviderChoice({ token, tenant }: { token: string; tenant: string }) {
  const { t } = useI18n();
  const [providers, setProviders] = useState<PublicProvider[]>([]);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    publicProviders(tenant, controller.signal).then(
      (answer) => setProviders(answer.providers.filter((p) => p.kind === 'oidc')),
      () => setProviders([]),
    );
    return () => controller.abort();
  }, [tenant]);

  if (providers.length === 0) return null;
  const begin = async (provider: string) => {
    if (busy) return;
    setBusy(true);
    setFailed(false);
    try {
      window.location.assign(await startInvitationSignIn(tenant, provider, token));
    } catch {
      setFailed(true);
      setBusy(false);
    }
  };
  return (
    <div className="form__actions" data-testid="invitation-providers">
      <p className="muted">{t('invitation.withProvider')}</p>
      {providers.map((p) => (
        <button
          key={p.id}
          type="button"
          className="button"
          disabled={busy}
          onClick={() => void begin(p.id)}
          data-testid="invitation-provider"
        >
          {p.name}
        </button>
      ))}
      {failed ? (
        <p className="alert alert--error" role="alert">
          {t('invitation.providerFailed')}
        </p>
      ) : null}
    </div>
  );
}
