import { useI18n } from '../i18n';

/** Opens the browser's print dialog; the print stylesheet (`@media print`) hides the app around the record. */
export function PrintButton({ testId = 'print-button' }: { testId?: string }) {
  const { t } = useI18n();
  return (
    <button type="button" className="button button--primary no-print" onClick={() => window.print()} data-testid={testId}>
      {t('attendance.print')}
    </button>
  );
}
