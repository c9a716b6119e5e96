import { useCallback, useId, useState, type FormEvent } from 'react';
import { addPasskey, listPasskeys, removePasskey, type PasskeyView } from '../api/passkeys';
import { applyMe, handleAuthError, type Account } from '../auth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad } from '../load';
import { problemMessage } from '../problems';
import { passkeysSupported, wasCancelled } from '../webauthn';
import { FormField } from './FormField';
import { LogTable, TimeCell, useTenantTimeFormat } from './LogTable';
import { MessageLine, type Message } from './MessageLine';

const COLUMNS: readonly MessageKey[] = ['passkeys.name', 'passkeys.createdAt', 'passkeys.lastUsedAt', 'passkeys.actions'];

/**
 * Passkeys under "Mein Konto" (TOM ACC-6): add one (a name and the password, then the
 * browser's dialog), the list with the last use, remove one (the password again). While
 * the sign-in waits for enrolment only adding is offered.
 */
export function PasskeysCard({ account }: { account: Account }) {
  const { t } = useI18n();
  const format = useTenantTimeFormat();
  const enrol = account.stage === 'enrol';
  const [round, setRound] = useState(0);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  const load = useKeyedLoad(enrol ? 'enrol' : String(round), (signal) => (enrol ? Promise.resolve([]) : listPasskeys(signal)));
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [removing, setRemoving] = useState<PasskeyView | null>(null);
  const [removePassword, setRemovePassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const nameId = useId();
  const passwordId = useId();
  const removePasswordId = useId();

  const passkeys: PasskeyView[] = load.state === 'ok' ? load.value : [];

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const secret = password;
    if (busy || !name.trim() || !secret) return;
    setPassword('');
    setBusy(true);
    setMessage(null);
    try {
      const added = await addPasskey(name.trim(), secret);
      setName('');
      // A new session when the sign-in was waiting for this enrolment.
      applyMe(added.me);
      setMessage({ kind: 'ok', text: t('passkeys.added', { name: added.passkey.name }) });
      reload();
    } catch (err) {
      handleAuthError(err);
      setMessage({
        kind: 'error',
        text: wasCancelled(err)
          ? t('login.passkey.cancelled')
          : problemMessage(t, err, t('passkeys.error.add'), { invalid_credentials: 'mfa.error.password' }),
      });
    } finally {
      setBusy(false);
    }
  };

  const remove = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const secret = removePassword;
    if (busy || !removing || !secret) return;
    setRemovePassword('');
    setBusy(true);
    setMessage(null);
    try {
      await removePasskey(removing.id, secret);
      setMessage({ kind: 'ok', text: t('passkeys.removed', { name: removing.name }) });
      setRemoving(null);
      reload();
    } catch (err) {
      handleAuthError(err);
      setMessage({
        kind: 'error',
        text: problemMessage(t, err, t('passkeys.error.remove'), { invalid_credentials: 'mfa.error.password' }),
      });
    } finally {
      setBusy(false);
    }
  };

  let status: string;
  if (load.state === 'loading') status = t('passkeys.loading');
  else if (load.state === 'ok') status = t('passkeys.summary', { count: passkeys.length });
  else status = t('passkeys.error.load');

  return (
    <section className="card" aria-labelledby="passkeys-title" data-testid="passkeys-card">
      <h2 id="passkeys-title">{t('passkeys.title')}</h2>
      <p className="muted">{account.passkey_required ? t('passkeys.required') : t('passkeys.intro')}</p>
      {enrol ? null : (
        <LogTable name="passkeys" load={load} status={status} caption="passkeys.caption" columns={COLUMNS}>
          {passkeys.map((passkey) => (
            <tr key={passkey.id} data-testid="passkey-row" data-id={passkey.id}>
              <td data-testid="passkey-name">{passkey.name}</td>
              <TimeCell value={passkey.created_at} format={format} />
              {passkey.last_used_at ? (
                <TimeCell value={passkey.last_used_at} format={format} />
              ) : (
                <td data-testid="passkey-unused">{t('passkeys.neverUsed')}</td>
              )}
              <td>
                <button
                  type="button"
                  className="button button--small"
                  disabled={busy}
                  onClick={() => {
                    setRemoving(passkey);
                    setMessage(null);
                  }}
                  data-testid="passkey-remove"
                >
                  {t('passkeys.remove')}
                </button>
              </td>
            </tr>
          ))}
        </LogTable>
      )}

      {removing ? (
        <form className="form form--narrow" onSubmit={(e) => void remove(e)} data-testid="passkey-remove-form">
          <h3>{t('passkeys.removeTitle', { name: removing.name })}</h3>
          <FormField
            id={removePasswordId}
            label={t('mfa.disable.password')}
            type="password"
            autoComplete="current-password"
            required
            value={removePassword}
            onChange={(e) => setRemovePassword(e.target.value)}
            data-testid="passkey-remove-password"
          />
          <div className="form__actions">
            <button type="submit" className="button" disabled={busy} data-testid="passkey-remove-submit">
              {t('passkeys.remove')}
            </button>
            <button type="button" className="button" disabled={busy} onClick={() => setRemoving(null)}>
              {t('mfa.setup.cancel')}
            </button>
          </div>
        </form>
      ) : null}

      {passkeysSupported() ? (
        <form className="form form--narrow" onSubmit={(e) => void add(e)}>
          <h3>{t('passkeys.addTitle')}</h3>
          <FormField
            id={nameId}
            label={t('passkeys.newName')}
            type="text"
            maxLength={64}
            required
            placeholder={t('passkeys.namePlaceholder')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="passkey-name-input"
          />
          <FormField
            id={passwordId}
            label={t('mfa.setup.password')}
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            data-testid="passkey-password"
          />
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={busy} data-testid="passkey-add">
              {busy ? t('passkeys.adding') : t('passkeys.add')}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">{t('passkeys.unsupported')}</p>
      )}
      <MessageLine message={message} testId="passkeys-message" />
    </section>
  );
}
