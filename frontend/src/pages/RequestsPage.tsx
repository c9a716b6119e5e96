import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import type { ParticipantMatch } from '../api/events';
import {
  createSubjectRequest,
  executeSubjectRequest,
  exportParticipantData,
  listSubjectRequests,
  MAX_REQUEST_MESSAGE,
  RECEIVED_VIA,
  REQUEST_KINDS,
  type ReceivedVia,
  type RequestKind,
  type SubjectRequest,
} from '../api/subjectRequests';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LocalTime, useLocalDateTimeFormat } from '../components/EventTimes';
import { FieldNotes, FormField, type FieldError } from '../components/FormField';
import { LogTable } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { saveBlob } from '../download';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { ParticipantSearchStatus, useParticipantSearch } from '../components/ParticipantSearchStatus';
import { useI18n, type I18n, type MessageKey } from '../i18n';
import { usePolledLoad, type Load } from '../load';
import { fieldIssues, issueText, problemMessage, type ProblemWording, withDetail } from '../problems';

/**
 * "Anfragen" (TOM RIGHTS-2, PRIV-4; tenant admins): the tenant's queue of
 * requests about personal data — filed by the person in the portal or recorded
 * here when they came by phone, letter, mail or in person. Open ones first by
 * due date (one month after receipt, Art. 12(3) GDPR), overdue ones marked.
 * "Ausführen" carries a request out after a confirmation that says what will
 * happen: an erasure erases the person irreversibly, a restriction restricts,
 * the others are marked answered; the person gets a mail.
 */
export function RequestsPage() {
  return <RequireAuth>{(account) => <RequestsView account={account} />}</RequireAuth>;
}

/** The queue asks again this often (portal requests arrive by themselves). */
const REFRESH_MS = 30_000;

const KIND_LABEL: Record<RequestKind, MessageKey> = {
  access: 'requests.kind.access',
  correction: 'requests.kind.correction',
  erasure: 'requests.kind.erasure',
  restriction: 'requests.kind.restriction',
  objection: 'requests.kind.objection',
};

const CONFIRM_TEXT: Record<RequestKind, MessageKey> = {
  access: 'requests.confirm.access',
  correction: 'requests.confirm.correction',
  erasure: 'requests.confirm.erasure',
  restriction: 'requests.confirm.restriction',
  objection: 'requests.confirm.objection',
};

const DONE_TEXT: Record<RequestKind, MessageKey> = {
  access: 'requests.done.access',
  correction: 'requests.done.correction',
  erasure: 'requests.done.erasure',
  restriction: 'requests.done.restriction',
  objection: 'requests.done.objection',
};

const VIA_LABEL: Record<ReceivedVia | 'portal', MessageKey> = {
  portal: 'requests.via.portal',
  phone: 'requests.via.phone',
  letter: 'requests.via.letter',
  email: 'requests.via.email',
  in_person: 'requests.via.in_person',
};

function kindLabel(t: I18n['t'], kind: RequestKind): string {
  return t(KIND_LABEL[kind]);
}

function viaLabel(t: I18n['t'], via: ReceivedVia | 'portal'): string {
  return t(VIA_LABEL[via]);
}

/** The person's name, or null once they are erased (the server sends an empty name). */
function personOf(request: SubjectRequest): string | null {
  return request.participant_name === '' ? null : request.participant_name;
}

/** Open first, then by due date (the server's order; kept if a refresh races a change). */
function queueOrder(a: SubjectRequest, b: SubjectRequest): number {
  const open = Number(b.status === 'open') - Number(a.status === 'open');
  return open || a.due_at.localeCompare(b.due_at) || a.id.localeCompare(b.id);
}

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const REQUEST_WORDING: ProblemWording = {
  restricted: 'requests.error.restricted',
  forbidden: 'requests.forbidden',
  not_found: 'requests.error.notFound',
};

function RequestsView({ account }: { account: Account }) {
  const { t } = useI18n();
  const allowed = can(account, 'subject_requests.manage');
  return (
    <div className="stack">
      <section aria-labelledby="requests-title">
        <h1 id="requests-title">{t('requests.title')}</h1>
        <p className="muted" data-testid="requests-intro">
          {t('requests.intro')}
        </p>
      </section>
      {allowed ? (
        <RequestsContent />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="requests-forbidden">
          {t('requests.forbidden')}
        </p>
      )}
    </div>
  );
}

function RequestsContent() {
  const requests = usePolledLoad('subject-requests', listSubjectRequests, REFRESH_MS);
  return (
    <>
      <RequestListCard load={requests.load} stale={requests.stale} refresh={requests.refresh} />
      <NewRequestCard onCreated={requests.refresh} />
    </>
  );
}

const REQUEST_COLUMNS: readonly MessageKey[] = [
  'requests.col.kind',
  'requests.col.person',
  'requests.col.via',
  'requests.col.received',
  'requests.col.due',
  'requests.col.status',
  'requests.col.actions',
];

function RequestListCard({ load, stale, refresh }: { load: Load<SubjectRequest[]>; stale: boolean; refresh: () => void }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const [executing, setExecuting] = useState<SubjectRequest | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const requests = useMemo(() => (load.state === 'ok' ? [...load.value].sort(queueOrder) : []), [load]);

  let status: string;
  if (load.state === 'loading') status = t('requests.loading');
  else if (load.state === 'forbidden') status = t('requests.forbidden');
  else if (load.state === 'error') status = t('requests.error');
  else if (requests.length === 0) status = t('requests.empty');
  else {
    const open = requests.filter((r) => r.status === 'open').length;
    const overdue = requests.filter((r) => r.overdue).length;
    status = t('requests.summary', { count: requests.length, open });
    if (overdue > 0) status = `${status} ${t('requests.summaryOverdue', { count: overdue })}`;
  }

  const download = async (request: SubjectRequest) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      const { blob, filename } = await exportParticipantData(request.participant_id);
      saveBlob(blob, filename);
      setMessage({ kind: 'ok', text: t('requests.export.done', { file: filename }) });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('requests.export.error'), REQUEST_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  const execute = async (request: SubjectRequest) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    const name = personOf(request) ?? t('requests.erasedPerson');
    try {
      await executeSubjectRequest(request.id);
      const done = personOf(request) === null ? t('requests.done.closed') : t(DONE_TEXT[request.kind], { name });
      setMessage({ kind: 'ok', text: done });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('requests.error.execute'), REQUEST_WORDING) });
    } finally {
      setBusy(false);
      setExecuting(null);
      refresh();
    }
  };

  // A request about someone erased meanwhile is only closed: nothing left, no address.
  const closing = executing !== null && personOf(executing) === null;
  const confirmKind = executing && !closing ? executing.kind : null;
  const confirmName = executing ? (personOf(executing) ?? t('requests.erasedPerson')) : '';

  return (
    <section className="card" aria-labelledby="requests-list-title">
      <div className="card__head">
        <h2 id="requests-list-title">{t('requests.list.title')}</h2>
        <button type="button" className="button button--small" onClick={refresh} data-testid="requests-refresh">
          {t('requests.refresh')}
        </button>
      </div>
      <MessageLine message={message} testId="requests-message" />
      <div data-testid="requests-live" data-stale={stale ? 'true' : 'false'}>
        <LogTable name="requests" load={load} status={status} caption="requests.list.caption" columns={REQUEST_COLUMNS}>
          {requests.map((request) => {
            const person = personOf(request);
            const open = request.status === 'open';
            return (
              <tr
                key={request.id}
                data-testid="request-row"
                data-id={request.id}
                data-participant={request.participant_id}
                data-kind={request.kind}
                data-via={request.received_via}
                data-status={request.status}
                data-overdue={request.overdue ? 'true' : 'false'}
              >
                <td className="cell-text">
                  <strong data-testid="request-kind">{kindLabel(t, request.kind)}</strong>
                  {request.message ? (
                    <span className="small muted cell-note request-message" data-testid="request-message">
                      {request.message}
                    </span>
                  ) : null}
                </td>
                <td className="cell-name" data-testid="request-person" data-erased={person ? 'false' : 'true'}>
                  {person ?? <span className="badge badge--off">{t('requests.erasedPerson')}</span>}
                </td>
                <td data-testid="request-via">{viaLabel(t, request.received_via)}</td>
                <td className="nowrap" data-testid="request-received">
                  <LocalTime value={request.created_at} format={format} />
                </td>
                <td className="nowrap" data-testid="request-due">
                  <LocalTime value={request.due_at} format={format} />
                  {request.overdue ? (
                    <>
                      {' '}
                      <span className="badge badge--bad" data-testid="request-overdue">
                        {t('requests.overdue')}
                      </span>
                    </>
                  ) : null}
                </td>
                <td>
                  <span className={`badge ${open ? 'badge--warn' : 'badge--ok'}`} data-testid="request-status" data-status={request.status}>
                    {request.status === 'open' || request.status === 'done' ? t(`requests.status.${request.status}`) : request.status}
                  </span>
                  {request.handled_at ? (
                    <span className="small muted cell-note" data-testid="request-handled">
                      <LocalTime value={request.handled_at} format={format} />
                    </span>
                  ) : null}
                </td>
                <td>
                  {open ? (
                    <button
                      type="button"
                      className={request.kind === 'erasure' && person ? 'button button--small button--danger' : 'button button--small'}
                      disabled={busy}
                      onClick={() => setExecuting(request)}
                      aria-label={`${t(person ? 'requests.execute' : 'requests.close')}: ${kindLabel(t, request.kind)}, ${person ?? t('requests.erasedPerson')}`}
                      data-testid="request-execute"
                    >
                      {t(person ? 'requests.execute' : 'requests.close')}
                    </button>
                  ) : null}
                  {request.kind === 'access' && person ? (
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy}
                      onClick={() => void download(request)}
                      aria-label={`${t('requests.export.button')}: ${person}`}
                      data-testid="request-export"
                    >
                      {t('requests.export.button')}
                    </button>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </LogTable>
      </div>
      <ConfirmDialog
        open={executing !== null}
        title={executing ? t('requests.confirm.title', { kind: kindLabel(t, executing.kind) }) : ''}
        text={
          closing
            ? t('requests.confirm.closeErased')
            : executing
              ? `${confirmKind ? t(CONFIRM_TEXT[confirmKind], { name: confirmName }) : ''} ${t('requests.confirm.mail')}`.trim()
              : ''
        }
        confirmLabel={confirmKind === 'erasure' ? t('requests.confirm.confirmErasure') : t('requests.confirm.confirm')}
        cancelLabel={t('requests.confirm.keep')}
        busy={busy}
        onConfirm={() => {
          if (executing) void execute(executing);
        }}
        onCancel={() => setExecuting(null)}
        testId="request-execute-dialog"
      />
    </section>
  );
}

type FormErrors = Partial<Record<'person' | 'kind' | 'received_via' | 'message', string>>;

function withoutPersonError(errors: FormErrors): FormErrors {
  const { person: _gone, ...rest } = errors;
  return rest;
}

/** "Anfrage erfassen": a request received by phone, letter, mail or in person, for a person found by search. */
function NewRequestCard({ onCreated }: { onCreated: () => void }) {
  const { t } = useI18n();
  const [q, setQ] = useState('');
  const { search, setSearch, run: runSearch } = useParticipantSearch();
  const [person, setPerson] = useState<ParticipantMatch | null>(null);
  const [kind, setKind] = useState('');
  const [via, setVia] = useState('');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<FormErrors>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const searchRef = useRef<HTMLInputElement>(null);
  const baseId = useId();
  const id = (field: string) => `${baseId}-${field}`;
  const errorOf = (field: keyof FormErrors, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;

  const onSearch = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const query = q.trim();
    if (!query) {
      setErrors((e) => ({ ...e, person: t('form.required') }));
      return;
    }
    setErrors(withoutPersonError);
    await runSearch(query);
  };

  const pick = (match: ParticipantMatch) => {
    setPerson(match);
    setErrors(withoutPersonError);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const found: FormErrors = {};
    if (!person) found.person = t('requests.new.choosePerson');
    if (!kind) found.kind = t('form.required');
    if (!via) found.received_via = t('form.required');
    if (text.trim().length > MAX_REQUEST_MESSAGE) found.message = t('form.tooLong', { max: MAX_REQUEST_MESSAGE });
    setErrors(found);
    if (!person || Object.keys(found).length > 0) {
      setMessage({ kind: 'error', text: t('form.fixErrors') });
      if (found.person) searchRef.current?.focus();
      return;
    }
    setSaving(true);
    try {
      const created = await createSubjectRequest({ participant_id: person.id, kind, received_via: via, message: text.trim() });
      setMessage({ kind: 'ok', text: t('requests.new.created', { kind: kindLabel(t, created.kind), name: person.name }) });
      setPerson(null);
      setSearch({ state: 'idle' });
      setQ('');
      setKind('');
      setVia('');
      setText('');
      onCreated();
    } catch (err) {
      handleAuthError(err);
      const next: FormErrors = {};
      for (const issue of fieldIssues(err)) {
        if (issue.field === 'kind' || issue.field === 'received_via' || issue.field === 'message') next[issue.field] = issueText(t, issue);
        if (issue.field === 'participant_id') next.person = issueText(t, issue);
      }
      setErrors(next);
      let msg: string;
      if (Object.keys(next).length > 0) msg = t('form.fixErrors');
      else if (err instanceof ApiError && err.status === 404) msg = withDetail(t, t('requests.new.personGone'), err);
      else msg = problemMessage(t, err, t('requests.error.create'), REQUEST_WORDING);
      setMessage({ kind: 'error', text: msg });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="request-new-title" data-testid="request-new">
      <h2 id="request-new-title">{t('requests.new.title')}</h2>
      <p className="muted">{t('requests.new.intro')}</p>

      {person ? (
        <div className="request-person" data-testid="request-person-chosen" data-id={person.id}>
          <p>
            <span className="muted">{t('requests.field.person')}:</span> <strong>{person.name}</strong>{' '}
            <span className="mono">{person.email}</span>
            {person.restricted_at ? (
              <>
                {' '}
                <span className="badge badge--warn">{t('participants.restricted')}</span>
              </>
            ) : null}
          </p>
          <button type="button" className="button button--small" onClick={() => setPerson(null)} data-testid="request-person-change">
            {t('requests.new.changePerson')}
          </button>
        </div>
      ) : (
        <>
          <form className="form form--inline" role="search" onSubmit={(e) => void onSearch(e)} noValidate data-testid="request-person-search">
            <FormField
              ref={searchRef}
              id={id('person')}
              label={t('requests.field.person')}
              hint={{ id: id('person-hint'), text: t('participants.search.hint') }}
              error={errorOf('person', 'request-person-error')}
              type="search"
              autoComplete="off"
              spellCheck={false}
              maxLength={320}
              value={q}
              onChange={(e) => setQ(e.target.value)}
              data-testid="request-person-q"
            />
            <div className="form__actions">
              <button type="submit" className="button" disabled={search.state === 'loading'} data-testid="request-person-submit">
                {t('participants.search.submit')}
              </button>
            </div>
          </form>
          <div aria-live="polite">
            <ParticipantSearchStatus search={search} testId="request-person-status" />
            {search.state === 'ok' ? (
              <>
                {search.matches.length > 0 ? (
                  <ul className="request-matches" aria-label={t('requests.new.results')}>
                    {search.matches.map((match) => (
                      <li key={match.id} data-testid="request-person-match" data-id={match.id} data-email={match.email}>
                        <span>
                          <strong>{match.name}</strong> <span className="mono">{match.email}</span>
                          {match.restricted_at ? (
                            <>
                              {' '}
                              <span className="badge badge--warn">{t('participants.restricted')}</span>
                            </>
                          ) : null}
                        </span>
                        <button
                          type="button"
                          className="button button--small"
                          onClick={() => pick(match)}
                          aria-label={`${t('requests.new.pick')}: ${match.name}`}
                          data-testid="request-person-pick"
                        >
                          {t('requests.new.pick')}
                        </button>
                      </li>
                    ))}
                  </ul>
                ) : null}
              </>
            ) : null}
          </div>
        </>
      )}

      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="request-new-form">
        <div className="form-grid">
          <div className="field">
            <label htmlFor={id('kind')}>{t('requests.field.kind')}</label>
            <select
              id={id('kind')}
              value={kind}
              aria-invalid={errors.kind ? true : undefined}
              aria-describedby={errors.kind ? id('kind-error') : undefined}
              onChange={(e) => setKind(e.target.value)}
              data-testid="request-kind"
            >
              <option value="">{t('requests.field.choose')}</option>
              {REQUEST_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(KIND_LABEL[k])}
                </option>
              ))}
            </select>
            <FieldNotes error={errorOf('kind', 'request-kind-error')} />
          </div>
          <div className="field">
            <label htmlFor={id('via')}>{t('requests.field.via')}</label>
            <select
              id={id('via')}
              value={via}
              aria-invalid={errors.received_via ? true : undefined}
              aria-describedby={errors.received_via ? id('received_via-error') : undefined}
              onChange={(e) => setVia(e.target.value)}
              data-testid="request-via"
            >
              <option value="">{t('requests.field.choose')}</option>
              {RECEIVED_VIA.map((v) => (
                <option key={v} value={v}>
                  {t(VIA_LABEL[v])}
                </option>
              ))}
            </select>
            <FieldNotes error={errorOf('received_via', 'request-via-error')} />
          </div>
        </div>
        <TextAreaField
          id={id('message')}
          label={t('requests.field.message')}
          hint={{ id: id('message-hint'), text: t('requests.field.messageHint') }}
          error={errorOf('message', 'request-message-error')}
          rows={3}
          maxLength={MAX_REQUEST_MESSAGE}
          value={text}
          onChange={(e) => setText(e.target.value)}
          data-testid="request-new-text"
        />
        <MessageLine message={message} testId="request-new-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="request-new-submit">
            {saving ? t('requests.new.submitting') : t('requests.new.submit')}
          </button>
        </div>
      </form>
    </section>
  );
}
