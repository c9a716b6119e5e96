import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { confirmBooking, type BookingConfirmed } from '../api/public';
import { useI18n } from '../i18n';
import { hasCapturedToken, onTokenCaptured, takeCapturedToken } from '../magicLink';
import { problemMessage, type ProblemWording } from '../problems';
import { href } from '../router';

/**
 * `#/p/{slug}/confirm`: the link mailed after a booking request (TOM PRIV-1,
 * ACC-2). `magicLink.ts` took the token out of the address bar before the app
 * started; this page sends it once (in the body, never in a URL) and shows what
 * became of the booking. A used, expired or unknown link gets one answer.
 */
const CONFIRM_WORDING: ProblemWording = {
  link_invalid: 'bconfirm.invalid',
  already_booked: 'bconfirm.alreadyBooked',
  event_full: 'bconfirm.full',
  restricted: 'book.error.restricted',
};

// One request per captured token, even if React runs the effect twice.
let confirming: { slug: string; promise: Promise<BookingConfirmed> } | null = null;

function confirmCaptured(slug: string): Promise<BookingConfirmed> | null {
  if (confirming?.slug === slug) return confirming.promise;
  const token = takeCapturedToken(slug, 'confirm');
  if (!token) return null;
  const entry = { slug, promise: confirmBooking(slug, token) };
  confirming = entry;
  const done = () => {
    if (confirming === entry) confirming = null;
  };
  entry.promise.then(done, done);
  return entry.promise;
}

type State =
  | { state: 'running' }
  | { state: 'none' }
  | { state: 'done'; result: BookingConfirmed }
  | { state: 'failed'; error: unknown };

export function ConfirmBookingPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  const [state, setState] = useState<State>(() =>
    hasCapturedToken(slug, 'confirm') || confirming?.slug === slug ? { state: 'running' } : { state: 'none' },
  );
  const [captures, setCaptures] = useState(0);
  useEffect(() => onTokenCaptured(() => setCaptures((n) => n + 1)), []);

  useEffect(() => {
    const promise = confirmCaptured(slug);
    if (!promise) return;
    let active = true;
    setState({ state: 'running' });
    promise.then(
      (result) => {
        if (active) setState({ state: 'done', result });
      },
      (error: unknown) => {
        if (active) setState({ state: 'failed', error });
      },
    );
    return () => {
      active = false;
    };
  }, [slug, captures]);

  const portal = (
    <p>
      <a href={href(`/p/${encodeURIComponent(slug)}/login`)} data-testid="bconfirm-portal-link">
        {t('book.done.portal')}
      </a>
    </p>
  );

  return (
    <section className="card card--narrow" aria-labelledby="bconfirm-title" data-testid="bconfirm" data-state={state.state}>
      <h1 id="bconfirm-title">{t('bconfirm.title')}</h1>
      {state.state === 'running' ? (
        <p className="muted" role="status" data-testid="bconfirm-running">
          {t('bconfirm.running')}
        </p>
      ) : null}
      {state.state === 'none' ? (
        <p className="alert alert--error" role="alert" data-testid="bconfirm-invalid">
          {t('bconfirm.invalid')}
        </p>
      ) : null}
      {state.state === 'done' ? (
        <>
          <p className="alert alert--ok" role="status" data-testid="bconfirm-result" data-status={state.result.status}>
            {state.result.status === 'waiting' ? t('book.done.waiting') : t('book.done.confirmed')}
          </p>
          <p data-testid="bconfirm-event">{state.result.title}</p>
          <p className="muted">{t('bconfirm.mail')}</p>
          {portal}
        </>
      ) : null}
      {state.state === 'failed' ? (
        <>
          <p
            className="alert alert--error"
            role="alert"
            data-testid="bconfirm-failed"
            data-code={state.error instanceof ApiError ? (state.error.code ?? '') : ''}
          >
            {problemMessage(t, state.error, t('bconfirm.error'), CONFIRM_WORDING)}
          </p>
          {portal}
        </>
      ) : null}
    </section>
  );
}
