import { useEffect, useState, type FormEvent } from 'react';
import {
  createEndpoint,
  deleteEndpoint,
  listDeliveries,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type DeliveryView,
  type EndpointInput,
  type EndpointView,
  type PersonalField,
  type WebhookEvent,
} from '../api/webhooks';
import { can, handleAuthError, type Account } from '../auth';
import { useLocalDateTimeFormat } from '../components/EventTimes';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { parseUtc } from '../format';
import { useI18n, type MessageKey } from '../i18n';
import { withDetail } from '../problems';

/**
 * "Webhooks" (TOM TRANS-2, TRANS-6; tenant admins, `webhooks.manage`): endpoints
 * that receive events signed per Standard Webhooks, or a Microsoft Teams channel
 * (Workflows URL, shown masked: the URL is the credential). Payloads carry ids and
 * counts; personal fields only when ticked, and the processing record then lists
 * the recipient. The signing secret is shown once; each endpoint lists its deliveries.
 */
export function WebhooksPage() {
  return <RequireAuth>{(account) => <WebhooksScreen account={account} />}</RequireAuth>;
}

const FIELDS: PersonalField[] = ['name', 'email'];

function eventLabel(event: WebhookEvent): MessageKey {
  return `webhooks.event.${event}` as MessageKey;
}

function WebhooksScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [endpoints, setEndpoints] = useState<EndpointView[] | null>(null);
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const [editing, setEditing] = useState<EndpointView | 'new' | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const allowed = can(account, 'webhooks.manage');

  const reload = () =>
    listEndpoints()
      .then((list) => {
        setEndpoints(list.endpoints);
        setEvents(list.events);
      })
      .catch((err: unknown) => {
        handleAuthError(err);
        setMessage({ kind: 'error', text: withDetail(t, t('webhooks.error.load'), err) });
      });

  useEffect(() => {
    if (allowed) void reload();
  }, [allowed]);

  if (!allowed) {
    return (
      <p className="alert alert--error" role="alert" data-testid="webhooks-forbidden">
        {t('webhooks.forbidden')}
      </p>
    );
  }
  return (
    <div className="stack">
      <section aria-labelledby="webhooks-title">
        <h1 id="webhooks-title">{t('webhooks.title')}</h1>
        <p className="muted">{t('webhooks.intro')}</p>
      </section>
      <MessageLine message={message} testId="webhooks-message" />
      {secret ? (
        <section className="card" aria-labelledby="webhooks-secret-title" data-testid="webhooks-secret">
          <h2 id="webhooks-secret-title">{t('webhooks.secret.title')}</h2>
          <p>{t('webhooks.secret.once')}</p>
          <code data-testid="webhooks-secret-value">{secret}</code>
          <div className="form__actions">
            <button type="button" className="button button--secondary" onClick={() => setSecret(null)}>
              {t('webhooks.secret.done')}
            </button>
          </div>
        </section>
      ) : null}
      <section className="card" aria-labelledby="webhooks-list-title">
        <h2 id="webhooks-list-title">{t('webhooks.list.title')}</h2>
        {endpoints === null ? (
          <p className="muted">{t('webhooks.loading')}</p>
        ) : endpoints.length === 0 ? (
          <p className="muted" data-testid="webhooks-empty">
            {t('webhooks.empty')}
          </p>
        ) : (
          <ul className="stack" data-testid="webhooks-list">
            {endpoints.map((e) => (
              <EndpointItem
                key={e.id}
                endpoint={e}
                onEdit={() => setEditing(e)}
                onSecret={setSecret}
                onChanged={(text) => {
                  setMessage({ kind: 'ok', text });
                  void reload();
                }}
              />
            ))}
          </ul>
        )}
        <div className="form__actions">
          <button type="button" className="button" onClick={() => setEditing('new')} data-testid="webhooks-add">
            {t('webhooks.add')}
          </button>
        </div>
      </section>
      {editing ? (
        <EndpointForm
          key={editing === 'new' ? 'new' : editing.id}
          existing={editing === 'new' ? null : editing}
          events={events}
          onSaved={(name, newSecret) => {
            setEditing(null);
            setSecret(newSecret);
            setMessage({ kind: 'ok', text: t('webhooks.saved', { name }) });
            void reload();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}

function EndpointItem({
  endpoint,
  onEdit,
  onSecret,
  onChanged,
}: {
  endpoint: EndpointView;
  onEdit: () => void;
  onSecret: (secret: string | null) => void;
  onChanged: (text: string) => void;
}) {
  const { t } = useI18n();
  const [deliveries, setDeliveries] = useState<DeliveryView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    if (!window.confirm(t('webhooks.confirmDelete', { name: endpoint.name }))) return;
    try {
      await deleteEndpoint(endpoint.id);
      onChanged(t('webhooks.deleted'));
    } catch (err) {
      setError(withDetail(t, t('webhooks.error.delete'), err));
    }
  };

  const rotate = async () => {
    if (!window.confirm(t('webhooks.confirmRotate'))) return;
    try {
      onSecret((await rotateSecret(endpoint.id)).secret ?? null);
      onChanged(t('webhooks.rotated'));
    } catch (err) {
      setError(withDetail(t, t('webhooks.error.rotate'), err));
    }
  };

  const showDeliveries = async () => {
    try {
      setDeliveries(await listDeliveries(endpoint.id));
    } catch (err) {
      setError(withDetail(t, t('webhooks.error.deliveries'), err));
    }
  };

  const state = endpoint.enabled
    ? t('webhooks.state.on')
    : endpoint.disabled_reason === 'gone'
      ? t('webhooks.state.gone')
      : t('webhooks.state.off');
  return (
    <li className="card" data-testid="webhooks-item">
      <h3>
        {endpoint.name} <span className="muted">({t(endpoint.kind === 'teams' ? 'webhooks.kind.teams' : 'webhooks.kind.standard')})</span>
      </h3>
      <p>
        <code data-testid="webhooks-url">{endpoint.url_display}</code> · <span data-testid="webhooks-state">{state}</span>
      </p>
      <p className="muted">{endpoint.events.map((e) => t(eventLabel(e))).join(', ')}</p>
      {endpoint.personal_fields.length > 0 ? (
        <p className="alert" data-testid="webhooks-personal">
          {t('webhooks.personal.sent', { fields: endpoint.personal_fields.map((f) => t(`webhooks.field.${f}` as MessageKey)).join(', ') })}
        </p>
      ) : null}
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button button--secondary" onClick={onEdit} data-testid="webhooks-edit">
          {t('webhooks.edit')}
        </button>
        {endpoint.kind === 'standard' ? (
          <button type="button" className="button button--secondary" onClick={() => void rotate()} data-testid="webhooks-rotate">
            {t('webhooks.rotate')}
          </button>
        ) : null}
        <button type="button" className="button button--secondary" onClick={() => void showDeliveries()} data-testid="webhooks-show-deliveries">
          {t('webhooks.deliveries.show')}
        </button>
        <button type="button" className="button button--danger" onClick={() => void remove()} data-testid="webhooks-delete">
          {t('webhooks.delete')}
        </button>
      </div>
      {deliveries ? <Deliveries deliveries={deliveries} /> : null}
    </li>
  );
}

function Deliveries({ deliveries }: { deliveries: DeliveryView[] }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const when = (value: string | null | undefined) => {
    const date = value ? parseUtc(value) : null;
    return date ? format.format(date) : '–';
  };
  if (deliveries.length === 0) {
    return (
      <p className="muted" data-testid="webhooks-deliveries-empty">
        {t('webhooks.deliveries.empty')}
      </p>
    );
  }
  return (
    <table className="table" data-testid="webhooks-deliveries">
      <thead>
        <tr>
          <th>{t('webhooks.deliveries.created')}</th>
          <th>{t('webhooks.deliveries.event')}</th>
          <th>{t('webhooks.deliveries.status')}</th>
          <th>{t('webhooks.deliveries.attempts')}</th>
          <th>{t('webhooks.deliveries.answer')}</th>
        </tr>
      </thead>
      <tbody>
        {deliveries.map((d) => (
          <tr key={d.id} data-testid="webhooks-delivery">
            <td>{when(d.created_at)}</td>
            <td>{t(eventLabel(d.event))}</td>
            <td>
              {t(`webhooks.status.${d.status}` as MessageKey)}
              {d.status === 'pending' && d.next_attempt_at ? ` (${t('webhooks.deliveries.next', { when: when(d.next_attempt_at) })})` : ''}
            </td>
            <td>{d.attempts}</td>
            <td>{[d.last_status, d.last_error].filter((x) => x !== null && x !== undefined).join(' · ') || '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function EndpointForm({
  existing,
  events,
  onSaved,
  onCancel,
}: {
  existing: EndpointView | null;
  events: WebhookEvent[];
  onSaved: (name: string, secret: string | null) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState<EndpointInput['kind']>(existing?.kind ?? 'standard');
  const [name, setName] = useState(existing?.name ?? '');
  const [url, setUrl] = useState('');
  const [chosen, setChosen] = useState<WebhookEvent[]>(existing?.events ?? []);
  const [fields, setFields] = useState<PersonalField[]>(existing?.personal_fields ?? []);
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [error, setError] = useState<string | null>(null);

  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list.filter((x) => x !== item), item] : list.filter((x) => x !== item));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const input: EndpointInput = { kind, name, url: url.trim() === '' ? null : url.trim(), events: chosen, personal_fields: fields, enabled };
    try {
      if (existing) {
        await updateEndpoint(existing.id, input);
        onSaved(name, null);
      } else {
        const saved = await createEndpoint(input);
        onSaved(name, saved.secret ?? null);
      }
    } catch (err) {
      setError(withDetail(t, t('webhooks.error.save'), err));
    }
  };

  return (
    <section className="card" aria-labelledby="webhooks-form-title">
      <h2 id="webhooks-form-title">{existing ? t('webhooks.form.edit') : t('webhooks.form.new')}</h2>
      <form className="form" onSubmit={(e) => void submit(e)} data-testid="webhooks-form">
        <label className="field">
          <span>{t('webhooks.form.kind')}</span>
          <select value={kind} disabled={existing !== null} onChange={(e) => setKind(e.target.value as EndpointInput['kind'])} data-testid="webhooks-kind">
            <option value="standard">{t('webhooks.kind.standard')}</option>
            <option value="teams">{t('webhooks.kind.teams')}</option>
          </select>
        </label>
        <label className="field">
          <span>{t('webhooks.form.name')}</span>
          <input value={name} maxLength={80} required onChange={(e) => setName(e.target.value)} data-testid="webhooks-name" />
        </label>
        <label className="field">
          <span>{kind === 'teams' ? t('webhooks.form.teamsUrl') : t('webhooks.form.url')}</span>
          <input
            type="url"
            value={url}
            required={existing === null}
            placeholder={existing ? t('webhooks.form.urlKeep') : 'https://'}
            onChange={(e) => setUrl(e.target.value)}
            data-testid="webhooks-url-input"
          />
        </label>
        <fieldset className="field">
          <legend>{t('webhooks.form.events')}</legend>
          {events.map((ev) => (
            <label key={ev} className="checkbox">
              <input type="checkbox" checked={chosen.includes(ev)} onChange={(e) => setChosen(toggle(chosen, ev, e.target.checked))} data-testid={`webhooks-event-${ev}`} />{' '}
              {t(eventLabel(ev))}
            </label>
          ))}
        </fieldset>
        <fieldset className="field">
          <legend>{t('webhooks.form.personal')}</legend>
          <p className="muted">{t('webhooks.form.personalHint')}</p>
          {FIELDS.map((f) => (
            <label key={f} className="checkbox">
              <input type="checkbox" checked={fields.includes(f)} onChange={(e) => setFields(toggle(fields, f, e.target.checked))} data-testid={`webhooks-field-${f}`} />{' '}
              {t(`webhooks.field.${f}` as MessageKey)}
            </label>
          ))}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} data-testid="webhooks-enabled" /> {t('webhooks.form.enabled')}
        </label>
        {error ? (
          <p className="alert alert--error" role="alert" data-testid="webhooks-form-error">
            {error}
          </p>
        ) : null}
        <div className="form__actions">
          <button type="submit" className="button" data-testid="webhooks-save">
            {t('webhooks.form.save')}
          </button>
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('webhooks.form.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
