import { useI18n, type MessageKey } from '../i18n';

export type ExportFormat = 'csv' | 'json';

interface ExportLinksProps {
  /** Prefix of the ids and test ids: `${name}-export-title`, `${name}-export-csv`, … */
  name: string;
  title: MessageKey;
  hint: MessageKey;
  /** URL of the signed export in `format` with the current filters. */
  url: (format: ExportFormat) => string;
}

/**
 * The export card of the log pages: signed CSV/JSON exports as plain download
 * links (the browser sends the session cookie; the server names the file).
 */
export function ExportLinks({ name, title, hint, url }: ExportLinksProps) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby={`${name}-export-title`}>
      <h2 id={`${name}-export-title`}>{t(title)}</h2>
      <p className="muted small">{t(hint)}</p>
      <div className="button-row">
        <a className="button" href={url('csv')} download data-testid={`${name}-export-csv`}>
          {t('audit.export.csv')}
        </a>
        <a className="button" href={url('json')} download data-testid={`${name}-export-json`}>
          {t('audit.export.json')}
        </a>
      </div>
    </section>
  );
}
