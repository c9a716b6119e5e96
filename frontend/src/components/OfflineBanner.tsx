import { useConnectivity } from '../connectivity';
import { useI18n } from '../i18n';

/**
 * TOM AVAIL-4: shown while the backend does not answer (network error or
 * 502/503/504); disappears by itself once the status poll succeeds again.
 */
export function OfflineBanner() {
  const connectivity = useConnectivity();
  const { t } = useI18n();
  if (connectivity !== 'offline') return null;
  return (
    <div className="offline-banner" role="alert" data-testid="offline-banner">
      <div className="container offline-banner__inner">
        <span className="offline-banner__spinner" aria-hidden="true" />
        <span>{t('offline.banner')}</span>
      </div>
    </div>
  );
}
