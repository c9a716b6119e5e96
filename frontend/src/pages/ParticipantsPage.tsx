import { useId, useState, type FormEvent } from 'react';
import type { ParticipantMatch } from '../api/events';
import { can, type Account } from '../auth';
import { CardEnrolmentPanel } from '../components/CardEnrolment';
import { CorrectionPanel } from '../components/CorrectionPanel';
import { FormField } from '../components/FormField';
import { RequireAuth } from '../components/RequireAuth';
import { RestrictionPanel } from '../components/RestrictionPanel';
import { ParticipantSearchStatus, useParticipantSearch } from '../components/ParticipantSearchStatus';
import { useI18n, type MessageKey } from '../i18n';
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

type PanelKind = 'card' | 'restriction' | 'correction';

function ParticipantsView({ account }: { account: Account }) {
  const { t } = useI18n();
  // Tenant admins restrict (Art. 18 GDPR) and correct (Art. 16) a person's data (TOM RIGHTS-1, RIGHTS-2).
  const admin = can(account, 'subject_requests.manage');
  const actions: { kind: PanelKind; allowed: boolean; label: MessageKey; testId: string }[] = [
    { kind: 'card', allowed: can(account, 'cards.write'), label: 'participants.assignCard', testId: 'participant-assign-card' },
    { kind: 'restriction', allowed: admin, label: 'participants.restriction', testId: 'participant-restriction' },
    { kind: 'correction', allowed: admin, label: 'participants.correct', testId: 'participant-correct' },
  ];
  // One panel under one row at a time.
  const [panel, setPanel] = useState<{ id: string; kind: PanelKind } | null>(null);
  const isOpen = (id: string, kind: PanelKind) => panel?.id === id && panel.kind === kind;
  const closePanel = () => setPanel(null);
  const [q, setQ] = useState('');
  const { search: result, setSearch: setResult, run: runSearch } = useParticipantSearch();
  const [fieldError, setFieldError] = useState<string | null>(null);
  const fieldId = useId();
  const hintId = useId();

  /** A change made in a panel shows in the row at once. */
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
                <div className="table-scroll" tabIndex={0}>
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
                                {actions
                                  .filter((a) => a.allowed)
                                  .map((a) => (
                                    <button
                                      key={a.kind}
                                      type="button"
                                      className="button button--small"
                                      aria-expanded={isOpen(p.id, a.kind)}
                                      onClick={() => setPanel(isOpen(p.id, a.kind) ? null : { id: p.id, kind: a.kind })}
                                      data-testid={a.testId}
                                    >
                                      {t(a.label)}
                                    </button>
                                  ))}
                              </div>
                            </td>
                          </tr>,
                        ];
                        if (panel?.id === p.id) {
                          rows.push(
                            <tr key={`${p.id}:${panel.kind}`} className="member-editor-row">
                              <td colSpan={4}>
                                {panel.kind === 'card' ? <CardEnrolmentPanel participantId={p.id} name={p.name} onClose={closePanel} /> : null}
                                {panel.kind === 'restriction' ? (
                                  <RestrictionPanel
                                    participantId={p.id}
                                    name={p.name}
                                    restrictedAt={p.restricted_at}
                                    onChange={(at) => restrictionChanged(p.id, at)}
                                    onClose={closePanel}
                                  />
                                ) : null}
                                {panel.kind === 'correction' ? (
                                  <CorrectionPanel
                                    participantId={p.id}
                                    name={p.name}
                                    email={p.email}
                                    onChange={(name, email) => corrected(p.id, name, email)}
                                    onClose={closePanel}
                                  />
                                ) : null}
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
