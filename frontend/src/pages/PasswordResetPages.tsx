import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { completePasswordReset, requestPasswordReset } from '../api/passwordReset';
import { FormField, type FieldError } from '../components/FormField';
import { useI18n } from '../i18n';
import { href, navigate, useHashLocation } from '../router';

/** Shortest password the server accepts. */
const MIN_PASSWORD_LENGTH = 12;

function rateLimitText(t: ReturnType<typeof useI18n>['t'], err: ApiError): string {
  return err.retryAfter === null ? t('login.error.rateLimitedLater') : t('login.error.rateLimited', { seconds: err.retryAfter });
}

/**
 * `#/forgot-password`: asks for a reset link. The answer is the same whether an account
 * has the address or not, so the page says "if an account belongs to it".
 */
export function ForgotPasswordPage() {
  const { t, language } = useI18n();
  const [email, setEmail] = useState('');
  const [sending, setSending] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const emailId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (sending) return;
    setSending(true);
    setError(null);
    try {
      await requestPasswordReset(email.trim(), language);
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(rateLimitText(t, err));
      else if (err instanceof ApiError && err.status === 422) setError(t('form.invalid'));
      else setError(t('reset.error.generic'));
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="card card--narrow" aria-labelledby="forgot-title">
      <h1 id="forgot-title">{t('reset.request.title')}</h1>
      {sent ? (
        <p className="alert alert--ok" role="status" data-testid="forgot-sent">
          {t('reset.request.sent')}
        </p>
      ) : (
        <>
          <p className="muted">{t('reset.request.intro')}</p>
          {error ? (
            <p className="alert alert--error" role="alert" data-testid="forgot-error">
              {error}
            </p>
          ) : null}
          <form className="form" onSubmit={(e) => void onSubmit(e)}>
            <FormField
              id={emailId}
              label={t('reset.request.email')}
              type="email"
              autoComplete="username"
              inputMode="email"
              spellCheck={false}
              required
              maxLength={254}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              data-testid="forgot-email"
            />
            <div className="form__actions">
              <button type="submit" className="button button--primary" disabled={sending} data-testid="forgot-submit">
                {sending ? t('reset.request.sending') : t('reset.request.submit')}
              </button>
            </div>
          </form>
        </>
      )}
      <p>
        <a href={href('/login')} data-testid="forgot-back">
          {t('reset.request.backToLogin')}
        </a>
      </p>
    </section>
  );
}

/**
 * `#/reset-password?token=…` from the reset mail. The token leaves the address bar at
 * once (replaced by `#/reset-password`, no history entry) and lives in this page's
 * memory only; it is sent in a POST body, never in a request URL.
 */
export function ResetPasswordPage() {
  const { query } = useHashLocation();
  // Taken on the first render (and from a link opened again in this tab): the address
  // bar loses the token right after.
  const incoming = query.get('token');
  const [token, setToken] = useState<string | null>(incoming);
  // Each arrival of a link starts the form afresh (the same link again too).
  const [arrivals, setArrivals] = useState(0);
  useEffect(() => {
    if (incoming === null) return;
    setToken(incoming);
    setArrivals((n) => n + 1);
    navigate('/reset-password', { replace: true });
  }, [incoming]);
  return <ResetPasswordForm key={arrivals} token={token} />;
}

function ResetPasswordForm({ token }: { token: string | null }) {
  const { t, language } = useI18n();
  // The passwords live in this component's state only and are emptied after every submit.
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [saving, setSaving] = useState(false);
  const [done, setDone] = useState(false);
  const [invalid, setInvalid] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<{ password?: string; repeat?: string }>({});
  const [message, setMessage] = useState<string | null>(null);
  const passwordId = useId();
  const repeatId = useId();
  const hintId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving || !token) return;
    setMessage(null);
    const value = password;
    const again = repeat;
    setPassword('');
    setRepeat('');
    if (value.length < MIN_PASSWORD_LENGTH) {
      setFieldErrors({ password: t('reset.set.tooShort') });
      return;
    }
    if (value !== again) {
      setFieldErrors({ repeat: t('reset.set.mismatch') });
      return;
    }
    setFieldErrors({});
    setSaving(true);
    try {
      await completePasswordReset(token, value, language);
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'weak_password') {
        const detail = err.problem?.detail;
        setFieldErrors({
          password: detail ? `${t('invitation.error.weak')} ${t('common.serverSays', { detail })}` : t('invitation.error.weak'),
        });
      } else if (err instanceof ApiError && err.status === 404) {
        setInvalid(true);
      } else if (err instanceof ApiError && err.status === 429) {
        setMessage(rateLimitText(t, err));
      } else {
        setMessage(t('reset.error.generic'));
      }
    } finally {
      setSaving(false);
    }
  };

  const errorOf = (field: 'password' | 'repeat'): FieldError | undefined =>
    fieldErrors[field] ? { id: `reset-${field}-error`, text: fieldErrors[field], testId: `reset-${field}-error` } : undefined;

  let body;
  if (done) {
    body = (
      <div data-testid="reset-done">
        <p className="alert alert--ok" role="status">
          {t('reset.set.done')}
        </p>
        <p>
          <a className="button button--primary" href={href('/login')} data-testid="reset-login">
            {t('reset.request.backToLogin')}
          </a>
        </p>
      </div>
    );
  } else if (!token || invalid) {
    body = (
      <>
        <p className="alert alert--error" role="alert" data-testid="reset-invalid">
          {token ? t('problem.link_invalid') : t('reset.set.missing')}
        </p>
        <p>
          <a href={href('/forgot-password')} data-testid="reset-request-new">
            {t('reset.set.requestNew')}
          </a>
        </p>
      </>
    );
  } else {
    body = (
      <>
        <p className="muted">{t('reset.set.intro')}</p>
        {message ? (
          <p className="alert alert--error" role="alert" data-testid="reset-error">
            {message}
          </p>
        ) : null}
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
          <FormField
            id={passwordId}
            label={t('reset.set.password')}
            hint={{ id: hintId, text: t('invitation.passwordHint') }}
            error={errorOf('password')}
            type="password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="reset-password"
          />
          <FormField
            id={repeatId}
            label={t('reset.set.repeat')}
            error={errorOf('repeat')}
            type="password"
            required
            autoComplete="new-password"
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
            data-testid="reset-repeat"
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={saving} data-testid="reset-submit">
              {saving ? t('reset.set.saving') : t('reset.set.submit')}
            </button>
          </div>
        </form>
      </>
    );
  }

  return (
    <section className="card card--narrow" aria-labelledby="reset-title">
      <h1 id="reset-title">{t('reset.set.title')}</h1>
      {body}
    </section>
  );
}
