import { LANGUAGES, useI18n } from '../i18n';

/** Toggle between the UI languages; the choice is kept in sessionStorage only. */
export function LanguageSwitch() {
  const { language, setLanguage, t } = useI18n();
  return (
    <div className="lang-switch" role="group" aria-label={t('lang.label')}>
      {LANGUAGES.map((lang) => (
        <button
          key={lang}
          type="button"
          lang={lang}
          className="lang-switch__button"
          aria-pressed={language === lang}
          data-testid={`lang-${lang}`}
          onClick={() => setLanguage(lang)}
        >
          {t(lang === 'de' ? 'lang.de' : 'lang.en')}
        </button>
      ))}
    </div>
  );
}
