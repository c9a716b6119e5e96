import type { ReactNode, TextareaHTMLAttributes } from 'react';
import { describedBy, FieldNotes } from './FormField';
import type { FieldError, FieldNote } from './FormField';

interface TextAreaFieldProps extends TextareaHTMLAttributes<HTMLTextAreaElement> {
  id: string;
  label: ReactNode;
  hint?: FieldNote | undefined;
  error?: FieldError | undefined;
}

/** `FormField` for multi-line text: label, optional hint and error, wired up through aria attributes. */
export function TextAreaField({ id, label, hint, error, ...textarea }: TextAreaFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} aria-invalid={error ? true : undefined} aria-describedby={describedBy(hint, error)} {...textarea} />
      <FieldNotes hint={hint} error={error} />
    </div>
  );
}
