import { useEffect, type ReactNode } from 'react';
import { useAuth, type Account } from '../auth';
import { useI18n } from '../i18n';
import { navigate, useHashLocation } from '../router';

/** The page that sets up the second factor; the only one open while enrolment is pending. */
const ENROL_PATH = '/account';

/**
 * Renders `children` for a signed-in account only. While the session is
 * being restored it shows a short notice; without a session it sends the
 * user to `#/login?next=<this page>`. A sign-in that still needs its second
 * factor goes back to the sign-in page (which asks for the code); one that
 * must enrol a second factor first (the tenant requires it) goes to the
 * account page's enrolment, whatever page was asked for.
 */
export function RequireAuth({ children }: { children: (account: Account) => ReactNode }) {
  const auth = useAuth();
  const { t } = useI18n();
  const { path } = useHashLocation();
  const stage = auth.status === 'signed-in' ? auth.account.stage : null;

  useEffect(() => {
    if (auth.status === 'signed-out' || stage === 'mfa') {
      navigate('/login', { query: { next: path }, replace: true });
    } else if (stage === 'enrol' && path !== ENROL_PATH) {
      navigate(ENROL_PATH, { replace: true });
    }
  }, [auth.status, stage, path]);

  if (auth.status === 'signed-in' && (stage === 'full' || (stage === 'enrol' && path === ENROL_PATH))) {
    return <>{children(auth.account)}</>;
  }
  return (
    <p className="muted" role="status" data-testid="auth-checking">
      {auth.status === 'checking' ? t('auth.checking') : t('auth.required')}
    </p>
  );
}
