import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { de, type MessageKey, type Messages } from './de';
import { en } from './en';
import { onClientStateCleared, sessionGet, sessionSet } from '../session';
import { useTimeZone } from '../timeZone';

export type Language = 'de' | 'en';

export const LANGUAGES: readonly Language[] = ['de', 'en'];
export const DEFAULT_LANGUAGE: Language = 'de';

const dictionaries: Record<Language, Messages> = { de, en };

/** BCP 47 locale used for dates and numbers. */
const locales: Record<Language, string> = { de: 'de-DE', en: 'en-GB' };

// The chosen language is kept in sessionStorage only (TOM PRIV-2).
const STORAGE_KEY = 'lang';

function isLanguage(value: unknown): value is Language {
  return value === 'de' || value === 'en';
}

function initialLanguage(): Language {
  const stored = sessionGet(STORAGE_KEY);
  return isLanguage(stored) ? stored : DEFAULT_LANGUAGE;
}

/** True if `key` is a dictionary key (for codes from the server, e.g. roles). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.hasOwn(de, key);
}

export type TranslateVars = Readonly<Record<string, string | number>>;

export interface I18n {
  language: Language;
  locale: string;
  setLanguage: (language: Language) => void;
  t: (key: MessageKey, vars?: TranslateVars) => string;
  formatDateTime: (value: Date) => string;
}

const I18nContext = createContext<I18n | null>(null);

function interpolate(template: string, vars?: TranslateVars): string {
  if (!vars) return template;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => {
    const value = vars[name];
    return value === undefined ? match : String(value);
  });
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  const setLanguage = useCallback((next: Language) => {
    sessionSet(STORAGE_KEY, next);
    setLanguageState(next);
  }, []);

  // After clearClientState() the stored choice is gone: fall back to German.
  useEffect(() => onClientStateCleared(() => setLanguageState(DEFAULT_LANGUAGE)), []);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  // Times for people are shown in the tenant's time zone (issue 23); none: the browser's.
  const timeZone = useTimeZone();
  const value = useMemo<I18n>(() => {
    const messages = dictionaries[language];
    const locale = locales[language];
    const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium', timeZone });
    return {
      language,
      locale,
      setLanguage,
      t: (key, vars) => interpolate(messages[key], vars),
      formatDateTime: (date) => dateTimeFormat.format(date),
    };
  }, [language, setLanguage, timeZone]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n must be used inside <I18nProvider>');
  return ctx;
}

export type { MessageKey, Messages };
