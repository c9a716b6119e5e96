import type { ReactNode } from 'react';
import { FormField } from './FormField';
import type { FieldError } from './FormField';
import { TextAreaField } from './TextAreaField';

interface TextFieldProps {
  id: string;
  label: ReactNode;
  error?: FieldError | undefined;
  value: string;
  onChange: (value: string) => void;
  /** Several lines (a textarea of `rows`), else one input of `type`. */
  multiline?: boolean;
  rows?: number;
  type?: string;
  maxLength?: number;
  'data-testid'?: string;
}

/** One text of a form that edits a record of texts: a line or a textarea, same wiring. */
export function TextField({ multiline = false, rows = 2, type = 'text', maxLength, onChange, ...common }: TextFieldProps) {
  return multiline ? (
    <TextAreaField {...common} rows={rows} onChange={(e) => onChange(e.target.value)} />
  ) : (
    <FormField {...common} type={type} maxLength={maxLength} onChange={(e) => onChange(e.target.value)} />
  );
}
