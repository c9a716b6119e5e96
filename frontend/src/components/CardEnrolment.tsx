import { useEffect, useId, useState } from 'react';
import { getSecureCards, listDevices, startCardEnrolment, type Device } from '../api/devices';
import { handleAuthError } from '../auth';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { problemMessage, type ProblemWording } from '../problems';
import { MessageLine, type Message } from './MessageLine';

/** The server gives two minutes; a countdown longer than this means the clocks disagree. */
const WINDOW_MS = 120_000;

/** How often the device list is asked whether the card has been tapped. */
const POLL_MS = 2000;

type Pending = { deviceId: string; deviceName: string; deadline: number };

type Outcome = 'bound' | 'expired' | 'replaced' | null;

/** Milliseconds until `expiresAt` (server UTC) by the browser's clock; two minutes if the clocks disagree. */
function deadlineOf(expiresAt: string): number {
  const expires = parseUtc(expiresAt)?.getTime();
  const now = Date.now();
  if (expires === undefined || expires - now <= 0 || expires - now > WINDOW_MS + 5000) return now + WINDOW_MS;
  return expires;
}

function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}

/** This panel's sentences for some problem codes (the rest: `problemMessage`). */
const CARD_WORDING: ProblemWording = {
  device_revoked: 'devices.error.revoked',
  forbidden: 'events.error.forbidden',
  not_found: 'devices.error.notFound',
};

/**
 * "Assign card" (docs/attendance-api.md): choose a device, and the next card
 * tapped on it within two minutes belongs to the participant. Shows the
 * countdown and, by asking the device list, when the card has been bound.
 */
export function CardEnrolmentPanel({ participantId, name, onClose }: { participantId: string; name: string; onClose: () => void }) {
  const { t } = useI18n();
  const devices = useKeyedLoad('devices-for-cards', listDevices);
  // Secure cards on: a blank NTAG 424 DNA is set up by the device's agent (docs/agent.md).
  const secure = useKeyedLoad('secure-cards', getSecureCards);
  const secureOn = secure.state === 'ok' && secure.value.enabled;
  const [deviceId, setDeviceId] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [now, setNow] = useState(() => Date.now());
  const selectId = useId();
  const titleId = useId();
  const active: Device[] = devices.state === 'ok' ? devices.value.filter((d) => d.status === 'active') : [];

  // The countdown, and whether the device still waits for this participant's card.
  useEffect(() => {
    if (!pending || outcome) return;
    const tick = window.setInterval(() => setNow(Date.now()), 250);
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const controller = new AbortController();
    const poll = async () => {
      try {
        const list = await listDevices(controller.signal);
        if (stopped) return;
        const device = list.find((d) => d.id === pending.deviceId);
        if (device && device.card_enrolment_for !== participantId) {
          setOutcome(device.card_enrolment_for === null && device.status === 'active' ? 'bound' : 'replaced');
          return;
        }
      } catch (err) {
        handleAuthError(err);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearInterval(tick);
      clearTimeout(timer);
      controller.abort();
    };
  }, [pending, outcome, participantId]);

  const left = pending ? pending.deadline - now : 0;
  useEffect(() => {
    if (pending && !outcome && left <= 0) setOutcome('expired');
  }, [pending, outcome, left]);

  const start = async () => {
    const device = active.find((d) => d.id === deviceId);
    if (busy || !device) {
      if (!device) setMessage({ kind: 'error', text: t('cards.chooseDevice') });
      return;
    }
    setBusy(true);
    setMessage(null);
    try {
      const answer = await startCardEnrolment(device.id, participantId);
      setOutcome(null);
      setNow(Date.now());
      setPending({ deviceId: device.id, deviceName: device.settings.name, deadline: deadlineOf(answer.expires_at) });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('cards.error'), CARD_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="role-editor card-enrolment" role="group" aria-labelledby={titleId} data-testid="card-enrolment">
      <h3 id={titleId} className="role-editor__title">
        {t('cards.title', { name })}
      </h3>
      <p className="small muted">{t('cards.intro')}</p>
      {devices.state === 'loading' ? <p className="small muted">{t('devices.loading')}</p> : null}
      {devices.state === 'forbidden' ? (
        <p className="alert alert--error" role="alert" data-testid="card-devices-forbidden">
          {t('cards.devicesForbidden')}
        </p>
      ) : null}
      {devices.state === 'error' ? (
        <p className="alert alert--error" role="alert">
          {t('devices.error')}
        </p>
      ) : null}
      {devices.state === 'ok' ? (
        active.length === 0 ? (
          <p className="muted" data-testid="card-no-devices">
            {t('cards.noDevices')}
          </p>
        ) : (
          <div className="form form--inline">
            <div className="field">
              <label htmlFor={selectId}>{t('cards.device')}</label>
              <select id={selectId} value={deviceId} disabled={busy} onChange={(e) => setDeviceId(e.target.value)} data-testid="card-device">
                <option value="">{t('cards.chooseDevice')}</option>
                {active.map((device) => (
                  <option key={device.id} value={device.id}>
                    {device.settings.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="form__actions">
              <button type="button" className="button button--primary" disabled={busy || !deviceId} onClick={() => void start()} data-testid="card-start">
                {pending && !outcome ? t('cards.restart') : t('cards.start')}
              </button>
              <button type="button" className="button" onClick={onClose} data-testid="card-close">
                {t('cards.close')}
              </button>
            </div>
          </div>
        )
      ) : null}
      <MessageLine message={message} testId="card-message" />
      {pending && !outcome ? (
        <p className="alert alert--warn card-pending" role="status" data-testid="card-pending">
          <span>{t('cards.pending', { device: pending.deviceName })}</span>{' '}
          <strong className="card-countdown" data-testid="card-countdown" aria-label={t('cards.countdownLabel')}>
            {countdown(left)}
          </strong>
        </p>
      ) : null}
      {pending && !outcome && secureOn ? (
        <p className="small" data-testid="card-secure-hint">
          {t('cards.secureHint', { device: pending.deviceName })} <code>anwesend-agent card provision</code> {t('cards.secureHintAfter')}
        </p>
      ) : null}
      {pending && outcome ? (
        <p
          className={outcome === 'bound' ? 'alert alert--ok' : 'alert alert--error'}
          role={outcome === 'bound' ? 'status' : 'alert'}
          data-testid="card-result"
          data-outcome={outcome}
        >
          {outcome === 'bound'
            ? t('cards.bound', { name, device: pending.deviceName })
            : outcome === 'expired'
              ? t('cards.expired', { device: pending.deviceName })
              : t('cards.replaced', { device: pending.deviceName })}
        </p>
      ) : null}
    </div>
  );
}
