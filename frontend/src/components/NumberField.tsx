import type { ComponentProps } from 'react';
import { FormField } from './FormField';

/** Inclusive bounds of a whole number. */
export interface NumberRange {
  min: number;
  max: number;
}

type NumberFieldProps = Omit<ComponentProps<typeof FormField>, 'type' | 'inputMode' | 'min' | 'max' | 'step' | 'value' | 'onChange'> & {
  range: NumberRange;
  /** What was typed (kept as text, so a wrong value stays in the input). */
  value: string;
  onChange: (value: string) => void;
};

/**
 * A labelled input for a whole number within `range` (a `FormField` with
 * `type="number"`, numeric keyboard, step 1); hint, error and other props as there.
 */
export function NumberField({ range, value, onChange, ...field }: NumberFieldProps) {
  return (
    <FormField
      {...field}
      type="number"
      inputMode="numeric"
      min={range.min}
      max={range.max}
      step={1}
      value={value}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}

/** The whole number typed into `text` if it lies within `range`, else null. */
export function wholeNumberIn(text: string, range: NumberRange): number | null {
  if (!/^\d+$/.test(text.trim())) return null;
  const n = Number(text);
  return n >= range.min && n <= range.max ? n : null;
}
