import { useCallback, useId, useState, type FormEvent, type ReactNode } from 'react';
import { localInputToUtc, toApiDateTime, utcToLocalInput } from '../format';
import { useI18n, type MessageKey } from '../i18n';

/** The UTC time range every log filter has (`YYYY-MM-DDTHH:MM:SS`, no zone); the fields show it in the tenant's zone. */
export interface TimeRange {
  from?: string;
  to?: string;
}

/** `set('key')` is the change handler of the field for `key`. */
export type FilterSetter<F> = (key: keyof F) => (event: { target: { value: string } }) => void;

interface TimeRangeFilterFormProps<F extends TimeRange> {
  /** Prefix of the ids and test ids: `${name}-filter-title`, `${name}-filter-from`, … */
  name: string;
  initial: F;
  onApply: (filters: F) => void;
  /** More fields after from/to, in the same grid. */
  children?: (draft: F, set: FilterSetter<F>) => ReactNode;
}

/**
 * The filter card of the log pages: from/to fields (datetime-local, in the
 * tenant's time zone, applied as UTC), any further fields, apply and reset.
 * Applies only a valid range.
 */
export function TimeRangeFilterForm<F extends TimeRange>(props: TimeRangeFilterFormProps<F>) {
  const { name, initial, onApply, children } = props;
  const { t } = useI18n();
  const [draft, setDraft] = useState<F>(() => ({
    ...initial,
    from: initial.from ? utcToLocalInput(initial.from) || initial.from : initial.from,
    to: initial.to ? utcToLocalInput(initial.to) || initial.to : initial.to,
  }));
  const [rangeError, setRangeError] = useState(false);
  const errorId = useId();

  const set = useCallback<FilterSetter<F>>(
    (key) => (event) => {
      const value = event.target.value;
      setDraft((d) => ({ ...d, [key]: value }));
    },
    [],
  );

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const next: F = { ...draft };
    if (next.from) next.from = localInputToUtc(next.from) ?? toApiDateTime(next.from);
    if (next.to) next.to = localInputToUtc(next.to) ?? toApiDateTime(next.to);
    if (next.from && next.to && next.from > next.to) {
      setRangeError(true);
      return;
    }
    setRangeError(false);
    onApply(next);
  };

  const onReset = () => {
    // Every filter field is optional: no filters at all.
    const none = {} as F;
    setDraft(none);
    setRangeError(false);
    onApply(none);
  };

  const timeField = (key: 'from' | 'to', label: MessageKey) => (
    <DateTimeField
      label={t(label)}
      value={draft[key] ?? ''}
      onChange={set(key)}
      invalid={rangeError}
      testId={`${name}-filter-${key}`}
    />
  );

  return (
    <section className="card" aria-labelledby={`${name}-filter-title`}>
      <h2 id={`${name}-filter-title`}>{t('audit.filter.title')}</h2>
      <form className="filter-form" role="search" onSubmit={onSubmit} aria-describedby={rangeError ? errorId : undefined}>
        <div className="filter-form__grid">
          {timeField('from', 'audit.filter.from')}
          {timeField('to', 'audit.filter.to')}
          {children?.(draft, set)}
        </div>
        {rangeError ? (
          <p className="alert alert--error" role="alert" id={errorId}>
            {t('audit.filter.invalidRange')}
          </p>
        ) : null}
        <div className="button-row">
          <button type="submit" className="button button--primary" data-testid={`${name}-filter-apply`}>
            {t('audit.filter.apply')}
          </button>
          <button type="button" className="button" onClick={onReset} data-testid={`${name}-filter-reset`}>
            {t('audit.filter.reset')}
          </button>
        </div>
      </form>
    </section>
  );
}

interface DateTimeFieldProps {
  label: string;
  value: string;
  onChange: (event: { target: { value: string } }) => void;
  invalid: boolean;
  testId: string;
}

/** A labelled filter field; `children` gets the control's id. */
export function FilterField({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </div>
  );
}

/** One datetime-local field with seconds, labelled. */
function DateTimeField({ label, value, onChange, invalid, testId }: DateTimeFieldProps) {
  return (
    <FilterField label={label}>
      {(id) => (
        <input
          id={id}
          type="datetime-local"
          step={1}
          value={value}
          onChange={onChange}
          aria-invalid={invalid || undefined}
          data-testid={testId}
        />
      )}
    </FilterField>
  );
}

interface TextFilterFieldProps {
  label: string;
  value: string | undefined;
  onChange: (event: { target: { value: string } }) => void;
  testId: string;
  /** Monospace, for ids. */
  mono?: boolean;
}

/** One free-text filter field (ids, type names): no spell check, no autocomplete. */
export function TextFilterField({ label, value, onChange, testId, mono = false }: TextFilterFieldProps) {
  return (
    <FilterField label={label}>
      {(id) => (
        <input
          id={id}
          type="text"
          className={mono ? 'mono' : undefined}
          spellCheck={false}
          autoComplete="off"
          value={value ?? ''}
          onChange={onChange}
          data-testid={testId}
        />
      )}
    </FilterField>
  );
}
