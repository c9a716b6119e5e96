import { useId, useMemo, useState, type FormEvent } from 'react';
import {
  createEnrolmentCode,
  DEVICE_MODES,
  getSecureCards,
  setSecureCards,
  DUPLICATE_WINDOW_RANGE,
  LATE_UPLOAD_RANGE,
  listDevices,
  MAX_DEVICE_NAME,
  revokeDevice,
  updateDevice,
  type Device,
  type DeviceMode,
  type DeviceSettings,
  type EnrolmentCode,
  type SecureCardSettings,
} from '../api/devices';
import { listEvents, type EventRecord } from '../api/events';
import { listLocations, type Location } from '../api/locations';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { LocalTime, SessionRange, useLocalDateTimeFormat, useLocalDateTimeSecondsFormat } from '../components/EventTimes';
import { FormField, type FieldError } from '../components/FormField';
import { NumberField, wholeNumberIn } from '../components/NumberField';
import { LogTable, ShortId } from '../components/LogTable';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n, type MessageKey } from '../i18n';
import { useKeyedLoad, usePolledLoad, type Load } from '../load';
import { fieldIssues, issueText, problemMessage, type ProblemWording } from '../problems';

/**
 * Check-in devices of the tenant (tenant admins; docs/attendance-api.md): the
 * list with heartbeat, agent version, readers and offline queue; a one-time
 * enrolment code for a new device; per device its settings (picked up with the
 * next heartbeat, TOM DEV-1) and revoking it.
 */
export function DevicesPage() {
  return <RequireAuth>{(account) => <DevicesView account={account} />}</RequireAuth>;
}

/** The list asks again this often (heartbeats, queue lengths, pending card enrolments). */
const REFRESH_MS = 10_000;

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const DEVICE_WORDING: ProblemWording = {
  already_revoked: 'devices.error.alreadyRevoked',
  device_revoked: 'devices.error.revoked',
  forbidden: 'devices.forbidden',
  not_found: 'devices.error.notFound',
};

function DevicesView({ account }: { account: Account }) {
  const { t } = useI18n();
  const allowed = can(account, 'devices.manage');
  return (
    <div className="stack">
      <section aria-labelledby="devices-title">
        <h1 id="devices-title">{t('devices.title')}</h1>
        <p className="muted">{t('devices.intro')}</p>
      </section>
      {allowed ? (
        <DevicesContent />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="devices-forbidden">
          {t('devices.forbidden')}
        </p>
      )}
    </div>
  );
}

function DevicesContent() {
  const devices = usePolledLoad('devices', listDevices, REFRESH_MS);
  const locations = useKeyedLoad('locations', listLocations);
  return (
    <>
      <NewDeviceCard locations={locations} />
      <DeviceListCard load={devices.load} refresh={devices.refresh} locations={locations} />
      <SecureCardsCard />
    </>
  );
}

/**
 * Secure cards (NTAG 424 DNA, docs/agent.md): turning them on makes the tenant's
 * card keys; "required" refuses taps by card UID alone, so only cards that
 * prove themselves with a fresh message check in.
 */
function SecureCardsCard() {
  const { t } = useI18n();
  const load = useKeyedLoad('secure-cards', getSecureCards);
  const [saved, setSaved] = useState<SecureCardSettings | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const current = saved ?? (load.state === 'ok' ? load.value : null);

  const save = async (required: boolean) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      setSaved(await setSecureCards(required));
      setMessage({ kind: 'ok', text: t('devices.secure.saved') });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('devices.secure.error'), DEVICE_WORDING) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="secure-cards-title" data-testid="secure-cards">
      <h2 id="secure-cards-title">{t('devices.secure.title')}</h2>
      <p className="muted">{t('devices.secure.intro')}</p>
      <MessageLine message={message} testId="secure-cards-message" />
      {current ? (
        <>
          <p data-testid="secure-cards-state" data-enabled={current.enabled} data-required={current.required}>
            {current.enabled ? t('devices.secure.enabled') : t('devices.secure.disabled')}
          </p>
          {current.enabled ? null : (
            <button type="button" className="button button--small" disabled={busy} onClick={() => void save(false)} data-testid="secure-cards-enable">
              {t('devices.secure.enable')}
            </button>
          )}
          <label className="check">
            <input
              type="checkbox"
              checked={current.required}
              disabled={busy}
              onChange={(e) => void save(e.target.checked)}
              data-testid="secure-cards-required"
            />
            <span>{t('devices.secure.required')}</span>
          </label>
        </>
      ) : (
        <p className="muted">{load.state === 'loading' ? t('devices.loading') : t('devices.secure.error')}</p>
      )}
    </section>
  );
}

function locationName(locations: Load<Location[]>, id: string | null | undefined): string | null {
  if (!id || locations.state !== 'ok') return null;
  return locations.value.find((l) => l.id === id)?.name ?? null;
}

function LocationSelect({
  id,
  value,
  locations,
  onChange,
  testId,
  error,
}: {
  id: string;
  value: string;
  locations: Load<Location[]>;
  onChange: (value: string) => void;
  testId: string;
  error?: FieldError | undefined;
}) {
  const { t } = useI18n();
  const list = locations.state === 'ok' ? locations.value : [];
  const known = !value || list.some((l) => l.id === value);
  return (
    <div className="field">
      <label htmlFor={id}>{t('devices.field.location')}</label>
      <select
        id={id}
        value={value}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? error.id : undefined}
        onChange={(e) => onChange(e.target.value)}
        data-testid={testId}
      >
        <option value="">{t('devices.field.noLocation')}</option>
        {known ? null : <option value={value}>{t('events.field.unknownLocation')}</option>}
        {list.map((location) => (
          <option key={location.id} value={location.id}>
            {location.name}
          </option>
        ))}
      </select>
      {locations.state === 'error' || locations.state === 'forbidden' ? (
        <p className="small muted field__hint">{t('events.field.locationsUnavailable')}</p>
      ) : null}
      {error ? (
        <p id={error.id} className="field__error" role="alert" data-testid={error.testId}>
          {error.text}
        </p>
      ) : null}
    </div>
  );
}

/** "Neues Gerät": name and location → a one-time code, shown big with its expiry and the agent command. */
function NewDeviceCard({ locations }: { locations: Load<Location[]> }) {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [locationId, setLocationId] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const [created, setCreated] = useState<{ code: EnrolmentCode; name: string } | null>(null);
  const baseId = useId();
  const id = (field: string) => `${baseId}-${field}`;
  const errorOf = (field: string, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const trimmed = name.trim();
    const found: Record<string, string> = {};
    if (!trimmed) found.name = t('form.required');
    else if (trimmed.length > MAX_DEVICE_NAME) found.name = t('form.tooLong', { max: MAX_DEVICE_NAME });
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setSaving(true);
    try {
      const code = await createEnrolmentCode(trimmed, locationId || null);
      setCreated({ code, name: trimmed });
      setName('');
    } catch (err) {
      handleAuthError(err);
      const next: Record<string, string> = {};
      for (const issue of fieldIssues(err)) {
        if (issue.field === 'name' || issue.field === 'location_id') next[issue.field] = issueText(t, issue);
      }
      setErrors(next);
      setMessage({
        kind: 'error',
        text: Object.keys(next).length > 0 ? t('form.fixErrors') : problemMessage(t, err, t('devices.error.code'), DEVICE_WORDING),
      });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="device-new-title">
      <h2 id="device-new-title">{t('devices.new.title')}</h2>
      <p className="muted">{t('devices.new.intro')}</p>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="device-new-form">
        <div className="form-grid">
          <FormField
            id={id('name')}
            label={t('devices.field.name')}
            hint={{ id: id('name-hint'), text: t('devices.field.nameHint') }}
            error={errorOf('name', 'device-new-name-error')}
            type="text"
            required
            maxLength={MAX_DEVICE_NAME}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="device-new-name"
          />
          <LocationSelect
            id={id('location')}
            value={locationId}
            locations={locations}
            onChange={setLocationId}
            testId="device-new-location"
            error={errorOf('location_id', 'device-new-location-error')}
          />
        </div>
        <MessageLine message={message} testId="device-new-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="device-new-submit">
            {saving ? t('devices.new.submitting') : t('devices.new.submit')}
          </button>
        </div>
      </form>
      {created ? <EnrolmentCodePanel code={created.code} name={created.name} /> : null}
    </section>
  );
}

function EnrolmentCodePanel({ code, name }: { code: EnrolmentCode; name: string }) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const origin = window.location.origin;
  // The agent speaks plain http only to this machine, and only when told so (development).
  const local = origin.startsWith('http://localhost') || origin.startsWith('http://127.0.0.1');
  const command = `anwesend-agent enroll --server ${origin} --code ${code.code}${local ? ' --insecure-dev' : ''}`;
  return (
    <div className="enrolment-code" role="status" data-testid="enrolment">
      <p className="enrolment-code__lead">{t('devices.code.lead', { name })}</p>
      <p className="enrolment-code__code mono" data-testid="enrolment-code">
        {code.code}
      </p>
      <p data-testid="enrolment-expires">
        {t('devices.code.expires')} <LocalTime value={code.expires_at} format={format} />
      </p>
      <p className="small muted">{t('devices.code.command')}</p>
      <pre className="command mono" data-testid="enrolment-command">
        <code>{command}</code>
      </pre>
      <p className="small muted">{t('devices.code.once')}</p>
    </div>
  );
}

const DEVICE_COLUMNS: readonly MessageKey[] = [
  'devices.col.name',
  'devices.col.status',
  'devices.col.mode',
  'devices.col.heartbeat',
  'devices.col.agent',
  'devices.col.readers',
  'devices.col.queue',
  'devices.col.card',
  'devices.col.actions',
];

function ModeLabel({ mode }: { mode: string }) {
  const { t } = useI18n();
  if (mode === 'check_in') return <>{t('devices.mode.check_in')}</>;
  if (mode === 'check_out') return <>{t('devices.mode.check_out')}</>;
  return <>{mode}</>;
}

function DeviceListCard({
  load,
  refresh,
  locations,
}: {
  load: Load<Device[]>;
  refresh: () => void;
  locations: Load<Location[]>;
}) {
  const { t } = useI18n();
  const seconds = useLocalDateTimeSecondsFormat();
  const [editing, setEditing] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<Device | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const devices = load.state === 'ok' ? load.value : [];

  let status: string;
  if (load.state === 'loading') status = t('devices.loading');
  else if (load.state === 'ok') status = devices.length === 0 ? t('devices.empty') : t('devices.summary', { count: devices.length });
  else if (load.state === 'forbidden') status = t('devices.forbidden');
  else status = t('devices.error');

  const revoke = async (device: Device) => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    try {
      await revokeDevice(device.id);
      setMessage({ kind: 'ok', text: t('devices.revoked', { name: device.settings.name }) });
      if (editing === device.id) setEditing(null);
      refresh();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('devices.error.revoke'), DEVICE_WORDING) });
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  return (
    <section className="card" aria-labelledby="devices-list-title">
      <div className="card__head">
        <h2 id="devices-list-title">{t('devices.list.title')}</h2>
        <button type="button" className="button button--small" onClick={refresh} data-testid="devices-refresh">
          {t('devices.refresh')}
        </button>
      </div>
      <MessageLine message={message} testId="devices-message" />
      <LogTable name="devices" load={load} status={status} caption="devices.list.title" columns={DEVICE_COLUMNS}>
        {devices.flatMap((device) => {
          const place = locationName(locations, device.settings.location_id);
          const active = device.status === 'active';
          const rows = [
            <tr
              key={device.id}
              data-testid="device-row"
              data-id={device.id}
              data-status={device.status}
              data-mode={device.settings.mode}
            >
              <td className="cell-name">
                <span data-testid="device-name">{device.settings.name}</span>
                <span className="small muted cell-note" data-testid="device-location">
                  {place ?? (device.settings.location_id ? t('events.field.unknownLocation') : t('devices.field.noLocation'))}
                </span>
              </td>
              <td>
                <span
                  className={`badge ${active ? 'badge--ok' : 'badge--bad'}`}
                  data-testid="device-status"
                  data-status={device.status}
                >
                  {active ? t('devices.status.active') : t('devices.status.revoked')}
                </span>
                {device.revoked_at ? (
                  <span className="small muted cell-note">
                    <LocalTime value={device.revoked_at} format={seconds} />
                  </span>
                ) : null}
              </td>
              <td data-testid="device-mode">
                <ModeLabel mode={device.settings.mode} />
              </td>
              <td className="nowrap" data-testid="device-heartbeat">
                {device.last_heartbeat_at ? (
                  <LocalTime value={device.last_heartbeat_at} format={seconds} />
                ) : (
                  <span className="muted">{t('devices.neverSeen')}</span>
                )}
              </td>
              <td className="nowrap">
                <span className="mono" data-testid="device-agent">
                  {device.agent_version ?? t('common.none')}
                </span>
                {device.outdated ? (
                  <>
                    {' '}
                    <span className="badge badge--warn" data-testid="device-outdated">
                      {t('devices.outdated')}
                    </span>
                  </>
                ) : null}
                <span className="small muted cell-note" data-testid="device-secure-cards" data-secure={device.secure_cards}>
                  {device.secure_cards ? t('devices.secure.reads') : t('devices.secure.readsNot')}
                </span>
              </td>
              <td data-testid="device-readers">
                {device.readers.length === 0 ? (
                  t('common.none')
                ) : (
                  <ul className="plain-list">
                    {device.readers.map((reader, i) => (
                      <li key={`${reader}:${i}`}>{reader}</li>
                    ))}
                  </ul>
                )}
              </td>
              <td className="num" data-testid="device-queue">
                {device.queue_length ?? t('common.none')}
              </td>
              <td data-testid="device-card">
                {device.card_enrolment_for ? (
                  <span className="badge badge--warn" data-testid="device-card-pending">
                    {t('devices.cardPending')} <ShortId id={device.card_enrolment_for} />
                  </span>
                ) : (
                  t('common.none')
                )}
              </td>
              <td>
                {active ? (
                  <div className="button-row button-row--tight">
                    <button
                      type="button"
                      className="button button--small"
                      aria-expanded={editing === device.id}
                      disabled={busy}
                      onClick={() => setEditing(editing === device.id ? null : device.id)}
                      data-testid="device-edit"
                    >
                      {t('devices.edit')}
                    </button>
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy}
                      onClick={() => setRevoking(device)}
                      data-testid="device-revoke"
                    >
                      {t('devices.revoke')}
                    </button>
                  </div>
                ) : null}
              </td>
            </tr>,
          ];
          if (editing === device.id && active) {
            rows.push(
              <tr key={`${device.id}:edit`} className="member-editor-row">
                <td colSpan={DEVICE_COLUMNS.length}>
                  <DeviceEditor
                    device={device}
                    locations={locations}
                    onCancel={() => setEditing(null)}
                    onSaved={(saved) => {
                      setEditing(null);
                      setMessage({ kind: 'ok', text: t('devices.saved', { name: saved.settings.name }) });
                      refresh();
                    }}
                  />
                </td>
              </tr>,
            );
          }
          return rows;
        })}
      </LogTable>
      <ConfirmDialog
        open={revoking !== null}
        title={t('devices.revokeConfirm.title')}
        text={revoking ? t('devices.revokeConfirm.text', { name: revoking.settings.name }) : ''}
        confirmLabel={t('devices.revokeConfirm.confirm')}
        cancelLabel={t('devices.revokeConfirm.keep')}
        busy={busy}
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          if (revoking) void revoke(revoking);
        }}
        testId="device-revoke-dialog"
      />
    </section>
  );
}

/** A session a device may serve, with a label "Title · 1 Jun 2030, 18:00–20:00". */
interface SessionOption {
  id: string;
  title: string;
  startsAt: string;
  endsAt: string;
}

/** Sessions that have not ended yet, of events that are not cancelled, soonest first. */
function upcomingSessions(events: readonly EventRecord[], now: string): SessionOption[] {
  return events
    .filter((e) => e.status !== 'cancelled')
    .flatMap((e) => e.sessions.filter((s) => s.ends_at >= now).map((s) => ({ id: s.id, title: e.title, startsAt: s.starts_at, endsAt: s.ends_at })))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt) || a.title.localeCompare(b.title));
}

interface SettingsDraft {
  name: string;
  locationId: string;
  mode: DeviceMode;
  duplicate: string;
  lateUpload: string;
  sessionIds: string[];
}

const SETTINGS_FIELDS = new Set(['name', 'location_id', 'mode', 'duplicate_window_seconds', 'late_upload_after_seconds', 'session_ids']);

/** A device's settings; what was typed stays on an error. */
function DeviceEditor({
  device,
  locations,
  onCancel,
  onSaved,
}: {
  device: Device;
  locations: Load<Location[]>;
  onCancel: () => void;
  onSaved: (device: Device) => void;
}) {
  const { t } = useI18n();
  const format = useLocalDateTimeFormat();
  const events = useKeyedLoad('events-for-devices', listEvents);
  const [draft, setDraft] = useState<SettingsDraft>(() => ({
    name: device.settings.name,
    locationId: device.settings.location_id ?? '',
    mode: device.settings.mode === 'check_out' ? 'check_out' : 'check_in',
    duplicate: String(device.settings.duplicate_window_seconds),
    lateUpload: String(device.settings.late_upload_after_seconds),
    sessionIds: device.settings.session_ids ?? [],
  }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const baseId = useId();
  const titleId = useId();
  const id = (field: string) => `${baseId}-${field}`;
  const errorOf = (field: string, testId: string): FieldError | undefined =>
    errors[field] ? { id: id(`${field}-error`), text: errors[field], testId } : undefined;
  const update = (patch: Partial<SettingsDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const now = useMemo(() => new Date().toISOString().slice(0, 19), []);
  const options = useMemo(() => {
    const upcoming = events.state === 'ok' ? upcomingSessions(events.value, now) : [];
    // Sessions already chosen stay in the list even when they are over.
    const all = events.state === 'ok' ? events.value.flatMap((e) => e.sessions.map((s) => ({ id: s.id, title: e.title, startsAt: s.starts_at, endsAt: s.ends_at }))) : [];
    const extra = draft.sessionIds
      .filter((sid) => !upcoming.some((o) => o.id === sid))
      .map((sid) => all.find((o) => o.id === sid) ?? { id: sid, title: t('devices.field.unknownSession'), startsAt: '', endsAt: '' });
    return [...extra, ...upcoming];
  }, [events, now, draft.sessionIds, t]);

  const toggleSession = (sessionId: string, on: boolean) =>
    setDraft((d) => ({
      ...d,
      sessionIds: on ? [...d.sessionIds.filter((s) => s !== sessionId), sessionId] : d.sessionIds.filter((s) => s !== sessionId),
    }));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    const found: Record<string, string> = {};
    const name = draft.name.trim();
    if (!name) found.name = t('form.required');
    else if (name.length > MAX_DEVICE_NAME) found.name = t('form.tooLong', { max: MAX_DEVICE_NAME });
    const duplicate = wholeNumberIn(draft.duplicate, DUPLICATE_WINDOW_RANGE);
    if (duplicate === null) found.duplicate_window_seconds = t('devices.error.range', DUPLICATE_WINDOW_RANGE);
    const lateUpload = wholeNumberIn(draft.lateUpload, LATE_UPLOAD_RANGE);
    if (lateUpload === null) found.late_upload_after_seconds = t('devices.error.range', LATE_UPLOAD_RANGE);
    setErrors(found);
    if (Object.keys(found).length > 0 || duplicate === null || lateUpload === null) {
      setMessage({ kind: 'error', text: t('form.fixErrors') });
      return;
    }
    const settings: DeviceSettings = {
      name,
      location_id: draft.locationId || null,
      mode: draft.mode,
      duplicate_window_seconds: duplicate,
      late_upload_after_seconds: lateUpload,
      session_ids: draft.sessionIds,
    };
    setSaving(true);
    try {
      onSaved(await updateDevice(device.id, settings));
    } catch (err) {
      handleAuthError(err);
      const next: Record<string, string> = {};
      const elsewhere: string[] = [];
      for (const issue of fieldIssues(err)) {
        if (SETTINGS_FIELDS.has(issue.field)) next[issue.field] = issueText(t, issue);
        else elsewhere.push(issue.message ? `${issue.field}: ${issue.message}` : issue.field);
      }
      setErrors(next);
      let text: string;
      if (Object.keys(next).length > 0 || elsewhere.length > 0) {
        text = elsewhere.length > 0 ? `${t('form.fixErrors')} ${elsewhere.join('; ')}` : t('form.fixErrors');
      } else {
        text = problemMessage(t, err, t('devices.error.save'), DEVICE_WORDING);
      }
      setMessage({ kind: 'error', text });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="role-editor device-editor" onSubmit={(e) => void onSubmit(e)} noValidate aria-labelledby={titleId} data-testid="device-editor">
      <h3 id={titleId} className="role-editor__title">
        {t('devices.editTitle', { name: device.settings.name })}
      </h3>
      <div className="form-grid">
        <FormField
          id={id('name')}
          label={t('devices.field.name')}
          error={errorOf('name', 'device-name-error')}
          type="text"
          required
          maxLength={MAX_DEVICE_NAME}
          autoComplete="off"
          value={draft.name}
          onChange={(e) => update({ name: e.target.value })}
          data-testid="device-field-name"
        />
        <LocationSelect
          id={id('location')}
          value={draft.locationId}
          locations={locations}
          onChange={(locationId) => update({ locationId })}
          testId="device-field-location"
          error={errorOf('location_id', 'device-location-error')}
        />
        <div className="field">
          <label htmlFor={id('mode')}>{t('devices.field.mode')}</label>
          <select
            id={id('mode')}
            value={draft.mode}
            onChange={(e) => update({ mode: e.target.value === 'check_out' ? 'check_out' : 'check_in' })}
            data-testid="device-field-mode"
          >
            {DEVICE_MODES.map((mode) => (
              <option key={mode} value={mode}>
                {t(mode === 'check_out' ? 'devices.mode.check_out' : 'devices.mode.check_in')}
              </option>
            ))}
          </select>
          {errors.mode ? (
            <p className="field__error" role="alert" data-testid="device-mode-error">
              {errors.mode}
            </p>
          ) : null}
        </div>
        <NumberField
          id={id('duplicate')}
          label={t('devices.field.duplicate')}
          hint={{ id: id('duplicate-hint'), text: t('devices.field.duplicateHint', DUPLICATE_WINDOW_RANGE) }}
          error={errorOf('duplicate_window_seconds', 'device-duplicate-error')}
          range={DUPLICATE_WINDOW_RANGE}
          value={draft.duplicate}
          onChange={(duplicate) => update({ duplicate })}
          data-testid="device-field-duplicate"
        />
        <NumberField
          id={id('late')}
          label={t('devices.field.lateUpload')}
          hint={{ id: id('late-hint'), text: t('devices.field.lateUploadHint', LATE_UPLOAD_RANGE) }}
          error={errorOf('late_upload_after_seconds', 'device-late-error')}
          range={LATE_UPLOAD_RANGE}
          value={draft.lateUpload}
          onChange={(lateUpload) => update({ lateUpload })}
          data-testid="device-field-late"
        />
      </div>
      <fieldset className="fieldset" data-testid="device-field-sessions">
        <legend>{t('devices.field.sessions')}</legend>
        <p className="small muted field__hint">{t('devices.field.sessionsHint')}</p>
        {events.state === 'loading' ? <p className="small muted">{t('events.loading')}</p> : null}
        {events.state === 'error' || events.state === 'forbidden' ? <p className="small muted">{t('devices.field.sessionsUnavailable')}</p> : null}
        {events.state === 'ok' && options.length === 0 ? <p className="small muted">{t('devices.field.noSessions')}</p> : null}
        {options.length > 0 ? (
          <ul className="plain-list session-choices">
            {options.map((option) => (
              <li key={option.id}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={draft.sessionIds.includes(option.id)}
                    onChange={(e) => toggleSession(option.id, e.target.checked)}
                    data-testid="device-session"
                    data-session={option.id}
                  />
                  <span>
                    {option.title}
                    {option.startsAt && option.endsAt ? (
                      <>
                        {' · '}
                        <SessionRange startsAt={option.startsAt} endsAt={option.endsAt} format={format} />
                      </>
                    ) : null}
                  </span>
                </label>
              </li>
            ))}
          </ul>
        ) : null}
        {errors.session_ids ? (
          <p className="field__error" role="alert" data-testid="device-sessions-error">
            {errors.session_ids}
          </p>
        ) : null}
      </fieldset>
      <MessageLine message={message} testId="device-editor-message" />
      <div className="form__actions">
        <button type="submit" className="button button--primary" disabled={saving} data-testid="device-save">
          {saving ? t('devices.saving') : t('devices.save')}
        </button>
        <button type="button" className="button" disabled={saving} onClick={onCancel} data-testid="device-cancel">
          {t('devices.cancel')}
        </button>
      </div>
    </form>
  );
}
