import { useState } from 'react';
import { createCalendarFeed, getCalendarFeed, revokeCalendarFeed } from '../api/publicPages';
import { handleAuthError } from '../auth';
import { useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { LocalTime, useLocalDateTimeFormat } from './EventTimes';
import { MessageLine, type Message } from './MessageLine';

/**
 * The staff member's calendar subscription (issue 23): a secret feed URL of
 * the sessions they teach, shown once; a new one ends the old one.
 */
export function CalendarFeedCard() {
  const { t } = useI18n();
  const [round, setRound] = useState(0);
  const load = useKeyedLoad(`calendar-feed-${round}`, getCalendarFeed);
  const format = useLocalDateTimeFormat();
  const [url, setUrl] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);
  const active = load.state === 'ok' && load.value.active;

  const run = async (action: 'create' | 'revoke') => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      if (action === 'create') {
        setUrl((await createCalendarFeed()).url);
      } else {
        await revokeCalendarFeed();
        setUrl(null);
        setMessage({ kind: 'ok', text: t('feed.revoked') });
      }
      setRound((r) => r + 1);
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: t('feed.error') });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="feed-title" data-testid="calendar-feed">
      <h2 id="feed-title">{t('feed.title')}</h2>
      <p className="muted">{t('feed.intro')}</p>
      {load.state === 'ok' ? (
        <p data-testid="calendar-feed-status" data-active={active}>
          {load.value.active && load.value.created_at ? (
            <>
              {t('feed.active')} <LocalTime value={load.value.created_at} format={format} />.
            </>
          ) : (
            t('feed.none')
          )}
        </p>
      ) : null}
      {url ? (
        <div className="stack">
          <p className="small">{t('feed.url')}</p>
          <input className="mono" readOnly value={url} aria-label={t('feed.url')} data-testid="calendar-feed-url" onFocus={(e) => e.target.select()} />
        </div>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button button--primary" disabled={busy} onClick={() => void run('create')} data-testid="calendar-feed-create">
          {active ? t('feed.replace') : t('feed.create')}
        </button>
        {active ? (
          <button type="button" className="button" disabled={busy} onClick={() => void run('revoke')} data-testid="calendar-feed-revoke">
            {t('feed.revoke')}
          </button>
        ) : null}
      </div>
      <MessageLine message={message} testId="calendar-feed-message" />
    </section>
  );
}
