import { useId, useState } from 'react';
import { ApiError } from '../api/client';
import { setRestriction } from '../api/subjectRequests';
import { handleAuthError } from '../auth';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';
import { withDetail } from '../problems';
import { useLocalDateTimeFormat } from './EventTimes';
import { MessageLine, type Message } from './MessageLine';

interface RestrictionPanelProps {
  participantId: string;
  name: string;
  /** Since when the person is restricted (server UTC); null if not. */
  restrictedAt: string | null | undefined;
  /** The new state after a change (the caller shows it elsewhere too, e.g. a badge). */
  onChange: (restrictedAt: string | null) => void;
  /** Shows a "close" button (in a table row); without it the panel stays. */
  onClose?: (() => void) | undefined;
}

/**
 * Restriction of processing (Art. 18 GDPR, TOM RIGHTS-2; tenant admins): the
 * person's data stays stored, but they cannot book, are not checked in and
 * get no mails until it is lifted. Shows the state and one button to set or
 * lift it; the server's reason is shown on an error.
 */
export function RestrictionPanel({ participantId, name, restrictedAt, onChange, onClose }: RestrictionPanelProps) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const titleId = useId();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const restricted = restrictedAt != null;
  const since = restrictedAt ? parseUtc(restrictedAt) : null;

  const change = async (next: boolean) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const answer = await setRestriction(participantId, next);
      onChange(answer.restricted_at ?? null);
    } catch (err) {
      handleAuthError(err);
      let text: string;
      if (err instanceof ApiError && err.status === 404) text = t('participants.restriction.notFound');
      else if (err instanceof ApiError && err.status === 403) text = t('requests.forbidden');
      else if (err instanceof ApiError) text = withDetail(t, t('participants.restriction.error'), err);
      else text = t('login.error.unreachable');
      setMessage({ kind: 'error', text });
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="role-editor restriction-panel no-print" role="group" aria-labelledby={titleId} data-testid="restriction-panel">
      <h3 id={titleId} className="role-editor__title">
        {t('participants.restriction.title', { name })}
      </h3>
      <p className="small muted">{t('participants.restriction.intro')}</p>
      <p
        className={restricted ? 'alert alert--warn' : 'muted'}
        role="status"
        data-testid="restriction-state"
        data-restricted={restricted ? 'true' : 'false'}
      >
        {restricted
          ? t('participants.restriction.restricted', { name, since: since ? format.format(since) : (restrictedAt ?? '') })
          : t('participants.restriction.lifted', { name })}
      </p>
      <MessageLine message={message} testId="restriction-message" />
      <div className="button-row">
        {restricted ? (
          <button type="button" className="button" disabled={busy} onClick={() => void change(false)} data-testid="restriction-lift">
            {t('participants.restriction.lift')}
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={busy}
            onClick={() => void change(true)}
            data-testid="restriction-set"
          >
            {t('participants.restriction.restrict')}
          </button>
        )}
        {onClose ? (
          <button type="button" className="button" onClick={onClose} data-testid="restriction-close">
            {t('participants.restriction.close')}
          </button>
        ) : null}
      </div>
    </div>
  );
}
