import { useI18n } from '../i18n';
import { Link } from '../router';
import { LanguageSwitch } from './LanguageSwitch';

export function Header() {
  const { t } = useI18n();
  return (
    <header className="app-header">
      <div className="container app-header__inner">
        <Link to="/" className="brand" data-testid="brand">
          <img className="brand__mark" src="/favicon.svg" alt="" width="28" height="28" />
          <span className="brand__name">{t('app.name')}</span>
        </Link>
        <span className="app-header__tagline">{t('app.tagline')}</span>
        <LanguageSwitch />
      </div>
    </header>
  );
}
