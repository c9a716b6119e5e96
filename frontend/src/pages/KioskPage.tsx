import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { signCheckIn, type KioskTap } from '../api/attendance';
import { listLocations } from '../api/locations';
import { can, refreshSession, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { RequireAuth } from '../components/RequireAuth';
import { SignaturePad } from '../components/SignaturePad';
import { subscribeConnectivity, getConnectivity } from '../connectivity';
import { useI18n, type I18n } from '../i18n';
import { useTimeZone } from '../timeZone';
import {
  KIOSK_KEEPALIVE_MS,
  KIOSK_MESSAGE_MS,
  openKioskStream,
  startKiosk,
  stopKiosk,
  type KioskConnection,
  type KioskMode,
} from '../kiosk';
import { useKeyedLoad } from '../load';
import { navigate } from '../router';

/**
 * `#/kiosk`: choose a location (optional) and start kiosk mode (admins,
 * organisers, instructors). The kiosk itself (`KioskScreen`) replaces the whole
 * app until it is ended explicitly.
 */
export function KioskPage() {
  return <RequireAuth>{(account) => <KioskSetup account={account} />}</RequireAuth>;
}

/** Full screen when the browser allows it (it needs the click that starts the kiosk). */
function enterFullscreen(): void {
  const root = document.documentElement;
  if (document.fullscreenElement || typeof root.requestFullscreen !== 'function') return;
  root.requestFullscreen().catch(() => {
    // Refused (e.g. by a policy): the kiosk works in the window as well.
  });
}

function leaveFullscreen(): void {
  if (document.fullscreenElement && typeof document.exitFullscreen === 'function') {
    document.exitFullscreen().catch(() => {});
  }
}

function KioskSetup({ account }: { account: Account }) {
  const { t } = useI18n();
  const allowed = can(account, 'kiosk.view');
  const locations = useKeyedLoad(allowed ? 'locations' : 'locations:none', (signal) =>
    allowed ? listLocations(signal) : Promise.resolve([]),
  );
  const [locationId, setLocationId] = useState('');
  const selectId = useId();
  const hintId = useId();
  const list = locations.state === 'ok' ? locations.value : [];

  const start = () => {
    const location = list.find((l) => l.id === locationId) ?? null;
    enterFullscreen();
    startKiosk({ locationId: location?.id ?? null, locationName: location?.name ?? null });
  };

  return (
    <div className="stack">
      <section aria-labelledby="kiosk-title">
        <h1 id="kiosk-title">{t('kiosk.title')}</h1>
        <p className="muted">{t('kiosk.intro')}</p>
      </section>
      {allowed ? (
        <section className="card" aria-labelledby="kiosk-setup-title">
          <h2 id="kiosk-setup-title">{t('kiosk.setup.title')}</h2>
          <div className="form form--narrow">
            <div className="field">
              <label htmlFor={selectId}>{t('kiosk.setup.location')}</label>
              <select
                id={selectId}
                value={locationId}
                aria-describedby={hintId}
                onChange={(e) => setLocationId(e.target.value)}
                data-testid="kiosk-location"
              >
                <option value="">{t('kiosk.allLocations')}</option>
                {list.map((location) => (
                  <option key={location.id} value={location.id}>
                    {location.name}
                  </option>
                ))}
              </select>
              <p id={hintId} className="small muted field__hint">
                {t('kiosk.setup.locationHint')}
              </p>
              {locations.state === 'error' || locations.state === 'forbidden' ? (
                <p className="small muted field__hint">{t('events.field.locationsUnavailable')}</p>
              ) : null}
            </div>
            <p className="small muted">{t('kiosk.setup.lockHint')}</p>
            <div className="form__actions">
              <button type="button" className="button button--primary" onClick={start} data-testid="kiosk-start">
                {t('kiosk.setup.start')}
              </button>
            </div>
          </div>
        </section>
      ) : (
        <p className="alert alert--error" role="alert" data-testid="kiosk-forbidden">
          {t('kiosk.forbidden')}
        </p>
      )}
    </div>
  );
}

/** What the screen shows for a tap: a greeting, a refusal or a note, with the first name only (TOM PRIV-1). */
interface Shown {
  outcome: string;
  tone: 'welcome' | 'goodbye' | 'ok' | 'info' | 'refusal';
  headline: string;
  detail: string | null;
  device: string;
}

function describe(t: I18n['t'], tap: KioskTap): Shown {
  const name = tap.first_name;
  const base = { outcome: tap.outcome, device: tap.device_name };
  switch (tap.outcome) {
    case 'checked_in':
      return { ...base, tone: 'welcome', headline: name ? t('kiosk.welcome', { name }) : t('kiosk.welcomeAnonymous'), detail: null };
    case 'checked_out':
      return { ...base, tone: 'goodbye', headline: name ? t('kiosk.goodbye', { name }) : t('kiosk.goodbyeAnonymous'), detail: null };
    case 'card_bound':
      return { ...base, tone: 'ok', headline: name ? t('kiosk.cardBound', { name }) : t('kiosk.cardBoundAnonymous'), detail: null };
    case 'already_recorded':
      return {
        ...base,
        tone: 'info',
        headline: tap.mode === 'check_out' ? t('kiosk.alreadyOut') : t('kiosk.alreadyIn'),
        detail: name,
      };
    case 'unknown_card':
      return { ...base, tone: 'refusal', headline: t('kiosk.unknownCard'), detail: t('kiosk.askStaff') };
    case 'no_booking':
      return { ...base, tone: 'refusal', headline: t('kiosk.noBooking'), detail: name };
    case 'no_session':
      return { ...base, tone: 'refusal', headline: t('kiosk.noSession'), detail: name };
    case 'not_checked_in':
      return { ...base, tone: 'refusal', headline: t('kiosk.notCheckedIn'), detail: name ? t('kiosk.notCheckedInHint', { name }) : null };
    case 'card_in_use':
      return { ...base, tone: 'refusal', headline: t('kiosk.cardInUse'), detail: t('kiosk.askStaff') };
    case 'restricted':
      return { ...base, tone: 'refusal', headline: t('kiosk.restricted'), detail: t('kiosk.askStaff') };
    // Secure cards (NTAG 424 DNA): the tap did not count; staff see why (no name: a copy may have tapped).
    case 'secure_card_replayed':
      return { ...base, tone: 'refusal', headline: t('kiosk.secureReplayed'), detail: t('kiosk.secureReplayedHint') };
    case 'secure_card_required':
      return { ...base, tone: 'refusal', headline: t('kiosk.secureRequired'), detail: t('kiosk.secureRequiredHint') };
    case 'secure_card_invalid':
      return { ...base, tone: 'refusal', headline: t('kiosk.secureInvalid'), detail: t('kiosk.secureInvalidHint') };
    default:
      return { ...base, tone: 'info', headline: t('kiosk.tapped'), detail: name };
  }
}

function useClock(): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(new Date()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return now;
}

/**
 * Kiosk mode: a full-screen page without the app's header and navigation — a
 * big clock and, for every tap the stream reports, a greeting or a clear
 * refusal for a few seconds, then back to "please tap your card". A small
 * indicator shows the connection; it recovers by itself after a network loss
 * or a server restart, without reloading the page. The staff session is kept
 * alive with `GET /api/v1/auth/me`. Leaving needs "Kiosk beenden" and a
 * confirmation.
 */
export function KioskScreen({ mode }: { mode: KioskMode }) {
  const { t, locale } = useI18n();
  const now = useClock();
  const [connection, setConnection] = useState<KioskConnection>('connecting');
  // The tap on screen (numbered, so the same outcome twice shows afresh); its text follows the language.
  const [current, setCurrent] = useState<{ id: number; tap: KioskTap } | null>(null);
  const [confirming, setConfirming] = useState(false);
  // The check-in to sign for (the event asks for a signature with attendance), with the first name.
  const [signing, setSigning] = useState<{ attendanceId: string; name: string | null } | null>(null);
  // Shown after a signature was saved.
  const [signed, setSigned] = useState<string | null>(null);
  // How often the server asked this screen to resync (shown to tests as `data-resyncs`).
  const [resyncs, setResyncs] = useState(0);
  const counter = useRef(0);
  const hideTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // The latest `t`, for the page title when the kiosk closes.
  const tRef = useRef(t);
  tRef.current = t;

  const timeZone = useTimeZone();
  const clock = useMemo(() => new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', timeZone }), [locale, timeZone]);
  const date = useMemo(
    () => new Intl.DateTimeFormat(locale, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone }),
    [locale, timeZone],
  );

  useEffect(() => {
    // When the stream last opened, and since when the server has not answered (status poll).
    let openedAt = 0;
    let offlineSince = getConnectivity() === 'offline' ? Date.now() : null;
    const stream = openKioskStream(mode.locationId, {
      onTap: (tap) => {
        if (tap.sign_for) {
          setSigning({ attendanceId: tap.sign_for, name: tap.first_name });
          setSigned(null);
        }
        counter.current += 1;
        setCurrent({ id: counter.current, tap });
        clearTimeout(hideTimer.current);
        hideTimer.current = setTimeout(() => setCurrent(null), KIOSK_MESSAGE_MS);
      },
      onState: (state) => {
        if (state === 'open') openedAt = Date.now();
        setConnection(state);
      },
      // Taps may have been missed (the server's database listener reconnected): what is on
      // screen may be out of date, so it goes, and the session is read again as usual.
      onResync: () => {
        clearTimeout(hideTimer.current);
        setCurrent(null);
        setResyncs((n) => n + 1);
        refreshSession().catch(() => {});
      },
      // The browser gave up (error answer): is the session still there? A 401 ends kiosk mode's screen.
      onGaveUp: () => {
        refreshSession().catch(() => {});
      },
    });
    // Back online after an outage: if the stream has not opened again since (a connection
    // that died without the browser noticing), start a new one.
    const unsubscribe = subscribeConnectivity(() => {
      const state = getConnectivity();
      if (state === 'offline') offlineSince ??= Date.now();
      else if (state === 'online' && offlineSince !== null) {
        if (openedAt < offlineSince) stream.reconnect();
        offlineSince = null;
      }
    });
    return () => {
      unsubscribe();
      stream.close();
      clearTimeout(hideTimer.current);
    };
  }, [mode.locationId]);

  // Keep the staff session from idling out while the kiosk runs.
  useEffect(() => {
    const timer = window.setInterval(() => {
      refreshSession().catch(() => {});
    }, KIOSK_KEEPALIVE_MS);
    return () => window.clearInterval(timer);
  }, []);

  useEffect(() => {
    document.title = t('kiosk.documentTitle');
  }, [t]);
  useEffect(
    () => () => {
      document.title = tRef.current('app.name');
    },
    [],
  );

  const exit = () => {
    setConfirming(false);
    leaveFullscreen();
    stopKiosk();
    navigate('/kiosk', { replace: true });
  };

  const shown = current ? describe(t, current.tap) : null;
  const connectionText =
    connection === 'open' ? t('kiosk.connection.open') : connection === 'connecting' ? t('kiosk.connection.connecting') : t('kiosk.connection.reconnecting');

  return (
    <div className="kiosk" data-testid="kiosk" data-resyncs={resyncs}>
      <header className="kiosk__bar">
        <span className="kiosk__place" data-testid="kiosk-place">
          {mode.locationName ?? t('kiosk.allLocations')}
        </span>
        <span className="kiosk__connection" role="status" data-testid="kiosk-connection" data-state={connection}>
          <span
            className={`indicator ${connection === 'open' ? 'indicator--ok' : connection === 'connecting' ? 'indicator--unknown' : 'indicator--bad'}`}
            aria-hidden="true"
          />
          {connectionText}
        </span>
        <LanguageSwitch />
      </header>
      <main className="kiosk__main">
        <div className="kiosk__clock" data-testid="kiosk-clock">
          <time dateTime={now.toISOString()} className="kiosk__time">
            {clock.format(now)}
          </time>
          <span className="kiosk__date">{date.format(now)}</span>
        </div>
        <div
          className={`kiosk__message kiosk__message--${shown ? shown.tone : 'idle'}`}
          role="status"
          aria-live="assertive"
          data-testid="kiosk-message"
          data-outcome={shown ? shown.outcome : 'idle'}
          key={current ? current.id : 'idle'}
        >
          <p className="kiosk__headline" data-testid="kiosk-headline">
            {shown ? shown.headline : t('kiosk.idle')}
          </p>
          {shown?.detail ? (
            <p className="kiosk__detail" data-testid="kiosk-detail">
              {shown.detail}
            </p>
          ) : null}
          {shown?.device ? <p className="kiosk__device">{shown.device}</p> : null}
        </div>
        {signing ? (
          <div className="kiosk__sign" data-testid="kiosk-sign">
            <SignaturePad
              key={signing.attendanceId}
              title={signing.name ? t('kiosk.signTitle', { name: signing.name }) : t('kiosk.signTitleAnonymous')}
              hint={t('kiosk.signHint')}
              submitLabel={t('kiosk.signSubmit')}
              onCancel={() => setSigning(null)}
              onSubmit={async (signature) => {
                await signCheckIn(signing.attendanceId, signature);
                setSigned(signing.name ? t('kiosk.signed', { name: signing.name }) : t('kiosk.signedAnonymous'));
                setSigning(null);
              }}
              testId="kiosk-signature"
            />
          </div>
        ) : signed ? (
          <p className="kiosk__detail" role="status" data-testid="kiosk-signed">
            {signed}
          </p>
        ) : null}
      </main>
      <footer className="kiosk__foot">
        <button type="button" className="button button--small kiosk__exit" onClick={() => setConfirming(true)} data-testid="kiosk-exit">
          {t('kiosk.exit')}
        </button>
      </footer>
      <ConfirmDialog
        open={confirming}
        title={t('kiosk.exitConfirm.title')}
        text={t('kiosk.exitConfirm.text')}
        confirmLabel={t('kiosk.exitConfirm.confirm')}
        cancelLabel={t('kiosk.exitConfirm.keep')}
        onCancel={() => setConfirming(false)}
        onConfirm={exit}
        testId="kiosk-exit-dialog"
      />
    </div>
  );
}
