import { useId, useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { createLocation, listLocations, type Location } from '../api/locations';
import { handleAuthError } from '../auth';
import { FormField } from '../components/FormField';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n } from '../i18n';
import { useKeyedLoad, useRound } from '../load';
import { withDetail } from '../problems';

/** Locations of the signed-in tenant: list and add (every change lands in the audit log). */
export function LocationsPage() {
  return <RequireAuth>{() => <LocationsView />}</RequireAuth>;
}

interface TreeItem {
  location: Location;
  depth: number;
}

/** Depth-first order: every location right after its parent, siblings by name. */
function asTree(locations: readonly Location[], collator: Intl.Collator): TreeItem[] {
  const ids = new Set(locations.map((l) => l.id));
  const children = new Map<string | null, Location[]>();
  for (const location of locations) {
    const parent = location.parent_id && ids.has(location.parent_id) ? location.parent_id : null;
    const list = children.get(parent) ?? [];
    list.push(location);
    children.set(parent, list);
  }
  const out: TreeItem[] = [];
  const seen = new Set<string>();
  const visit = (parent: string | null, depth: number) => {
    const list = [...(children.get(parent) ?? [])].sort((a, b) => collator.compare(a.name, b.name));
    for (const location of list) {
      if (seen.has(location.id)) continue;
      seen.add(location.id);
      out.push({ location, depth });
      visit(location.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

function LocationsView() {
  const { t, locale } = useI18n();
  const [round, reload] = useRound();
  const list = useKeyedLoad(`locations:${round}`, listLocations, { keepWhileLoading: true });
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState('');
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const nameId = useId();
  const parentFieldId = useId();

  const tree = useMemo(
    () => (list.state === 'ok' ? asTree(list.value, new Intl.Collator(locale)) : []),
    [list, locale],
  );

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const created = await createLocation(trimmed, parentId || null);
      setName('');
      setMessage({ kind: 'ok', text: t('locations.added', { name: created.name }) });
      reload();
    } catch (err) {
      handleAuthError(err);
      let text = t('locations.createError');
      if (err instanceof ApiError && err.status === 403) text = t('locations.forbidden');
      else if (err instanceof ApiError) text = withDetail(t, text, err);
      setMessage({ kind: 'error', text });
    } finally {
      setSaving(false);
    }
  };

  return (
    <div className="stack">
      <section aria-labelledby="locations-title">
        <h1 id="locations-title">{t('locations.title')}</h1>
        <p className="muted">{t('locations.intro')}</p>
      </section>

      <section className="card" aria-labelledby="locations-form-title">
        <h2 id="locations-form-title">{t('locations.form.title')}</h2>
        <form className="form form--inline" onSubmit={(e) => void onSubmit(e)}>
          <FormField
            id={nameId}
            label={t('locations.name')}
            type="text"
            required
            maxLength={200}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="location-name"
          />
          <div className="field">
            <label htmlFor={parentFieldId}>{t('locations.parent')}</label>
            <select
              id={parentFieldId}
              value={parentId}
              onChange={(e) => setParentId(e.target.value)}
              data-testid="location-parent"
            >
              <option value="">{t('locations.noParent')}</option>
              {tree.map(({ location, depth }) => (
                <option key={location.id} value={location.id}>
                  {`${'\u2003'.repeat(depth)}${location.name}`}
                </option>
              ))}
            </select>
          </div>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={saving} data-testid="location-add">
              {saving ? t('locations.adding') : t('locations.add')}
            </button>
          </div>
        </form>
        <MessageLine message={message} testId="location-message" />
      </section>

      <section className="card" aria-labelledby="locations-list-title">
        <h2 id="locations-list-title">{t('locations.list.title')}</h2>
        {list.state === 'loading' ? <p className="muted" role="status">{t('locations.loading')}</p> : null}
        {list.state === 'error' || list.state === 'forbidden' ? (
          <p className="alert alert--error" role="alert">
            {t('locations.error')}
          </p>
        ) : null}
        {list.state === 'ok' && tree.length === 0 ? <p className="muted">{t('locations.empty')}</p> : null}
        {tree.length > 0 ? (
          <ul className="location-list" data-testid="location-list">
            {tree.map(({ location, depth }) => (
              <li key={location.id} className={`location-list__item location-list__item--d${Math.min(depth, 5)}`} data-testid="location-item">
                {location.name}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
    </div>
  );
}
