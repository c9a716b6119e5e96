import { useRef, useState } from 'react';
import { ApiError, isAbort } from '../api/client';
import { searchParticipants, type ParticipantMatch } from '../api/events';
import { handleAuthError } from '../auth';
import { useI18n } from '../i18n';
import { withDetail } from '../problems';

/** Where a participant search stands (participants page, the request form). */
export type ParticipantSearch =
  | { state: 'idle' }
  | { state: 'loading'; q: string }
  | { state: 'ok'; q: string; matches: ParticipantMatch[] }
  | { state: 'error'; q: string; text: string };

/** A participant search by whole name words or email; a new search aborts the one before. */
export function useParticipantSearch() {
  const { t } = useI18n();
  const [search, setSearch] = useState<ParticipantSearch>({ state: 'idle' });
  const controllerRef = useRef<AbortController | null>(null);
  const run = async (query: string) => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    setSearch({ state: 'loading', q: query });
    try {
      const matches = await searchParticipants(query, controller.signal);
      setSearch({ state: 'ok', q: query, matches });
    } catch (err) {
      if (isAbort(err)) return;
      handleAuthError(err);
      let text: string;
      if (err instanceof ApiError && err.status === 403) text = t('participants.forbidden');
      else if (err instanceof ApiError && err.status === 422) text = withDetail(t, t('participants.invalid'), err);
      else if (err instanceof ApiError) text = withDetail(t, t('participants.error'), err);
      else text = t('login.error.unreachable');
      setSearch({ state: 'error', q: query, text });
    }
  };
  return { search, setSearch, run };
}

/** The search's status line: loading, the error, or how many were found for what. */
export function ParticipantSearchStatus({ search, testId }: { search: ParticipantSearch; testId: string }) {
  const { t } = useI18n();
  switch (search.state) {
    case 'loading':
      return (
        <p className="muted" role="status" data-testid={testId} data-state="loading">
          {t('participants.loading')}
        </p>
      );
    case 'error':
      return (
        <p className="alert alert--error" role="alert" data-testid={testId} data-state="error">
          {search.text}
        </p>
      );
    case 'ok':
      return (
        <p className="muted" data-testid={testId} data-state="ok">
          {search.matches.length === 0
            ? t('participants.none', { q: search.q })
            : t('participants.summary', { count: search.matches.length, q: search.q })}
        </p>
      );
    default:
      return null;
  }
}
