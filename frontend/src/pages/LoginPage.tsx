import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { homeFor, signIn, useAuth, type Account } from '../auth';
import { useI18n } from '../i18n';
import { navigate, useHashLocation } from '../router';

/** Only same-app routes are accepted as `next` (no `//host`, no URLs). */
function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return null;
  return next;
}

function targetFor(account: Account, next: string | null): string {
  return safeNext(next) ?? homeFor(account);
}

type LoginError =
  | { kind: 'invalid' }
  | { kind: 'rate-limited'; seconds: number | null }
  | { kind: 'unreachable' }
  | { kind: 'generic'; detail: string | null };

function classify(err: unknown): LoginError {
  if (err instanceof ApiError) {
    if (err.status === 401 || err.code === 'invalid_credentials') return { kind: 'invalid' };
    if (err.status === 429 || err.code === 'rate_limited') return { kind: 'rate-limited', seconds: err.retryAfter };
    if (err.status === 502 || err.status === 503 || err.status === 504) return { kind: 'unreachable' };
    return { kind: 'generic', detail: err.problem?.detail ?? err.problem?.title ?? null };
  }
  return { kind: 'unreachable' };
}

export function LoginPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const { query } = useHashLocation();
  const next = query.get('next');
  const [email, setEmail] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<LoginError | null>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const errorId = useId();

  // Already signed in (e.g. a reload of #/login): go on.
  useEffect(() => {
    if (auth.status === 'signed-in') navigate(targetFor(auth.account, next), { replace: true });
  }, [auth, next]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const passwordInput = passwordRef.current;
    if (!passwordInput || submitting) return;
    // The password is read once from the field and the field is emptied right
    // away: it is kept in no state, storage or URL.
    const password = passwordInput.value;
    passwordInput.value = '';
    setSubmitting(true);
    setError(null);
    try {
      const account = await signIn(email.trim(), password);
      navigate(targetFor(account, next), { replace: true });
    } catch (err) {
      setError(classify(err));
      passwordInput.focus();
    } finally {
      setSubmitting(false);
    }
  };

  let message: string | null = null;
  if (error) {
    switch (error.kind) {
      case 'invalid':
        message = t('login.error.invalid');
        break;
      case 'rate-limited':
        message =
          error.seconds === null ? t('login.error.rateLimitedLater') : t('login.error.rateLimited', { seconds: error.seconds });
        break;
      case 'unreachable':
        message = t('login.error.unreachable');
        break;
      case 'generic':
        message = t('login.error.generic');
        break;
    }
  }

  return (
    <section className="card card--narrow" aria-labelledby="login-title">
      <h1 id="login-title">{t('login.title')}</h1>
      <p className="muted">{t('login.intro')}</p>
      {message ? (
        <p className="alert alert--error" role="alert" id={errorId} data-testid="login-error">
          {message}
        </p>
      ) : null}
      <form
        className="form"
        method="post"
        onSubmit={(event) => void onSubmit(event)}
        aria-describedby={message ? errorId : undefined}
      >
        <div className="field">
          <label htmlFor="login-email">{t('login.email')}</label>
          <input
            id="login-email"
            name="email"
            type="email"
            autoComplete="username"
            inputMode="email"
            spellCheck={false}
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            aria-invalid={error?.kind === 'invalid' ? true : undefined}
            data-testid="login-email"
          />
        </div>
        <div className="field">
          <label htmlFor="login-password">{t('login.password')}</label>
          <input
            id="login-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            ref={passwordRef}
            aria-invalid={error?.kind === 'invalid' ? true : undefined}
            data-testid="login-password"
          />
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting} data-testid="login-submit">
            {submitting ? t('login.submitting') : t('login.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
