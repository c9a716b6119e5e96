import { useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../api/client';
import { searchParticipants, type ParticipantMatch } from '../api/events';
import { canAssignCards, handleAuthError, type Account } from '../auth';
import { CardEnrolmentPanel } from '../components/CardEnrolment';
import { FormField } from '../components/FormField';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n } from '../i18n';
import { withDetail } from '../problems';
import { href } from '../router';

/**
 * Find participants (admins and organisers) by a whole email address or whole
 * words of the name: names and addresses are stored encrypted and found
 * through blind indexes (TOM PSEUDO-1), so there is no partial-word search.
 * The search words stay in this page's memory (not in the address).
 */
export function ParticipantsPage() {
  return <RequireAuth>{(account) => <ParticipantsView account={account} />}</RequireAuth>;
}

type SearchState =
  | { state: 'idle' }
  | { state: 'loading'; q: string }
  | { state: 'ok'; q: string; matches: ParticipantMatch[] }
  | { state: 'error'; q: string; text: string };

function ParticipantsView({ account }: { account: Account }) {
  const { t } = useI18n();
  const cards = canAssignCards(account);
  const [assigning, setAssigning] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [result, setResult] = useState<SearchState>({ state: 'idle' });
  const [fieldError, setFieldError] = useState<string | null>(null);
  const controllerRef = useRef<AbortController | null>(null);
  const fieldId = useId();
  const hintId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const query = q.trim();
    if (!query) {
      setFieldError(t('form.required'));
      return;
    }
    setFieldError(null);
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    setResult({ state: 'loading', q: query });
    try {
      const matches = await searchParticipants(query, controller.signal);
      setResult({ state: 'ok', q: query, matches });
    } catch (err) {
      if (isAbort(err)) return;
      handleAuthError(err);
      let text: string;
      if (err instanceof ApiError && err.status === 403) text = t('participants.forbidden');
      else if (err instanceof ApiError && err.status === 422) text = withDetail(t, t('participants.invalid'), err);
      else if (err instanceof ApiError) text = withDetail(t, t('participants.error'), err);
      else text = t('login.error.unreachable');
      setResult({ state: 'error', q: query, text });
    }
  };

  return (
    <div className="stack">
      <section aria-labelledby="participants-title">
        <h1 id="participants-title">{t('participants.title')}</h1>
        <p className="muted">{t('participants.intro')}</p>
      </section>
      <section className="card" aria-labelledby="participants-search-title">
        <h2 id="participants-search-title">{t('participants.search.title')}</h2>
        <form className="form form--inline" role="search" onSubmit={(e) => void onSubmit(e)} noValidate>
          <FormField
            id={fieldId}
            label={t('participants.search.label')}
            hint={{ id: hintId, text: t('participants.search.hint') }}
            error={fieldError ? { id: `${fieldId}-error`, text: fieldError, testId: 'participants-q-error' } : undefined}
            type="search"
            autoComplete="off"
            spellCheck={false}
            maxLength={320}
            value={q}
            onChange={(e) => setQ(e.target.value)}
            data-testid="participants-q"
          />
          <div className="form__actions">
            <button
              type="submit"
              className="button button--primary"
              disabled={result.state === 'loading'}
              data-testid="participants-submit"
            >
              {t('participants.search.submit')}
            </button>
          </div>
        </form>
        <div aria-live="polite">
          {result.state === 'loading' ? (
            <p className="muted" role="status" data-testid="participants-status" data-state="loading">
              {t('participants.loading')}
            </p>
          ) : null}
          {result.state === 'error' ? (
            <p className="alert alert--error" role="alert" data-testid="participants-status" data-state="error">
              {result.text}
            </p>
          ) : null}
          {result.state === 'ok' ? (
            <>
              <p className="muted" data-testid="participants-status" data-state="ok">
                {result.matches.length === 0
                  ? t('participants.none', { q: result.q })
                  : t('participants.summary', { count: result.matches.length, q: result.q })}
              </p>
              {result.matches.length > 0 ? (
                <div className="table-scroll">
                  <table className="table" data-testid="participants-table">
                    <caption className="visually-hidden">{t('participants.caption')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('bookings.col.name')}</th>
                        <th scope="col">{t('bookings.col.email')}</th>
                        <th scope="col">{t('participants.col.bookings')}</th>
                        <th scope="col">{t('participants.col.actions')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {result.matches.flatMap((p) => {
                        const rows = [
                          <tr key={p.id} data-testid="participant-row" data-id={p.id} data-email={p.email}>
                            <td className="cell-text">{p.name}</td>
                            <td className="mono cell-text">{p.email}</td>
                            <td className="num">{p.bookings}</td>
                            <td>
                              <div className="button-row button-row--tight">
                                <a
                                  className="button button--small"
                                  href={href(`/participants/${encodeURIComponent(p.id)}/attendance`)}
                                  data-testid="participant-attendance-link"
                                >
                                  {t('participants.attendance')}
                                </a>
                                {cards ? (
                                  <button
                                    type="button"
                                    className="button button--small"
                                    aria-expanded={assigning === p.id}
                                    onClick={() => setAssigning(assigning === p.id ? null : p.id)}
                                    data-testid="participant-assign-card"
                                  >
                                    {t('participants.assignCard')}
                                  </button>
                                ) : null}
                              </div>
                            </td>
                          </tr>,
                        ];
                        if (cards && assigning === p.id) {
                          rows.push(
                            <tr key={`${p.id}:card`} className="member-editor-row">
                              <td colSpan={4}>
                                <CardEnrolmentPanel participantId={p.id} name={p.name} onClose={() => setAssigning(null)} />
                              </td>
                            </tr>,
                          );
                        }
                        return rows;
                      })}
                    </tbody>
                  </table>
                </div>
              ) : null}
            </>
          ) : null}
        </div>
      </section>
    </div>
  );
}
