import { useCallback, useId, useState, type FormEvent } from 'react';
import { changePassword, endOtherSessions, endSession, listSessions, type SessionView } from '../api/account';
import { ApiError } from '../api/client';
import { confirmTotp, disableTotp, setupTotp, type TotpSetup } from '../api/mfa';
import { applyMe, can, handleAuthError, refreshSession, type Account } from '../auth';
import { CalendarFeedCard } from '../components/CalendarFeedCard';
import { FormField } from '../components/FormField';
import { LogTable, TimeCell, useTenantTimeFormat } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { PasskeysCard } from '../components/PasskeysCard';
import { QrCode } from '../components/QrCode';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { problemMessage, withDetail } from '../problems';

/**
 * The signed-in user's own account: active sessions (TOM ACC-8), password
 * change (TOM ACC-5), passkeys and the second factor (TOTP). While the tenant requires a
 * second factor the account has not set up yet (`stage: "enrol"`), this page
 * shows the enrolment only.
 */
export function AccountPage() {
  return <RequireAuth>{(account) => <AccountView account={account} />}</RequireAuth>;
}

/** Shortest new password the server accepts. */
const MIN_PASSWORD_LENGTH = 12;

function AccountView({ account }: { account: Account }) {
  const { t } = useI18n();
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const enrol = account.stage === 'enrol';

  // The cards keep their places (null where hidden), so the second-factor card
  // keeps its state (the recovery codes) when the enrolment completes the sign-in.
  return (
    <div className="stack">
      <section aria-labelledby="my-account-title">
        <h1 id="my-account-title">{t('myAccount.title')}</h1>
        <p className="muted">{t('myAccount.intro')}</p>
      </section>
      {enrol ? (
        <p className="alert alert--warn" role="alert" data-testid="mfa-enrol-required">
          {account.is_platform_admin ? t('mfa.enrolRequiredPlatform') : t('mfa.enrolRequired')}
        </p>
      ) : null}
      {enrol ? null : <SessionsCard round={round} reload={reload} />}
      {enrol ? null : <PasswordCard onChanged={reload} />}
      <PasskeysCard account={account} />
      {!enrol && can(account, 'events.read') ? <CalendarFeedCard /> : null}
      {account.passkey_required && !account.mfa_enabled ? null : <SecondFactorCard account={account} />}
    </div>
  );
}

const SESSION_COLUMNS: readonly MessageKey[] = [
  'myAccount.sessions.device',
  'myAccount.sessions.createdAt',
  'myAccount.sessions.lastSeenAt',
  'myAccount.sessions.ipKey',
  'myAccount.sessions.actions',
];

function SessionsCard({ round, reload }: { round: number; reload: () => void }) {
  const { t } = useI18n();
  const format = useTenantTimeFormat();
  const load = useKeyedLoad(String(round), listSessions);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);

  const sessions: SessionView[] = load.state === 'ok' ? load.value : [];
  const others = sessions.filter((s) => !s.current).length;

  const run = async (which: string, action: () => Promise<number>) => {
    if (busy) return;
    setBusy(which);
    setMessage(null);
    try {
      const ended = await action();
      setMessage({ kind: 'ok', text: t('myAccount.sessions.ended', { count: ended }) });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: withDetail(t, t('myAccount.sessions.endError'), err) });
    } finally {
      setBusy(null);
      reload();
    }
  };

  let status: string;
  if (load.state === 'loading') status = t('myAccount.sessions.loading');
  else if (load.state === 'ok') status = t('myAccount.sessions.summary', { count: sessions.length });
  else status = t('myAccount.sessions.error');

  return (
    <section className="card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">{t('myAccount.sessions.title')}</h2>
      <LogTable name="sessions" load={load} status={status} caption="myAccount.sessions.caption" columns={SESSION_COLUMNS}>
        {sessions.map((session) => (
          <tr key={session.id} data-testid="session-row" data-id={session.id} data-current={session.current ? 'true' : 'false'}>
            <td>{session.device}</td>
            <TimeCell value={session.created_at} format={format} />
            <TimeCell value={session.last_seen_at} format={format} />
            <td className="mono">{session.ip_key_id ?? t('common.none')}</td>
            <td>
              {session.current ? (
                <span className="badge badge--current" data-testid="session-current">
                  {t('myAccount.sessions.current')}
                </span>
              ) : (
                <button
                  type="button"
                  className="button button--small"
                  disabled={busy !== null}
                  onClick={() => void run(session.id, () => endSession(session.id))}
                  data-testid="session-end"
                >
                  {busy === session.id ? t('myAccount.sessions.ending') : t('myAccount.sessions.end')}
                </button>
              )}
            </td>
          </tr>
        ))}
      </LogTable>
      <div className="button-row">
        <button
          type="button"
          className="button"
          disabled={busy !== null || load.state !== 'ok' || others === 0}
          onClick={() => void run('others', endOtherSessions)}
          data-testid="sessions-end-others"
        >
          {busy === 'others' ? t('myAccount.sessions.ending') : t('myAccount.sessions.endOthers')}
        </button>
      </div>
      <MessageLine message={message} testId="sessions-message" />
    </section>
  );
}

type PasswordField = 'current' | 'new' | 'repeat';

/** The server's problem `field` → the input it is about. */
function fieldOf(field: string | null | undefined): PasswordField | null {
  if (field === 'current_password') return 'current';
  if (field === 'password' || field === 'new_password') return 'new';
  return null;
}

function PasswordCard({ onChanged }: { onChanged: () => void }) {
  const { t } = useI18n();
  // The passwords live in this component's state only and are emptied after every submit.
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [saving, setSaving] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<PasswordField, string>>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const currentId = useId();
  const newId = useId();
  const repeatId = useId();
  const hintId = useId();

  const clear = () => {
    setCurrent('');
    setNext('');
    setRepeat('');
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    if (next.length < MIN_PASSWORD_LENGTH) {
      setFieldErrors({ new: t('myAccount.password.error.tooShort') });
      clear();
      return;
    }
    if (next !== repeat) {
      setFieldErrors({ repeat: t('myAccount.password.error.mismatch') });
      clear();
      return;
    }
    setFieldErrors({});
    setSaving(true);
    const currentValue = current;
    const newValue = next;
    clear();
    try {
      const ended = await changePassword(currentValue, newValue);
      setMessage({ kind: 'ok', text: t('myAccount.password.changed', { count: ended }) });
      onChanged();
    } catch (err) {
      handleAuthError(err);
      if (err instanceof ApiError && (err.status === 429 || err.code === 'rate_limited')) {
        setMessage({
          kind: 'error',
          text:
            err.retryAfter === null
              ? t('myAccount.password.error.rateLimitedLater')
              : t('myAccount.password.error.rateLimited', { seconds: err.retryAfter }),
        });
      } else if (err instanceof ApiError && err.status === 422 && fieldOf(err.problem?.field)) {
        const field = fieldOf(err.problem?.field);
        const problemField = err.problem?.field;
        let text: string;
        if (problemField === 'current_password') text = t('myAccount.password.error.current');
        else if (problemField === 'new_password') text = t('myAccount.password.error.same');
        else text = t('myAccount.password.error.tooShort');
        if (field) setFieldErrors({ [field]: text });
      } else {
        setMessage({ kind: 'error', text: withDetail(t, t('myAccount.password.error.generic'), err) });
      }
    } finally {
      setSaving(false);
    }
  };

  const errorOf = (field: PasswordField) =>
    fieldErrors[field]
      ? { id: `${field}-password-error`, text: fieldErrors[field], testId: `password-${field}-error` }
      : undefined;

  return (
    <section className="card" aria-labelledby="password-title">
      <h2 id="password-title">{t('myAccount.password.title')}</h2>
      <p className="muted">{t('myAccount.password.intro')}</p>
      <form className="form form--narrow" onSubmit={(e) => void onSubmit(e)} noValidate>
        <FormField
          id={currentId}
          label={t('myAccount.password.current')}
          error={errorOf('current')}
          type="password"
          required
          autoComplete="current-password"
          value={current}
          onChange={(e) => setCurrent(e.target.value)}
          data-testid="password-current"
        />
        <FormField
          id={newId}
          label={t('myAccount.password.new')}
          hint={{ id: hintId, text: t('myAccount.password.hint') }}
          error={errorOf('new')}
          type="password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          autoComplete="new-password"
          value={next}
          onChange={(e) => setNext(e.target.value)}
          data-testid="password-new"
        />
        <FormField
          id={repeatId}
          label={t('myAccount.password.repeat')}
          error={errorOf('repeat')}
          type="password"
          required
          autoComplete="new-password"
          value={repeat}
          onChange={(e) => setRepeat(e.target.value)}
          data-testid="password-repeat"
        />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="password-submit">
            {saving ? t('myAccount.password.submitting') : t('myAccount.password.submit')}
          </button>
        </div>
      </form>
      <MessageLine message={message} testId="password-message" />
    </section>
  );
}

/** The second factor (TOTP): status, enrolment with QR code and recovery codes, switching it off. */
function SecondFactorCard({ account }: { account: Account }) {
  const { t } = useI18n();
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [code, setCode] = useState('');
  // The password confirms the enrolment; a second one switches the factor off.
  const [confirmPassword, setConfirmPassword] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<'setup' | 'confirm' | 'disable' | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const codeId = useId();
  const codeHintId = useId();
  const confirmPasswordId = useId();
  const passwordId = useId();
  const enabled = account.mfa_enabled;

  const start = async () => {
    if (busy) return;
    setBusy('setup');
    setMessage(null);
    try {
      setSetup(await setupTotp());
      setCode('');
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: withDetail(t, t('mfa.error.setup'), err) });
    } finally {
      setBusy(null);
    }
  };

  const confirm = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = code.replace(/\s+/g, '');
    const secret = confirmPassword;
    if (busy || !value || !secret) return;
    setBusy('confirm');
    setMessage(null);
    setCode('');
    setConfirmPassword('');
    try {
      const confirmed = await confirmTotp(value, secret);
      setRecoveryCodes(confirmed.recovery_codes);
      setSetup(null);
      // A new session when the sign-in was waiting for this enrolment.
      applyMe(confirmed.me);
      setMessage({ kind: 'ok', text: t('mfa.enabled') });
    } catch (err) {
      handleAuthError(err);
      setMessage({
        kind: 'error',
        text: problemMessage(t, err, t('mfa.error.confirm'), {
          invalid_code: 'mfa.error.invalidCode',
          invalid_credentials: 'mfa.error.password',
        }),
      });
    } finally {
      setBusy(null);
    }
  };

  const disable = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy || !password) return;
    const value = password;
    setPassword('');
    setBusy('disable');
    setMessage(null);
    try {
      await disableTotp(value);
      setRecoveryCodes(null);
      await refreshSession();
      setMessage({ kind: 'ok', text: t('mfa.disabled') });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('mfa.error.disable'), { invalid_credentials: 'mfa.error.password' }) });
    } finally {
      setBusy(null);
    }
  };

  return (
    <section className="card" aria-labelledby="mfa-title" data-testid="mfa-card">
      <h2 id="mfa-title">{t('mfa.title')}</h2>
      <p className="muted">{t('mfa.intro')}</p>
      <p data-testid="mfa-status" data-state={enabled ? 'on' : 'off'}>
        <span className={enabled ? 'badge badge--ok' : 'badge badge--off'}>{enabled ? t('mfa.status.on') : t('mfa.status.off')}</span>
      </p>

      {recoveryCodes ? (
        <div className="recovery" data-testid="mfa-recovery">
          <h3>{t('mfa.recovery.title')}</h3>
          <p className="alert alert--warn">{t('mfa.recovery.hint')}</p>
          <ol className="recovery__codes mono" data-testid="mfa-recovery-codes">
            {recoveryCodes.map((recoveryCode) => (
              <li key={recoveryCode} data-testid="mfa-recovery-code">
                {recoveryCode}
              </li>
            ))}
          </ol>
          <div className="button-row">
            <button type="button" className="button" onClick={() => setRecoveryCodes(null)} data-testid="mfa-recovery-done">
              {t('mfa.recovery.done')}
            </button>
          </div>
        </div>
      ) : null}

      {!enabled && !setup ? (
        <div className="button-row">
          <button
            type="button"
            className="button button--primary"
            disabled={busy !== null}
            onClick={() => void start()}
            data-testid="mfa-setup"
          >
            {busy === 'setup' ? t('mfa.setup.starting') : t('mfa.setup.start')}
          </button>
        </div>
      ) : null}

      {!enabled && setup ? (
        <div className="totp-setup" data-testid="mfa-setup-panel">
          <ol className="totp-setup__steps">
            <li>
              <p>{t('mfa.setup.scan')}</p>
              <QrCode qr={setup.qr} label={t('mfa.setup.qrLabel')} testId="mfa-qr" />
            </li>
            <li>
              <p>{t('mfa.setup.manual')}</p>
              <p className="totp-setup__secret mono" data-testid="mfa-secret">
                {setup.secret.replace(/(.{4})/g, '$1 ').trim()}
              </p>
              <p className="small">
                <a href={setup.otpauth_uri} data-testid="mfa-otpauth">
                  {t('mfa.setup.openApp')}
                </a>
              </p>
            </li>
            <li>
              <form className="form form--narrow" onSubmit={(e) => void confirm(e)}>
                <FormField
                  id={codeId}
                  label={t('mfa.setup.code')}
                  hint={{ id: codeHintId, text: t('mfa.setup.codeHint') }}
                  type="text"
                  inputMode="numeric"
                  autoComplete="one-time-code"
                  spellCheck={false}
                  maxLength={10}
                  required
                  value={code}
                  onChange={(e) => setCode(e.target.value)}
                  data-testid="mfa-confirm-code"
                />
                <FormField
                  id={confirmPasswordId}
                  label={t('mfa.setup.password')}
                  type="password"
                  autoComplete="current-password"
                  required
                  value={confirmPassword}
                  onChange={(e) => setConfirmPassword(e.target.value)}
                  data-testid="mfa-confirm-password"
                />
                <div className="form__actions">
                  <button type="submit" className="button button--primary" disabled={busy !== null} data-testid="mfa-confirm-submit">
                    {busy === 'confirm' ? t('mfa.setup.confirming') : t('mfa.setup.confirm')}
                  </button>
                  <button
                    type="button"
                    className="button"
                    disabled={busy !== null}
                    onClick={() => {
                      setSetup(null);
                      setMessage(null);
                    }}
                    data-testid="mfa-setup-cancel"
                  >
                    {t('mfa.setup.cancel')}
                  </button>
                </div>
              </form>
            </li>
          </ol>
        </div>
      ) : null}

      {enabled && account.stage === 'full' ? (
        <form className="form form--narrow" onSubmit={(e) => void disable(e)}>
          <h3>{t('mfa.disable.title')}</h3>
          <FormField
            id={passwordId}
            label={t('mfa.disable.password')}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="mfa-disable-password"
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy !== null} data-testid="mfa-disable-submit">
              {busy === 'disable' ? t('mfa.disable.submitting') : t('mfa.disable.submit')}
            </button>
          </div>
        </form>
      ) : null}

      <MessageLine message={message} testId="mfa-message" />
    </section>
  );
}
