import { useId, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client';
import { correctParticipant } from '../api/subjectRequests';
import { handleAuthError } from '../auth';
import { useI18n } from '../i18n';
import { fieldIssues, issueText, withDetail } from '../problems';
import { FormField } from './FormField';
import { MessageLine, type Message } from './MessageLine';

interface CorrectionPanelProps {
  participantId: string;
  name: string;
  email: string;
  /** The corrected name and email, for the caller's list. */
  onChange: (name: string, email: string) => void;
  onClose: () => void;
}

type Field = 'name' | 'email' | 'phone';

/**
 * Correction of a person's data (Art. 16 GDPR, TOM RIGHTS-1; tenant admins),
 * e.g. to carry out a correction request: name, email and, if given, phone.
 * Errors stand at their field and what was typed stays.
 */
export function CorrectionPanel({ participantId, name, email, onChange, onClose }: CorrectionPanelProps) {
  const { t } = useI18n();
  const baseId = useId();
  const [values, setValues] = useState<Record<Field, string>>({ name, email, phone: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    const missing: Partial<Record<Field, string>> = {};
    if (!values.name.trim()) missing.name = t('form.required');
    if (!values.email.trim()) missing.email = t('form.required');
    setErrors(missing);
    if (Object.keys(missing).length > 0) return;
    setBusy(true);
    setMessage(null);
    try {
      const phone = values.phone.trim();
      const changed = await correctParticipant(participantId, { name: values.name.trim(), email: values.email.trim(), ...(phone ? { phone } : {}) });
      onChange(values.name.trim(), values.email.trim());
      const fields = changed.map((f) => t(`participants.correction.field.${f as Field}`)).join(', ');
      setMessage({ kind: 'ok', text: changed.length > 0 ? t('participants.correction.done', { fields }) : t('participants.correction.unchanged') });
    } catch (err) {
      handleAuthError(err);
      const issues = fieldIssues(err);
      const byField: Partial<Record<Field, string>> = {};
      for (const issue of issues) {
        if (issue.field === 'name' || issue.field === 'email' || issue.field === 'phone') byField[issue.field] = issueText(t, issue);
      }
      if (err instanceof ApiError && err.code === 'email_in_use') byField.email = t('participants.correction.emailInUse');
      setErrors(byField);
      let text: string;
      if (Object.keys(byField).length > 0) text = t('form.fixErrors');
      else if (err instanceof ApiError && err.status === 404) text = t('participants.restriction.notFound');
      else if (err instanceof ApiError && err.status === 403) text = t('requests.forbidden');
      else if (err instanceof ApiError) text = withDetail(t, t('participants.correction.error'), err);
      else text = t('login.error.unreachable');
      setMessage({ kind: 'error', text });
    } finally {
      setBusy(false);
    }
  };

  const field = (key: Field, type: string, autoComplete: string) => (
    <FormField
      id={`${baseId}-${key}`}
      label={t(`participants.correction.field.${key}`)}
      type={type}
      autoComplete={autoComplete}
      value={values[key]}
      onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
      hint={key === 'phone' ? { id: `${baseId}-phone-hint`, text: t('participants.correction.phoneHint') } : undefined}
      error={errors[key] ? { id: `${baseId}-${key}-error`, text: errors[key], testId: `correction-${key}-error` } : undefined}
      data-testid={`correction-${key}`}
    />
  );

  return (
    <form className="role-editor no-print" onSubmit={(e) => void submit(e)} noValidate aria-labelledby={`${baseId}-title`} data-testid="correction-panel">
      <h3 id={`${baseId}-title`} className="role-editor__title">
        {t('participants.correction.title', { name })}
      </h3>
      <p className="small muted">{t('participants.correction.intro')}</p>
      {field('name', 'text', 'off')}
      {field('email', 'email', 'off')}
      {field('phone', 'tel', 'off')}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={busy} data-testid="correction-submit">
          {t('participants.correction.submit')}
        </button>
        <button type="button" className="button" onClick={onClose} data-testid="correction-close">
          {t('participants.correction.close')}
        </button>
      </div>
      <MessageLine message={message} testId="correction-message" />
    </form>
  );
}
