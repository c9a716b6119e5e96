import { useId, useState } from 'react';
import { useI18n, type MessageKey } from '../i18n';
import { expandRule, parseDateList, WEEKDAYS, type RuleProblem, type RuleSession, type Weekday } from '../recurrence';

const PROBLEM_TEXT: Record<RuleProblem, MessageKey> = {
  weekdays: 'rule.problem.weekdays',
  from: 'rule.problem.from',
  to: 'rule.problem.to',
  order: 'rule.problem.order',
  time: 'rule.problem.time',
  endBeforeStart: 'rule.problem.endBeforeStart',
  skip: 'rule.problem.skip',
  none: 'rule.problem.none',
  tooMany: 'rule.problem.tooMany',
};

/**
 * "Termine aus Regel": weekly sessions on chosen weekdays between two dates, skipping
 * listed dates. The preview lists what the rule makes; "Übernehmen" puts the sessions
 * into the form's rows, where single ones can still be changed or removed before saving.
 */
export function RecurrenceForm({ max, onApply }: { max: number; onApply: (sessions: RuleSession[]) => void }) {
  const { t, locale } = useI18n();
  const baseId = useId();
  const [weekdays, setWeekdays] = useState<Weekday[]>([]);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [start, setStart] = useState('18:00');
  const [end, setEnd] = useState('19:30');
  const [skip, setSkip] = useState('');
  const [preview, setPreview] = useState<{ sessions: RuleSession[] } | { problem: RuleProblem } | null>(null);

  const weekdayName = (day: Weekday) =>
    // 2024-01-01 was a Monday.
    new Intl.DateTimeFormat(locale, { weekday: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(2024, 0, day)));
  const dateLabel = (value: string) =>
    new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${value.slice(0, 10)}T00:00:00Z`),
    );

  const showPreview = () => setPreview(expandRule({ weekdays, from, to, start, end, skip: parseDateList(skip) }, max));
  const id = (name: string) => `${baseId}-${name}`;

  return (
    <details className="rule" data-testid="rule">
      <summary data-testid="rule-open">{t('rule.title')}</summary>
      <p className="small muted">{t('rule.intro')}</p>
      <fieldset className="rule__weekdays">
        <legend>{t('rule.weekdays')}</legend>
        {WEEKDAYS.map((day) => (
          <label key={day} className="check">
            <input
              type="checkbox"
              checked={weekdays.includes(day)}
              onChange={(e) => setWeekdays((w) => (e.target.checked ? [...w, day] : w.filter((x) => x !== day)))}
              data-testid={`rule-weekday-${day}`}
            />
            {weekdayName(day)}
          </label>
        ))}
      </fieldset>
      <div className="rule__grid">
        <div className="field">
          <label htmlFor={id('from')}>{t('rule.from')}</label>
          <input id={id('from')} type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="rule-from" />
        </div>
        <div className="field">
          <label htmlFor={id('to')}>{t('rule.to')}</label>
          <input id={id('to')} type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="rule-to" />
        </div>
        <div className="field">
          <label htmlFor={id('start')}>{t('rule.start')}</label>
          <input id={id('start')} type="time" value={start} onChange={(e) => setStart(e.target.value)} data-testid="rule-start" />
        </div>
        <div className="field">
          <label htmlFor={id('end')}>{t('rule.end')}</label>
          <input id={id('end')} type="time" value={end} onChange={(e) => setEnd(e.target.value)} data-testid="rule-end" />
        </div>
      </div>
      <div className="field">
        <label htmlFor={id('skip')}>{t('rule.skip')}</label>
        <textarea id={id('skip')} rows={2} value={skip} onChange={(e) => setSkip(e.target.value)} placeholder="2027-04-02" data-testid="rule-skip" />
        <p className="small muted field__hint">{t('rule.skipHint')}</p>
      </div>
      <div className="form__actions">
        <button type="button" className="button button--small" onClick={showPreview} data-testid="rule-preview">
          {t('rule.preview')}
        </button>
      </div>
      {preview && 'problem' in preview ? (
        <p className="field__error" role="alert" data-testid="rule-problem">
          {t(PROBLEM_TEXT[preview.problem], { max })}
        </p>
      ) : null}
      {preview && 'sessions' in preview ? (
        <div data-testid="rule-result">
          <p role="status" data-testid="rule-count">
            {t('rule.count', { count: preview.sessions.length })}
          </p>
          <ol className="rule__list">
            {preview.sessions.map((s) => (
              <li key={s.starts} data-testid="rule-session">
                {dateLabel(s.starts)}, {s.starts.slice(11)}–{s.ends.slice(11)}
              </li>
            ))}
          </ol>
          <button
            type="button"
            className="button button--small button--primary"
            onClick={() => {
              onApply(preview.sessions);
              setPreview(null);
            }}
            data-testid="rule-apply"
          >
            {t('rule.apply')}
          </button>
        </div>
      ) : null}
    </details>
  );
}
