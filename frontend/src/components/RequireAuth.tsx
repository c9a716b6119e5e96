import { useEffect, type ReactNode } from 'react';
import { useAuth, type Account } from '../auth';
import { useI18n } from '../i18n';
import { navigate, useHashLocation } from '../router';

/**
 * Renders `children` for a signed-in account only. While the session is
 * being restored it shows a short notice; without a session it sends the
 * user to `#/login?next=<this page>`.
 */
export function RequireAuth({ children }: { children: (account: Account) => ReactNode }) {
  const auth = useAuth();
  const { t } = useI18n();
  const { path } = useHashLocation();

  useEffect(() => {
    if (auth.status === 'signed-out') {
      navigate('/login', { query: { next: path }, replace: true });
    }
  }, [auth.status, path]);

  if (auth.status === 'signed-in') return <>{children(auth.account)}</>;
  return (
    <p className="muted" role="status" data-testid="auth-checking">
      {auth.status === 'checking' ? t('auth.checking') : t('auth.required')}
    </p>
  );
}
