import { useCallback, useId, useState, type FormEvent } from 'react';
import { changePassword, endOtherSessions, endSession, listSessions, type SessionView } from '../api/account';
import { ApiError } from '../api/client';
import { handleAuthError } from '../auth';
import { FormField } from '../components/FormField';
import { LogTable, TimeCell, useUtcTimeFormat } from '../components/LogTable';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type I18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';

/** The signed-in user's own account: active sessions (TOM ACC-8) and password change (TOM ACC-5). */
export function AccountPage() {
  return <RequireAuth>{() => <AccountView />}</RequireAuth>;
}

/** Shortest new password the server accepts. */
const MIN_PASSWORD_LENGTH = 12;

type Message = { kind: 'ok' | 'error'; text: string };

function errorText(t: I18n['t'], fallback: MessageKey, err: unknown): string {
  const base = t(fallback);
  if (err instanceof ApiError && err.problem?.detail) return `${base} ${t('common.serverSays', { detail: err.problem.detail })}`;
  return base;
}

function AccountView() {
  const { t } = useI18n();
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);

  return (
    <div className="stack">
      <section aria-labelledby="my-account-title">
        <h1 id="my-account-title">{t('myAccount.title')}</h1>
        <p className="muted">{t('myAccount.intro')}</p>
      </section>
      <SessionsCard round={round} reload={reload} />
      <PasswordCard onChanged={reload} />
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
  const format = useUtcTimeFormat();
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
      setMessage({ kind: 'error', text: errorText(t, 'myAccount.sessions.endError', err) });
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
      {message ? (
        <p
          className={message.kind === 'ok' ? 'alert alert--ok' : 'alert alert--error'}
          role={message.kind === 'ok' ? 'status' : 'alert'}
          data-testid="sessions-message"
        >
          {message.text}
        </p>
      ) : null}
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
        setMessage({ kind: 'error', text: errorText(t, 'myAccount.password.error.generic', err) });
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
      {message ? (
        <p
          className={message.kind === 'ok' ? 'alert alert--ok' : 'alert alert--error'}
          role={message.kind === 'ok' ? 'status' : 'alert'}
          data-testid="password-message"
        >
          {message.text}
        </p>
      ) : null}
    </section>
  );
}
