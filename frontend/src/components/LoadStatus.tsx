import { useI18n, type MessageKey } from '../i18n';
import type { Load } from '../load';

/**
 * The status line of a page while its `Load` is not there: "loading …" as a
 * status, forbidden or failed (with the server's detail) as an alert; nothing
 * once it is loaded.
 */
export function LoadStatus({
  load,
  testId,
  loading,
  forbidden,
  error,
}: {
  load: Load<unknown>;
  testId: string;
  loading: MessageKey;
  forbidden: MessageKey;
  error: MessageKey;
}) {
  const { t } = useI18n();
  if (load.state === 'ok') return null;
  return (
    <p
      className={load.state === 'loading' ? 'muted' : 'alert alert--error'}
      role={load.state === 'loading' ? 'status' : 'alert'}
      data-testid={testId}
      data-state={load.state}
    >
      {load.state === 'loading'
        ? t(loading)
        : load.state === 'forbidden'
          ? t(forbidden)
          : load.state === 'error' && load.detail
            ? `${t(error)} ${t('common.serverSays', { detail: load.detail })}`
            : t(error)}
    </p>
  );
}
