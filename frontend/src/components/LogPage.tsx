import type { ReactNode } from 'react';
import { useI18n, type MessageKey } from '../i18n';

interface LogPageProps {
  /** Prefix of the ids and test ids: `${name}-title`, `${name}-forbidden`. */
  name: string;
  title: MessageKey;
  intro: MessageKey;
  introTestId?: string;
  /** The account may not read this log: the title and `forbiddenMessage` only. */
  forbidden: boolean;
  forbiddenMessage: MessageKey;
  /** The cards below the title (filters, exports, results). */
  children: ReactNode;
}

/** The frame of the log pages (audit log, deletion log). */
export function LogPage({ name, title, intro, introTestId, forbidden, forbiddenMessage, children }: LogPageProps) {
  const { t } = useI18n();
  const titleId = `${name}-title`;

  if (forbidden) {
    return (
      <section className="card" aria-labelledby={titleId}>
        <h1 id={titleId}>{t(title)}</h1>
        <p className="alert alert--error" role="alert" data-testid={`${name}-forbidden`}>
          {t(forbiddenMessage)}
        </p>
      </section>
    );
  }

  return (
    <div className="stack">
      <section aria-labelledby={titleId}>
        <h1 id={titleId}>{t(title)}</h1>
        <p className="muted" data-testid={introTestId}>
          {t(intro)}
        </p>
      </section>
      {children}
    </div>
  );
}

interface LogResultsCardProps {
  /** Prefix of the heading's id: `${name}-results-title`. */
  name: string;
  heading: MessageKey;
  children: ReactNode;
}

/** The results card of a log page; its heading is for screen readers only. */
export function LogResultsCard({ name, heading, children }: LogResultsCardProps) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby={`${name}-results-title`}>
      <h2 id={`${name}-results-title`} className="visually-hidden">
        {t(heading)}
      </h2>
      {children}
    </section>
  );
}
