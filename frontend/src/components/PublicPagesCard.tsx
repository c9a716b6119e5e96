import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { getPublicPages, setPublicPages } from '../api/publicPages';
import { handleAuthError } from '../auth';
import { useI18n } from '../i18n';
import { useKeyedLoad } from '../load';
import { fieldIssues, issueText, withDetail } from '../problems';
import { FormField } from './FormField';
import { MessageLine, type Message } from './MessageLine';
import { TextAreaField } from './TextAreaField';

/**
 * The tenant's time zone, public event list and embedding origins (tenant
 * admins, issue 23), with the iframe snippet for the club's own website.
 */
export function PublicPagesCard() {
  const { t } = useI18n();
  const load = useKeyedLoad('public-pages', getPublicPages);
  const [zone, setZone] = useState<string | null>(null);
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [origins, setOrigins] = useState<string | null>(null);
  const [zoneError, setZoneError] = useState<string | null>(null);
  const [originsError, setOriginsError] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);
  const [slug, setSlug] = useState<string | null>(null);
  const zoneId = useId();
  const enabledId = useId();
  const originsId = useId();
  const settings = load.state === 'ok' ? load.value : null;
  const zoneValue = zone ?? settings?.time_zone ?? '';
  const enabledValue = enabled ?? settings?.public_list_enabled ?? false;
  const originsValue = origins ?? settings?.embed_origins.join('\n') ?? '';
  const tenant = slug ?? settings?.slug ?? '';
  const base = window.location.origin;
  const snippet = `<iframe src="${base}/embed/${tenant}#/e/${tenant}" title="${t('pub.list.title')}" width="100%" height="800" style="border:0" loading="lazy"></iframe>`;

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    setMessage(null);
    setZoneError(null);
    setOriginsError(null);
    if (!zoneValue.trim()) {
      setZoneError(t('form.required'));
      return;
    }
    setSaving(true);
    try {
      const saved = await setPublicPages({
        time_zone: zoneValue.trim(),
        public_list_enabled: enabledValue,
        embed_origins: originsValue.split('\n').map((o) => o.trim()).filter((o) => o !== ''),
      });
      setZone(saved.time_zone);
      setEnabled(saved.public_list_enabled);
      setOrigins(saved.embed_origins.join('\n'));
      setSlug(saved.slug);
      setMessage({ kind: 'ok', text: t('pub.settings.saved') });
    } catch (err) {
      handleAuthError(err);
      const issue = fieldIssues(err)[0];
      if (issue?.field === 'time_zone') setZoneError(issueText(t, issue));
      else if (issue?.field === 'embed_origins') setOriginsError(issueText(t, issue));
      else if (err instanceof ApiError && err.status === 403) setMessage({ kind: 'error', text: t('events.error.forbidden') });
      else setMessage({ kind: 'error', text: withDetail(t, t('pub.settings.error'), err) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="public-pages-title" data-testid="public-pages">
      <h2 id="public-pages-title">{t('pub.settings.title')}</h2>
      <p className="muted">{t('pub.settings.intro')}</p>
      {load.state === 'loading' ? (
        <p className="muted" role="status">
          {t('pub.settings.loading')}
        </p>
      ) : null}
      {load.state === 'error' || load.state === 'forbidden' ? (
        <p className="alert alert--error" role="alert">
          {t('pub.settings.loadError')}
        </p>
      ) : null}
      {settings ? (
        <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate>
          <FormField
            id={zoneId}
            label={t('pub.settings.timeZone')}
            hint={{ id: `${zoneId}-hint`, text: t('pub.settings.timeZoneHint') }}
            error={zoneError ? { id: `${zoneId}-error`, text: zoneError, testId: 'public-time-zone-error' } : undefined}
            value={zoneValue}
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => setZone(e.target.value)}
            data-testid="public-time-zone"
          />
          <label className="check" htmlFor={enabledId}>
            <input
              id={enabledId}
              type="checkbox"
              checked={enabledValue}
              onChange={(e) => setEnabled(e.target.checked)}
              data-testid="public-list-enabled"
            />
            {t('pub.settings.listEnabled')}
          </label>
          {enabledValue && tenant ? (
            <p className="small">
              {t('pub.settings.listLink')}{' '}
              <a href={`#/e/${tenant}`} data-testid="public-list-link">{`${base}/#/e/${tenant}`}</a>
            </p>
          ) : null}
          <TextAreaField
            id={originsId}
            label={t('pub.settings.origins')}
            hint={{ id: `${originsId}-hint`, text: t('pub.settings.originsHint') }}
            error={originsError ? { id: `${originsId}-error`, text: originsError, testId: 'public-origins-error' } : undefined}
            rows={3}
            value={originsValue}
            onChange={(e) => setOrigins(e.target.value)}
            data-testid="public-origins"
          />
          <p className="small">{t('pub.settings.snippet')}</p>
          <pre className="mono small prewrap" data-testid="public-snippet">
            {snippet}
          </pre>
          <p className="small muted">{t('pub.settings.snippetEvent', { slug: tenant })}</p>
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={saving} data-testid="public-save">
              {saving ? t('pub.settings.saving') : t('pub.settings.save')}
            </button>
          </div>
        </form>
      ) : null}
      <MessageLine message={message} testId="public-message" />
    </section>
  );
}
