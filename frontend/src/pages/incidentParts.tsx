import { useLocalDateTimeFormat } from '../components/EventTimes';
import { parseUtc } from '../format';
import { useI18n } from '../i18n';

/** A server time (UTC) as the incident pages show it, in the browser's time zone. */
export function useWhen(): (value: string | null | undefined) => string {
  const format = useLocalDateTimeFormat();
  const { t } = useI18n();
  return (value) => {
    if (!value) return t('common.none');
    const date = parseUtc(value);
    return date ? format.format(date) : value;
  };
}
