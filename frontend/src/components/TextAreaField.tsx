import type { ReactNode, TextareaHTMLAttributes } from 'react';
import type { FieldError, FieldNote } from './FormField';

interface TextAreaFieldProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  id: string;
  label: ReactNode;
  hint?: FieldNote | undefined;
  error?: FieldError | undefined;
}

/** `FormField` for multi-line text: label, optional hint and error, wired up through aria attributes. */
export function TextAreaField({ id, label, hint, error, ...textarea }: TextAreaFieldProps) {
  const describedBy = [hint?.id, error?.id].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy} {...textarea} />
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
    </div>
  );
}
