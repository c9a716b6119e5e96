import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { requestMagicLink } from '../api/public';
import { FormField } from '../components/FormField';
import { useI18n } from '../i18n';
import { hasMagicLinkToken, onTokenCaptured, participantToken, redeemCapturedToken } from '../participant';
import { rateLimitText } from '../problems';
import { href, navigate, useHashLocation } from '../router';

/**
 * `#/p/{slug}/login`: participants sign in by a link sent by mail (no
 * password). With a link token (`?token=…`, already taken out of the address
 * bar by `magicLink.ts` before the app started) the page redeems it once,
 * keeps the session in sessionStorage and goes to the portal; an invalid link
 * says so and offers the form for a new one. The form answers the same
 * whether or not the address is known (TOM ACC-4).
 */
export function ParticipantLoginPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  const { query } = useHashLocation();
  const [redeem, setRedeem] = useState<'none' | 'running' | 'invalid' | 'error'>(() =>
    hasMagicLinkToken(slug) ? 'running' : 'none',
  );
  // A link opened in this tab while the page is shown: redeem that one too.
  const [captures, setCaptures] = useState(0);
  useEffect(() => onTokenCaptured(() => setCaptures((n) => n + 1)), []);
  const expired = query.get('expired') === '1';
  const signedIn = redeem === 'none' && participantToken(slug) !== null;

  useEffect(() => {
    const promise = redeemCapturedToken(slug);
    if (!promise) return;
    let active = true;
    setRedeem('running');
    promise.then(
      () => {
        if (active) navigate(`/p/${encodeURIComponent(slug)}/portal`, { replace: true });
      },
      (err: unknown) => {
        if (!active) return;
        setRedeem(err instanceof ApiError && (err.status === 404 || err.code === 'link_invalid') ? 'invalid' : 'error');
      },
    );
    return () => {
      active = false;
    };
  }, [slug, captures]);

  if (redeem === 'running') {
    return (
      <section className="card card--narrow" aria-labelledby="plogin-title">
        <h1 id="plogin-title">{t('plogin.title')}</h1>
        <p className="muted" role="status" data-testid="plogin-redeeming">
          {t('plogin.redeeming')}
        </p>
      </section>
    );
  }

  return (
    <section className="card card--narrow" aria-labelledby="plogin-title">
      <h1 id="plogin-title">{t('plogin.title')}</h1>
      {redeem === 'invalid' ? (
        <p className="alert alert--error" role="alert" data-testid="plogin-invalid">
          {t('plogin.invalid')}
        </p>
      ) : null}
      {redeem === 'error' ? (
        <p className="alert alert--error" role="alert" data-testid="plogin-redeem-error">
          {t('plogin.redeemError')}
        </p>
      ) : null}
      {expired && redeem === 'none' ? (
        <p className="alert alert--warn" data-testid="plogin-expired">
          {t('plogin.expired')}
        </p>
      ) : null}
      {signedIn ? (
        <p className="alert alert--ok" data-testid="plogin-signed-in">
          {t('plogin.signedIn')}{' '}
          <a href={href(`/p/${encodeURIComponent(slug)}/portal`)} data-testid="plogin-to-portal">
            {t('plogin.toPortal')}
          </a>
        </p>
      ) : null}
      <RequestLinkForm slug={slug} />
    </section>
  );
}

function RequestLinkForm({ slug }: { slug: string }) {
  const { t, language } = useI18n();
  const [email, setEmail] = useState('');
  const [sending, setSending] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fieldId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (sending) return;
    const address = email.trim();
    setError(null);
    if (!address) {
      setFieldError(t('form.required'));
      return;
    }
    if (!/^[^\s@]+@[^\s@]+$/.test(address)) {
      setFieldError(t('book.error.email'));
      return;
    }
    setFieldError(null);
    setSending(true);
    try {
      await requestMagicLink(slug, address, language);
      setSentTo(address);
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) setError(rateLimitText(t, err));
      else if (err instanceof ApiError && err.status === 422) setFieldError(t('book.error.email'));
      else if (err instanceof ApiError && err.status === 404) setError(t('plogin.unknownTenant'));
      else if (err instanceof ApiError) setError(t('plogin.sendError'));
      else setError(t('login.error.unreachable'));
    } finally {
      setSending(false);
    }
  };

  return (
    <>
      <p className="muted">{t('plogin.intro')}</p>
      {sentTo ? (
        <p className="alert alert--ok" role="status" data-testid="plogin-sent">
          {t('plogin.sent', { email: sentTo })}
        </p>
      ) : null}
      {error ? (
        <p className="alert alert--error" role="alert" data-testid="plogin-error">
          {error}
        </p>
      ) : null}
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
        <FormField
          id={fieldId}
          label={t('plogin.email')}
          error={fieldError ? { id: `${fieldId}-error`, text: fieldError, testId: 'plogin-email-error' } : undefined}
          type="email"
          autoComplete="email"
          inputMode="email"
          spellCheck={false}
          required
          maxLength={320}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="plogin-email"
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={sending} data-testid="plogin-submit">
            {sending ? t('plogin.sending') : t('plogin.submit')}
          </button>
        </div>
      </form>
    </>
  );
}
