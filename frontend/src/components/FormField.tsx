import type { InputHTMLAttributes, ReactNode, Ref } from 'react';

/** A message shown under the input and referenced by its `aria-describedby`. */
export interface FieldNote {
  id: string;
  text: ReactNode;
}

export interface FieldError extends FieldNote {
  testId: string;
}

interface FormFieldProps extends InputHTMLAttributes<HTMLInputElement> {
  id: string;
  label: ReactNode;
  /** Help text under the input. */
  hint?: FieldNote | undefined;
  /** Validation error; marks the input invalid and is announced (role=alert). */
  error?: FieldError | undefined;
  /** The input element (e.g. to focus it). */
  ref?: Ref<HTMLInputElement> | undefined;
}

/**
 * A labelled input (`.field`) with optional hint and error, wired up through
 * `aria-describedby` / `aria-invalid`. Other props (incl. `data-testid`) go to the input.
 */
export function FormField({ id, label, hint, error, ...input }: FormFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hint, error)} {...input} />
      <FieldNotes hint={hint} error={error} />
    </div>
  );
}

/** The ids a field's `aria-describedby` names: its hint and its error. */
export function describedBy(hint?: FieldNote, error?: FieldError): string | undefined {
  return [hint?.id, error?.id].filter(Boolean).join(' ') || undefined;
}

/** The hint and error lines under a field's control. */
export function FieldNotes({ hint, error }: { hint?: FieldNote | undefined; error?: FieldError | undefined }) {
  return (
    <>
      {hint ? (
        <p id={hint.id} className="small muted field__hint">
          {hint.text}
        </p>
      ) : null}
      {error ? (
        <p id={error.id} className="field__error" role="alert" data-testid={error.testId}>
          {error.text}
        </p>
      ) : null}
    </>
  );
}
