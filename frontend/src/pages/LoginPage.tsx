import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { providersForEmail, publicProviders, startSignIn, type DomainProvider, type PublicProvider } from '../api/sso';
import {
  homeFor,
  sessionEnded,
  signIn,
  signInWithDirectory,
  signInWithPasskey,
  signOut,
  submitPasskeySecondFactor,
  submitSecondFactor,
  useAuth,
  type Account,
} from '../auth';
import { FormField } from '../components/FormField';
import { useI18n } from '../i18n';
import type { ProblemCode } from '../i18n/types';
import { problemMessage } from '../problems';
import { href, navigate, useHashLocation } from '../router';
import { conditionalMediationAvailable, passkeysSupported, wasCancelled } from '../webauthn';

/** A passkey offered in the autofill waits at most this long before a fresh ceremony (the server's lasts 5 min). */
const CONDITIONAL_RENEW_MS = 4 * 60 * 1000;

/** Only same-app routes are accepted as `next` (no `//host`, no URLs). */
function safeNext(next: string | null): string | null {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/login')) return null;
  return next;
}

function targetFor(account: Account, next: string | null): string {
  // Enrolment comes before anything else; the code step stays on this page.
  if (account.stage !== 'full') return homeFor(account);
  return safeNext(next) ?? homeFor(account);
}

type LoginError =
  | { kind: 'invalid' }
  | { kind: 'rate-limited'; seconds: number | null }
  | { kind: 'unreachable' }
  | { kind: 'expired' }
  | { kind: 'problem'; code: ProblemCode }
  | { kind: 'passkey'; text: string }
  | { kind: 'generic'; detail: string | null };

/** Problems of single sign-on that the page explains in their own words (TOM ACC-7). */
const SSO_PROBLEMS: ReadonlySet<string> = new Set(['sso_required', 'sso_failed', 'sso_not_linked', 'sso_unavailable']);

function classify(err: unknown): LoginError {
  if (err instanceof ApiError) {
    if (err.code && SSO_PROBLEMS.has(err.code)) return { kind: 'problem', code: err.code };
    if (err.status === 401 || err.code === 'invalid_credentials') return { kind: 'invalid' };
    if (err.status === 429 || err.code === 'rate_limited') return { kind: 'rate-limited', seconds: err.retryAfter };
    if (err.status === 502 || err.status === 503 || err.status === 504) return { kind: 'unreachable' };
    return { kind: 'generic', detail: err.problem?.detail ?? err.problem?.title ?? null };
  }
  return { kind: 'unreachable' };
}

/**
 * Staff sign-in. On a tenant's own sign-in link (`#/login/{tenant}`) the
 * tenant's identity providers come first: a button per OpenID provider and
 * the directory form for LDAP (TOM ACC-7); a provider's refusal comes back as
 * `?sso_error=<code>`. On the general page the email comes first: once it is
 * entered, the providers that serve its domain are offered (the lookup reads
 * no account); the password sign-in stays below.
 */
export function LoginPage({ tenant }: { tenant?: string }) {
  const { t } = useI18n();
  const auth = useAuth();
  const { query } = useHashLocation();
  const next = query.get('next');
  const ssoError = query.get('sso_error');
  const [email, setEmail] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<LoginError | null>(
    ssoError && SSO_PROBLEMS.has(ssoError) ? { kind: 'problem', code: ssoError as ProblemCode } : ssoError ? { kind: 'generic', detail: null } : null,
  );
  const [providers, setProviders] = useState<PublicProvider[]>([]);
  // The tenant's link: passkeys alone are allowed there, so the autofill offers them.
  const [passkeyAutofill, setPasskeyAutofill] = useState(false);
  const [domainProviders, setDomainProviders] = useState<{ domain: string; providers: DomainProvider[] }>({ domain: '', providers: [] });
  const lookupRef = useRef<AbortController | null>(null);

  // Email first: the providers of the address's domain, looked up once per domain.
  const lookUpDomain = (value: string) => {
    if (tenant) return;
    const at = value.trim().lastIndexOf('@');
    const domain = at > 0 ? value.trim().slice(at + 1).toLowerCase() : '';
    if (domain === domainProviders.domain) return;
    lookupRef.current?.abort();
    if (!domain.includes('.')) {
      setDomainProviders({ domain: '', providers: [] });
      return;
    }
    const controller = new AbortController();
    lookupRef.current = controller;
    providersForEmail(value.trim(), controller.signal)
      .then((list) => setDomainProviders({ domain, providers: list }))
      .catch(() => setDomainProviders({ domain: '', providers: [] }));
  };
  useEffect(() => () => lookupRef.current?.abort(), []);

  useEffect(() => {
    if (!tenant) return;
    const controller = new AbortController();
    publicProviders(tenant, controller.signal)
      .then((list) => {
        setProviders(list.providers);
        setPasskeyAutofill(list.passkey_sign_in);
      })
      .catch(() => setProviders([]));
    return () => controller.abort();
  }, [tenant]);

  const withProvider = async (provider: PublicProvider, of: string | undefined = tenant) => {
    if (!of || submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      window.location.assign(await startSignIn(of, provider.id));
    } catch (err) {
      setError(classify(err));
      setSubmitting(false);
    }
  };
  const passwordRef = useRef<HTMLInputElement>(null);
  const errorId = useId();

  // Already signed in (e.g. a reload of #/login): go on. A sign-in waiting for
  // its second factor stays here and shows the code step.
  useEffect(() => {
    if (auth.status === 'signed-in' && auth.account.stage !== 'mfa') {
      navigate(targetFor(auth.account, next), { replace: true });
    }
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
      // `mfa`: this page goes on with the code step.
      if (account.stage !== 'mfa') navigate(targetFor(account, next), { replace: true });
    } catch (err) {
      setError(classify(err));
      passwordInput.focus();
    } finally {
      setSubmitting(false);
    }
  };

  // Passwordless in the autofill (conditional mediation): on the sign-in link of a tenant
  // that allows passkeys alone, the browser offers this site's passkeys in the email
  // field's suggestions and choosing one signs in (TOM ACC-6). Renewed before the
  // server's ceremony expires.
  const conditionalRef = useRef<AbortController | null>(null);
  const [conditionalRound, setConditionalRound] = useState(0);
  useEffect(() => {
    if (!passkeyAutofill || auth.status === 'signed-in') return;
    const controller = new AbortController();
    conditionalRef.current = controller;
    const renew = window.setTimeout(() => {
      controller.abort();
      setConditionalRound((n) => n + 1);
    }, CONDITIONAL_RENEW_MS);
    void (async () => {
      if (!(await conditionalMediationAvailable()) || controller.signal.aborted) return;
      try {
        const account = await signInWithPasskey({ conditional: true, signal: controller.signal });
        navigate(targetFor(account, next), { replace: true });
      } catch (err) {
        // Only the answer to a chosen passkey is worth a message; the offer itself
        // failing (a limit, the network) leaves the form as it is.
        if (controller.signal.aborted || !(err instanceof ApiError) || !err.code?.startsWith('passkey')) return;
        setError({ kind: 'passkey', text: problemMessage(t, err, t('login.passkey.failed')) });
      }
    })();
    return () => {
      window.clearTimeout(renew);
      controller.abort();
    };
    // `next` and `t` only shape what happens after a choice: no new offer for them.
  }, [passkeyAutofill, auth.status, conditionalRound]);

  // Passwordless: the browser offers the passkeys it keeps for this site (TOM ACC-6).
  const onPasskey = async () => {
    if (submitting) return;
    // One WebAuthn request at a time: the autofill's waits no longer.
    conditionalRef.current?.abort();
    setSubmitting(true);
    setError(null);
    try {
      const account = await signInWithPasskey();
      navigate(targetFor(account, next), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.code && err.status !== 429) {
        setError({ kind: 'passkey', text: problemMessage(t, err, t('login.passkey.failed')) });
      } else if (wasCancelled(err)) {
        // Closed, timed out, or the passkey could not verify its user: the browser says no more.
        setError({ kind: 'passkey', text: t('login.passkey.cancelled') });
      } else setError(classify(err));
      setConditionalRound((n) => n + 1);
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
      case 'expired':
        message = t('login.mfa.error.expired');
        break;
      case 'problem':
        message = t(`problem.${error.code}`);
        break;
      case 'passkey':
        message = error.text;
        break;
      case 'generic':
        message = t('login.error.generic');
        break;
    }
  }
  // OpenID Connect and SAML: the browser goes to the provider and comes back signed in.
  const oidc = providers.filter((p) => p.kind !== 'ldap');
  const directory = providers.find((p) => p.kind === 'ldap');

  if (auth.status === 'signed-in' && auth.account.stage === 'mfa') {
    return <SecondFactorStep account={auth.account} next={next} onExpired={() => setError({ kind: 'expired' })} />;
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
      {oidc.length > 0 ? (
        <div className="form__actions" data-testid="sso-providers">
          {oidc.map((p) => (
            <button
              key={p.id}
              type="button"
              className="button button--primary"
              disabled={submitting}
              onClick={() => void withProvider(p)}
              data-testid="sso-provider"
            >
              {p.name}
            </button>
          ))}
        </div>
      ) : null}
      {tenant && directory ? (
        <DirectoryForm
          tenant={tenant}
          provider={directory}
          onSignedIn={(account) => {
            if (account.stage !== 'mfa') navigate(targetFor(account, next), { replace: true });
          }}
          onError={(err) => setError(classify(err))}
        />
      ) : null}
      {providers.length > 0 ? <h2>{t('login.sso.local')}</h2> : null}
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
            autoComplete="username webauthn"
            inputMode="email"
            spellCheck={false}
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            onBlur={(e) => lookUpDomain(e.target.value)}
            aria-invalid={error?.kind === 'invalid' ? true : undefined}
            data-testid="login-email"
          />
        </div>
        {!tenant && domainProviders.providers.length > 0 ? (
          <div className="field" data-testid="sso-domain-providers" aria-live="polite">
            <p className="muted">{t('login.sso.domain')}</p>
            <div className="form__actions">
              {domainProviders.providers.map((p) =>
                p.kind === 'ldap' ? (
                  <a
                    key={`${p.tenant}/${p.id}`}
                    className="button"
                    href={href(`/login/${encodeURIComponent(p.tenant)}`)}
                    data-testid="sso-domain-directory"
                  >
                    {t('login.sso.directoryLink', { provider: p.name, tenant: p.tenant_name })}
                  </a>
                ) : (
                  <button
                    key={`${p.tenant}/${p.id}`}
                    type="button"
                    className="button button--primary"
                    disabled={submitting}
                    onClick={() => void withProvider(p, p.tenant)}
                    data-testid="sso-domain-provider"
                  >
                    {domainProviders.providers.some((o) => o.tenant !== p.tenant)
                      ? t('login.sso.domainTenant', { provider: p.name, tenant: p.tenant_name })
                      : p.name}
                  </button>
                ),
              )}
            </div>
          </div>
        ) : null}
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
      <p>
        <a href={href('/forgot-password')} data-testid="login-forgot">
          {t('login.forgot')}
        </a>
      </p>
      {passkeysSupported() ? (
        <div className="form__actions">
          <button
            type="button"
            className="button"
            disabled={submitting}
            onClick={() => void onPasskey()}
            data-testid="login-passkey"
          >
            {t('login.passkey')}
          </button>
        </div>
      ) : null}
    </section>
  );
}

/**
 * The second sign-in step: the password was right, the account has a second
 * factor. A 6-digit code from the authenticator app or one of the recovery
 * codes completes the sign-in (a new session with a new CSRF token).
 */
function SecondFactorStep({ account, next, onExpired }: { account: Account; next: string | null; onExpired: () => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const codeId = useId();
  const hintId = useId();
  const errorId = useId();
  const inputRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    inputRef.current?.focus();
  }, []);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    // Spaces (e.g. "123 456" as some apps show it) are not part of the code.
    const value = code.replace(/\s+/g, '');
    if (!value || submitting) return;
    setSubmitting(true);
    setError(null);
    setCode('');
    try {
      const signedIn = await submitSecondFactor(value);
      navigate(targetFor(signedIn, next), { replace: true });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 429 || err.code === 'rate_limited')) {
        setError(
          err.retryAfter === null ? t('login.error.rateLimitedLater') : t('login.error.rateLimited', { seconds: err.retryAfter }),
        );
      } else if (err instanceof ApiError && err.code === 'invalid_code') {
        setError(t('login.mfa.error.invalid'));
      } else if (err instanceof ApiError && err.status === 401) {
        // The half-finished sign-in is gone (expired, ended): start again.
        onExpired();
        sessionEnded();
      } else if (err instanceof ApiError && [502, 503, 504].includes(err.status)) {
        setError(t('login.error.unreachable'));
      } else if (err instanceof ApiError) {
        setError(t('login.error.generic'));
      } else {
        setError(t('login.error.unreachable'));
      }
      inputRef.current?.focus();
    } finally {
      setSubmitting(false);
    }
  };

  const onPasskey = async () => {
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      const signedIn = await submitPasskeySecondFactor();
      navigate(targetFor(signedIn, next), { replace: true });
    } catch (err) {
      setError(wasCancelled(err) ? t('login.passkey.cancelled') : problemMessage(t, err, t('login.passkey.failed')));
    } finally {
      setSubmitting(false);
    }
  };

  const onCancel = async () => {
    if (cancelling) return;
    setCancelling(true);
    try {
      await signOut();
    } finally {
      setCancelling(false);
    }
  };

  return (
    <section className="card card--narrow" aria-labelledby="mfa-title" data-testid="mfa-step">
      <h1 id="mfa-title">{t('login.mfa.title')}</h1>
      <p className="muted">{t('login.mfa.intro', { email: account.email })}</p>
      {error ? (
        <p className="alert alert--error" role="alert" id={errorId} data-testid="mfa-error">
          {error}
        </p>
      ) : null}
      <form className="form" onSubmit={(event) => void onSubmit(event)} aria-describedby={error ? errorId : undefined}>
        <FormField
          id={codeId}
          label={t('login.mfa.code')}
          hint={{ id: hintId, text: t('login.mfa.hint') }}
          type="text"
          name="code"
          autoComplete="one-time-code"
          spellCheck={false}
          autoCapitalize="off"
          maxLength={64}
          required
          ref={inputRef}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          data-testid="mfa-code"
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={submitting} data-testid="mfa-submit">
            {submitting ? t('login.mfa.submitting') : t('login.mfa.submit')}
          </button>
          {account.passkey_enabled && passkeysSupported() ? (
            <button
              type="button"
              className="button"
              disabled={submitting}
              onClick={() => void onPasskey()}
              data-testid="mfa-passkey"
            >
              {t('login.mfa.passkey')}
            </button>
          ) : null}
          <button type="button" className="button" disabled={cancelling} onClick={() => void onCancel()} data-testid="mfa-cancel">
            {t('login.mfa.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** LDAP / Active Directory: the directory user name and password (TOM ACC-7). */
function DirectoryForm({
  tenant,
  provider,
  onSignedIn,
  onError,
}: {
  tenant: string;
  provider: PublicProvider;
  onSignedIn: (account: Account) => void;
  onError: (err: unknown) => void;
}) {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const input = passwordRef.current;
    if (!input || submitting) return;
    const password = input.value;
    input.value = '';
    setSubmitting(true);
    try {
      onSignedIn(await signInWithDirectory(tenant, provider.id, username.trim(), password));
    } catch (err) {
      onError(err);
      input.focus();
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="form" method="post" onSubmit={(event) => void onSubmit(event)} data-testid="sso-directory">
      <h2>{provider.name}</h2>
      <div className="field">
        <label htmlFor="directory-username">{t('login.sso.username')}</label>
        <input
          id="directory-username"
          name="username"
          autoComplete="username"
          spellCheck={false}
          autoCapitalize="off"
          required
          value={username}
          onChange={(e) => setUsername(e.target.value)}
          data-testid="sso-directory-username"
        />
      </div>
      <div className="field">
        <label htmlFor="directory-password">{t('login.password')}</label>
        <input
          id="directory-password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          ref={passwordRef}
          data-testid="sso-directory-password"
        />
      </div>
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={submitting} data-testid="sso-directory-submit">
          {submitting ? t('login.submitting') : t('login.submit')}
        </button>
      </div>
    </form>
  );
}
