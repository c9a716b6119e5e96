import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, isAbort } from '../api/client';
import { listPublicEvents, type PublicEventList } from '../api/publicPages';
import { EventKindLabel } from '../components/EventBadges';
import { SessionRange, TimeZoneNote, useLocalDateTimeFormat } from '../components/EventTimes';
import { useI18n } from '../i18n';
import { href, navigate, useHashLocation } from '../router';
import { setPublicTimeZone } from '../timeZone';

/**
 * The tenant's public event list `#/e/{slug}` (issue 23; no account): the
 * published events that take bookings and have a free seat, filterable by
 * place and month (kept in the route), each leading to its booking page. It
 * exists only when the tenant turned it on; also shown embedded (`/embed/…`).
 */
export function PublicListPage({ slug }: { slug: string }) {
  const { t } = useI18n();
  const { query } = useHashLocation();
  const location = query.get('location') ?? '';
  const month = query.get('month') ?? '';
  const [load, setLoad] = useState<
    { state: 'loading' } | { state: 'ok'; list: PublicEventList } | { state: 'missing' } | { state: 'error' }
  >({ state: 'loading' });
  const [draft, setDraft] = useState({ location, month });
  const locationId = useId();
  const monthId = useId();
  const format = useLocalDateTimeFormat();

  useEffect(() => {
    const controller = new AbortController();
    listPublicEvents(slug, { location, month }, controller.signal).then(
      (list) => {
        setPublicTimeZone(list.time_zone);
        setLoad({ state: 'ok', list });
      },
      (err: unknown) => {
        if (isAbort(err)) return;
        setLoad(err instanceof ApiError && err.status === 404 ? { state: 'missing' } : { state: 'error' });
      },
    );
    return () => controller.abort();
  }, [slug, location, month]);
  useEffect(() => () => setPublicTimeZone(null), []);

  const onFilter = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (draft.location) next.location = draft.location;
    if (/^\d{4}-\d{2}$/.test(draft.month)) next.month = draft.month;
    navigate(`/e/${encodeURIComponent(slug)}`, { query: next });
  };

  if (load.state !== 'ok') {
    return (
      <section className="card" aria-labelledby="pub-title">
        <h1 id="pub-title">{t('pub.list.title')}</h1>
        <p className={load.state === 'loading' ? 'muted' : 'alert alert--error'} role="status" data-testid="pub-status" data-state={load.state}>
          {load.state === 'loading' ? t('pub.list.loading') : load.state === 'missing' ? t('pub.list.missing') : t('pub.list.loadError')}
        </p>
      </section>
    );
  }
  const { list } = load;
  return (
    <div className="stack">
      <section aria-labelledby="pub-title">
        <p className="small muted" data-testid="pub-tenant">
          {list.tenant_name}
        </p>
        <h1 id="pub-title">{t('pub.list.title')}</h1>
      </section>
      <section className="card">
        <form className="filter-form" role="search" onSubmit={onFilter}>
          <div className="filter-form__grid">
            <div className="field">
              <label htmlFor={locationId}>{t('pub.list.location')}</label>
              <select
                id={locationId}
                value={draft.location}
                onChange={(e) => setDraft((d) => ({ ...d, location: e.target.value }))}
                data-testid="pub-filter-location"
              >
                <option value="">{t('pub.list.all')}</option>
                {list.locations.map((l) => (
                  <option key={l.id} value={l.id}>
                    {l.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={monthId}>{t('pub.list.month')}</label>
              <input
                id={monthId}
                type="month"
                value={draft.month}
                onChange={(e) => setDraft((d) => ({ ...d, month: e.target.value }))}
                data-testid="pub-filter-month"
              />
            </div>
          </div>
          <div className="form__actions">
            <button type="submit" className="button button--primary" data-testid="pub-filter-apply">
              {t('pub.list.filter')}
            </button>
          </div>
        </form>
      </section>
      {list.events.length === 0 ? (
        <p className="muted" data-testid="pub-empty">
          {t('pub.list.empty')}
        </p>
      ) : (
        <ul className="stack pub-list" data-testid="pub-events">
          {list.events.map((e) => (
            <li key={e.id} className="card" data-testid="pub-event" data-event={e.id}>
              <h2 data-testid="pub-event-title">{e.title}</h2>
              <p className="badge-list">
                <span className="badge badge--off">
                  <EventKindLabel kind={e.kind} />
                </span>
                <span className="badge badge--ok" data-testid="pub-event-seats">
                  {t('pub.list.seats', { count: e.seats_left })}
                </span>
                {e.location_name ? <span className="badge badge--off">{e.location_name}</span> : null}
              </p>
              <ul className="session-list">
                {e.sessions.slice(0, 3).map((s) => (
                  <li key={s.id}>
                    <SessionRange startsAt={s.starts_at} endsAt={s.ends_at} format={format} />
                  </li>
                ))}
                {e.sessions.length > 3 ? <li>…</li> : null}
              </ul>
              <a className="button button--primary" href={href(`/book/${encodeURIComponent(slug)}/${encodeURIComponent(e.id)}`)} data-testid="pub-event-book">
                {t('pub.list.book')}
              </a>
            </li>
          ))}
        </ul>
      )}
      <TimeZoneNote />
    </div>
  );
}
