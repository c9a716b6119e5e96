import { useEffect, useId, useState } from 'react';
import { ApiError } from '../api/client';
import {
  listMailTemplates,
  MAIL_KINDS,
  previewMailTemplate,
  resetMailTemplate,
  saveMailTemplate,
  type MailKind,
  type MailPreview,
  type MailTemplate,
} from '../api/tools';
import { can, handleAuthError, type Account } from '../auth';
import type { FieldError } from '../components/FormField';
import { FormField } from '../components/FormField';
import { LoadStatus } from '../components/LoadStatus';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { TextAreaField } from '../components/TextAreaField';
import { useI18n, type Language } from '../i18n';
import { useEditableLoad } from '../load';
import { fieldIssues, issueText, withDetail } from '../problems';

/**
 * "Mail-Texte" (issue 23; tenant admins, `booking_settings.write`): the texts of the
 * booking, waiting-list, cancellation, sign-in, invitation and password-reset mails per
 * language, with placeholders, a preview and a reset to the default. The server refuses
 * a text without the link its mail exists for, and unknown placeholders.
 */
export function MailTextsPage() {
  return <RequireAuth>{(account) => <MailTextsScreen account={account} />}</RequireAuth>;
}

function MailTextsScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  return (
    <div className="stack">
      <section aria-labelledby="mailtexts-title">
        <h1 id="mailtexts-title">{t('mailTexts.title')}</h1>
        <p className="muted">{t('mailTexts.intro')}</p>
      </section>
      {can(account, 'booking_settings.write') ? (
        <MailTextsContent />
      ) : (
        <p className="alert alert--error" role="alert" data-testid="mailtexts-forbidden">
          {t('mailTexts.forbidden')}
        </p>
      )}
    </div>
  );
}

function MailTextsContent() {
  const { t } = useI18n();
  const baseId = useId();
  const [load, setLoad] = useEditableLoad('mail-templates', listMailTemplates);
  const [kind, setKind] = useState<MailKind>('booking_confirmed');
  const [language, setLanguage] = useState<Language>('de');

  if (load.state !== 'ok') {
    return <LoadStatus load={load} testId="mailtexts-status" loading="mailTexts.loading" forbidden="mailTexts.forbidden" error="mailTexts.error" />;
  }
  const current = load.value.find((x) => x.kind === kind && x.language === language);
  const replace = (saved: MailTemplate) =>
    setLoad(load.value.map((x) => (x.kind === saved.kind && x.language === saved.language ? saved : x)));

  return (
    <>
      <section className="card" aria-labelledby="mailtexts-choose-title">
        <h2 id="mailtexts-choose-title">{t('mailTexts.choose')}</h2>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${baseId}-kind`}>{t('mailTexts.kind')}</label>
            <select id={`${baseId}-kind`} value={kind} onChange={(e) => setKind(e.target.value as MailKind)} data-testid="mailtexts-kind">
              {MAIL_KINDS.map((k) => (
                <option key={k} value={k}>
                  {t(`mailTexts.kind.${k}`)}
                  {load.value.some((x) => x.kind === k && x.customised) ? ` (${t('mailTexts.customised')})` : ''}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${baseId}-language`}>{t('mailTexts.language')}</label>
            <select id={`${baseId}-language`} value={language} onChange={(e) => setLanguage(e.target.value as Language)} data-testid="mailtexts-language">
              <option value="de">Deutsch</option>
              <option value="en">English</option>
            </select>
          </div>
        </div>
      </section>
      {current ? <Editor key={`${kind}-${language}`} template={current} onSaved={replace} /> : null}
    </>
  );
}

function Editor({ template, onSaved }: { template: MailTemplate; onSaved: (saved: MailTemplate) => void }) {
  const { t } = useI18n();
  const baseId = useId();
  const [subject, setSubject] = useState(template.subject);
  const [body, setBody] = useState(template.body);
  const [preview, setPreview] = useState<MailPreview | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const [errors, setErrors] = useState<{ subject?: string; body?: string }>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    setPreview(null);
  }, [subject, body]);

  const failed = (err: unknown, what: string) => {
    handleAuthError(err);
    const next: { subject?: string; body?: string } = {};
    for (const issue of fieldIssues(err)) {
      if (issue.field === 'subject' || issue.field === 'body') next[issue.field] = issueText(t, issue);
    }
    setErrors(next);
    let text: string;
    if (Object.keys(next).length > 0) text = t('form.fixErrors');
    else if (err instanceof ApiError) text = withDetail(t, what, err);
    else text = t('login.error.unreachable');
    setMessage({ kind: 'error', text });
  };

  const run = async (action: 'preview' | 'save' | 'reset') => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    setErrors({});
    try {
      if (action === 'preview') {
        setPreview(await previewMailTemplate(template.kind, template.language, subject, body));
      } else if (action === 'save') {
        onSaved(await saveMailTemplate(template.kind, template.language, subject, body));
        setMessage({ kind: 'ok', text: t('mailTexts.saved') });
      } else {
        const reset = await resetMailTemplate(template.kind, template.language);
        setSubject(reset.subject);
        setBody(reset.body);
        onSaved(reset);
        setMessage({ kind: 'ok', text: t('mailTexts.resetDone') });
      }
    } catch (err) {
      failed(err, t(action === 'preview' ? 'mailTexts.error.preview' : 'mailTexts.error.save'));
    } finally {
      setBusy(false);
    }
  };

  const error = (field: 'subject' | 'body'): FieldError | undefined =>
    errors[field] ? { id: `${baseId}-${field}-error`, text: errors[field], testId: `mailtexts-${field}-error` } : undefined;

  return (
    <section className="card" aria-labelledby={`${baseId}-title`} data-testid="mailtexts-editor" data-customised={template.customised ? 'yes' : 'no'}>
      <h2 id={`${baseId}-title`}>
        {t(`mailTexts.kind.${template.kind}`)} ({template.language}){' '}
        <span className="badge">{template.customised ? t('mailTexts.customised') : t('mailTexts.default')}</span>
      </h2>
      <p className="small muted" data-testid="mailtexts-placeholders">
        {t('mailTexts.placeholders')} {template.placeholders.map((p) => `{{${p}}}`).join(', ')}
        {template.required.length > 0 ? ` — ${t('mailTexts.required', { list: template.required.map((p) => `{{${p}}}`).join(', ') })}` : ''}
      </p>
      <form className="form" noValidate onSubmit={(e) => {
          e.preventDefault();
          void run('save');
        }}>
        <FormField
          id={`${baseId}-subject`}
          label={t('mailTexts.subject')}
          value={subject}
          maxLength={200}
          onChange={(e) => setSubject(e.target.value)}
          error={error('subject')}
          data-testid="mailtexts-subject"
        />
        <TextAreaField
          id={`${baseId}-body`}
          label={t('mailTexts.body')}
          value={body}
          rows={14}
          maxLength={10000}
          onChange={(e) => setBody(e.target.value)}
          error={error('body')}
          data-testid="mailtexts-body"
        />
        <MessageLine message={message} testId="mailtexts-message" />
        <div className="form__actions button-row">
          <button type="button" className="button" disabled={busy} onClick={() => void run('preview')} data-testid="mailtexts-preview">
            {t('mailTexts.preview')}
          </button>
          <button type="submit" className="button button--primary" disabled={busy} data-testid="mailtexts-save">
            {t('mailTexts.save')}
          </button>
          <button type="button" className="button" disabled={busy || !template.customised} onClick={() => void run('reset')} data-testid="mailtexts-reset">
            {t('mailTexts.reset')}
          </button>
        </div>
      </form>
      {preview ? (
        <div data-testid="mailtexts-preview-box">
          <h3>{t('mailTexts.preview.title')}</h3>
          <p>
            <strong>{t('mailTexts.subject')}:</strong> <span data-testid="mailtexts-preview-subject">{preview.subject}</span>
          </p>
          {/* Plain text, shown as text: nothing of it is read as HTML. */}
          <pre className="prewrap" data-testid="mailtexts-preview-text">
            {preview.text}
          </pre>
        </div>
      ) : null}
    </section>
  );
}
