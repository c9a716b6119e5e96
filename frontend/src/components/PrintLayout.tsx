import type { ReactNode } from 'react';
import { useI18n, type MessageKey } from '../i18n';
import type { Load } from '../load';
import { href } from '../router';
import { LoadStatus } from './LoadStatus';

/**
 * The frame of a printable record (attendance records, the processing
 * record): a back link and the print button that the print stylesheet hides,
 * the title, an optional intro, the load status and, once loaded, the body.
 * `@media print` leaves only the `.print-record`.
 */
export function PrintLayout<T>({
  testId,
  className,
  titleId,
  title,
  back,
  print,
  intro,
  load,
  status,
  children,
}: {
  testId: string;
  /** Extra class of the `<article>` besides `print-record`. */
  className?: string;
  titleId: string;
  title: MessageKey;
  back: { to: string; label: MessageKey; testId: string };
  print: { label: MessageKey; testId: string };
  intro?: ReactNode;
  load: Load<T>;
  /** The status line's test id and texts while `load` is not there. */
  status: { testId: string; loading: MessageKey; forbidden: MessageKey; error: MessageKey };
  /** The record, once loaded. */
  children: (value: T) => ReactNode;
}) {
  const { t } = useI18n();
  return (
    <article className={className ? `print-record ${className}` : 'print-record'} aria-labelledby={titleId} data-testid={testId}>
      <p className="no-print">
        <a href={href(back.to)} data-testid={back.testId}>
          {t(back.label)}
        </a>
      </p>
      <div className="card__head">
        <h1 id={titleId}>{t(title)}</h1>
        {load.state === 'ok' ? <PrintButton label={print.label} testId={print.testId} /> : null}
      </div>
      {intro}
      <LoadStatus load={load} {...status} />
      {load.state === 'ok' ? children(load.value) : null}
    </article>
  );
}

/** Opens the browser's print dialog; the print stylesheet (`@media print`) hides the app around the record. */
function PrintButton({ label, testId }: { label: MessageKey; testId: string }) {
  const { t } = useI18n();
  return (
    <button type="button" className="button button--primary no-print" onClick={() => window.print()} data-testid={testId}>
      {t(label)}
    </button>
  );
}
