import { useId, useState, type FormEvent } from 'react';
import type { ParticipantMatch } from '../api/events';
import { canAssignCards, canManageSubjectRequests, type Account } from '../auth';
import { CardEnrolmentPanel } from '../components/CardEnrolment';
import { CorrectionPanel } from '../components/CorrectionPanel';
import { FormField } from '../components/FormField';
import { RequireAuth } from '../components/RequireAuth';
import { RestrictionPanel } from '../components/RestrictionPanel';
import { ParticipantSearchStatus, useParticipantSearch } from '../components/ParticipantSearchStatus';
import { useI18n } from '../i18n';
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

function ParticipantsView({ account }: { account: Account }) {
  const { t } = useI18n();
  const cards = canAssignCards(account);
  const [assigning, setAssigning] = useState<string | null>(null);
  // Tenant admins set or lift a person's restriction (Art. 18 GDPR, TOM RIGHTS-2).
  const restrictions = canManageSubjectRequests(account);
  const [restricting, setRestricting] = useState<string | null>(null);
  const [correcting, setCorrecting] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const { search: result, setSearch: setResult, run: runSearch } = useParticipantSearch();
  const [fieldError, setFieldError] = useState<string | null>(null);
  const fieldId = useId();
  const hintId = useId();

  /** A restriction set or lifted in the panel shows in the row at once. */
  const changeMatch = (id: string, change: Partial<ParticipantMatch>) => {
    setResult((prev) => (prev.state === 'ok' ? { ...prev, matches: prev.matches.map((m) => (m.id === id ? { ...m, ...change } : m)) } : prev));
  };
  const restrictionChanged = (id: string, restrictedAt: string | null) => changeMatch(id, { restricted_at: restrictedAt });
  const corrected = (id: string, name: string, email: string) => changeMatch(id, { name, email });

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const query = q.trim();
    if (!query) {
      setFieldError(t('form.required'));
      return;
    }
    setFieldError(null);
    await runSearch(query);
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
          <ParticipantSearchStatus search={result} testId="participants-status" />
          {result.state === 'ok' ? (
            <>
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
                          <tr
                            key={p.id}
                            data-testid="participant-row"
                            data-id={p.id}
                            data-email={p.email}
                            data-restricted={p.restricted_at ? 'true' : 'false'}
                          >
                            <td className="cell-text">
                              {p.name}
                              {p.restricted_at ? (
                                <>
                                  {' '}
                                  <span className="badge badge--warn" data-testid="participant-restricted">
                                    {t('participants.restricted')}
                                  </span>
                                </>
                              ) : null}
                            </td>
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
                                {restrictions ? (
                                  <button
                                    type="button"
                                    className="button button--small"
                                    aria-expanded={restricting === p.id}
                                    onClick={() => setRestricting(restricting === p.id ? null : p.id)}
                                    data-testid="participant-restriction"
                                  >
                                    {t('participants.restriction')}
                                  </button>
                                ) : null}
                                {restrictions ? (
                                  <button
                                    type="button"
                                    className="button button--small"
                                    aria-expanded={correcting === p.id}
                                    onClick={() => setCorrecting(correcting === p.id ? null : p.id)}
                                    data-testid="participant-correct"
                                  >
                                    {t('participants.correct')}
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
                        if (restrictions && restricting === p.id) {
                          rows.push(
                            <tr key={`${p.id}:restriction`} className="member-editor-row">
                              <td colSpan={4}>
                                <RestrictionPanel
                                  participantId={p.id}
                                  name={p.name}
                                  restrictedAt={p.restricted_at}
                                  onChange={(at) => restrictionChanged(p.id, at)}
                                  onClose={() => setRestricting(null)}
                                />
                              </td>
                            </tr>,
                          );
                        }
                        if (restrictions && correcting === p.id) {
                          rows.push(
                            <tr key={`${p.id}:correction`} className="member-editor-row">
                              <td colSpan={4}>
                                <CorrectionPanel
                                  participantId={p.id}
                                  name={p.name}
                                  email={p.email}
                                  onChange={(name, email) => corrected(p.id, name, email)}
                                  onClose={() => setCorrecting(null)}
                                />
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
