import { useEffect, useState, type FormEvent } from 'react';
import { listMembers, type Member } from '../api/members';
import {
  createProvider,
  deleteProvider,
  getSsoSettings,
  listProviders,
  setSsoSettings,
  testProvider,
  updateProvider,
  type ProviderInput,
  type ProviderView,
  type RoleMapping,
  type SsoSettings,
  type TestReport,
} from '../api/sso';
import { can, handleAuthError, type Account } from '../auth';
import { MessageLine, type Message } from '../components/MessageLine';
import { RequireAuth } from '../components/RequireAuth';
import { useI18n } from '../i18n';
import { withDetail } from '../problems';

/**
 * "Anmeldung" (TOM ACC-7; primary tenant admins, `sso.manage`): the tenant's
 * identity providers — OpenID Connect (with the Microsoft Entra ID preset) and
 * LDAP / Active Directory — their role mappings and provisioning, "Verbindung
 * testen", and "Nur SSO" with its break-glass admin. Secrets are write-only.
 */
export function SsoPage() {
  return <RequireAuth>{(account) => <SsoScreen account={account} />}</RequireAuth>;
}

function SsoScreen({ account }: { account: Account }) {
  const { t } = useI18n();
  const [providers, setProviders] = useState<ProviderView[] | null>(null);
  const [editing, setEditing] = useState<ProviderView | 'new' | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const allowed = can(account, 'sso.manage');

  const reload = () =>
    listProviders()
      .then(setProviders)
      .catch((err: unknown) => {
        handleAuthError(err);
        setMessage({ kind: 'error', text: withDetail(t, t('sso.error.load'), err) });
      });

  useEffect(() => {
    if (allowed) void reload();
  }, [allowed]);

  if (!allowed) {
    return (
      <p className="alert alert--error" role="alert" data-testid="sso-forbidden">
        {t('sso.forbidden')}
      </p>
    );
  }
  return (
    <div className="stack">
      <section aria-labelledby="sso-title">
        <h1 id="sso-title">{t('sso.title')}</h1>
        <p className="muted">{t('sso.intro')}</p>
      </section>
      <MessageLine message={message} testId="sso-message" />
      <section className="card" aria-labelledby="sso-list-title">
        <h2 id="sso-list-title">{t('sso.list.title')}</h2>
        {providers === null ? (
          <p className="muted">{t('sso.loading')}</p>
        ) : providers.length === 0 ? (
          <p className="muted" data-testid="sso-empty">
            {t('sso.empty')}
          </p>
        ) : (
          <ul className="stack" data-testid="sso-list">
            {providers.map((p) => (
              <ProviderItem
                key={p.id}
                provider={p}
                onEdit={() => setEditing(p)}
                onDeleted={() => {
                  setMessage({ kind: 'ok', text: t('sso.deleted') });
                  void reload();
                }}
              />
            ))}
          </ul>
        )}
        <div className="form__actions">
          <button type="button" className="button" onClick={() => setEditing('new')} data-testid="sso-add">
            {t('sso.add')}
          </button>
        </div>
      </section>
      {editing ? (
        <ProviderForm
          key={editing === 'new' ? 'new' : editing.id}
          existing={editing === 'new' ? null : editing}
          onSaved={(saved) => {
            setEditing(null);
            setMessage({ kind: 'ok', text: t('sso.saved', { name: saved.name }) });
            void reload();
          }}
          onCancel={() => setEditing(null)}
        />
      ) : null}
      <SettingsCard />
    </div>
  );
}

function ProviderItem({ provider, onEdit, onDeleted }: { provider: ProviderView; onEdit: () => void; onDeleted: () => void }) {
  const { t, locale } = useI18n();
  const [report, setReport] = useState<TestReport | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const test = async () => {
    setBusy(true);
    setError(null);
    try {
      setReport(await testProvider(provider.id, locale.startsWith('en') ? 'en' : 'de'));
    } catch (err) {
      setError(withDetail(t, t('sso.error.test'), err));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    if (!window.confirm(t('sso.confirmDelete', { name: provider.name }))) return;
    try {
      await deleteProvider(provider.id);
      onDeleted();
    } catch (err) {
      setError(withDetail(t, t('sso.error.delete'), err));
    }
  };

  return (
    <li className="card" data-testid="sso-provider-item" data-provider={provider.id}>
      <p>
        <strong>{provider.name}</strong> · {t(`sso.preset.${provider.preset}`)} ·{' '}
        {provider.enabled ? t('sso.enabled') : t('sso.disabled')}
        {provider.kind === 'saml' ? null : <> · {provider.secret_set ? t('sso.secretSet') : t('sso.secretMissing')}</>}
      </p>
      {provider.redirect_uri ? (
        <p className="muted">
          {t('sso.redirectUri')} <code data-testid="sso-redirect-uri">{provider.redirect_uri}</code>
        </p>
      ) : null}
      {provider.saml_sp ? (
        <div className="muted" data-testid="sso-saml-sp">
          <p>{t('sso.samlSp')}</p>
          <p>
            {t('sso.samlEntityId')}: <code>{provider.saml_sp.entity_id}</code>
          </p>
          <p>
            {t('sso.samlAcs')}: <code data-testid="sso-saml-acs">{provider.saml_sp.acs_url}</code>
          </p>
          <p>
            {t('sso.samlSlo')}: <code data-testid="sso-saml-slo">{provider.saml_sp.slo_url}</code>
          </p>
          <p>
            <a href={provider.saml_sp.metadata_url} target="_blank" rel="noreferrer">
              {t('sso.samlMetadataLink')}
            </a>
          </p>
        </div>
      ) : null}
      {provider.post_logout_redirect_uri ? (
        <p className="muted">
          {t('sso.postLogoutUri')} <code data-testid="sso-post-logout-uri">{provider.post_logout_redirect_uri}</code>
        </p>
      ) : null}
      {provider.backchannel_logout_uri ? (
        <p className="muted">
          {t('sso.backchannelUri')} <code data-testid="sso-backchannel-uri">{provider.backchannel_logout_uri}</code>
        </p>
      ) : null}
      <div className="form__actions">
        <button type="button" className="button" onClick={onEdit} data-testid="sso-edit">
          {t('sso.edit')}
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => void test()} data-testid="sso-test">
          {busy ? t('sso.testing') : t('sso.test')}
        </button>
        <button type="button" className="button" onClick={() => void remove()} data-testid="sso-delete">
          {t('sso.delete')}
        </button>
      </div>
      {error ? (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      ) : null}
      {report ? (
        <ul data-testid="sso-test-report" data-ok={report.ok ? 'true' : 'false'}>
          {report.checks.map((c) => (
            <li key={c.check} data-testid="sso-test-check" data-ok={c.ok ? 'true' : 'false'}>
              {c.ok ? '✓' : '✗'} {c.message}
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

/** Mappings as lines `value = role` (`company_admin:company-id`, `instructor:course-id`). */
function mappingsText(mappings: RoleMapping[]): string {
  return mappings.map((m) => `${m.value} = ${m.role}${m.company_id ? `:${m.company_id}` : m.course_id ? `:${m.course_id}` : ''}`).join('\n');
}

function parseMappings(text: string): RoleMapping[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const at = line.lastIndexOf('=');
      const value = at < 0 ? line : line.slice(0, at).trim();
      const [role, scope] = (at < 0 ? '' : line.slice(at + 1).trim()).split(':', 2);
      return {
        value,
        role: role ?? '',
        company_id: role === 'company_admin' ? (scope ?? null) : null,
        course_id: role === 'instructor' && scope ? scope : null,
      };
    });
}

function ProviderForm({ existing, onSaved, onCancel }: { existing: ProviderView | null; onSaved: (p: ProviderView) => void; onCancel: () => void }) {
  const { t } = useI18n();
  const [kind, setKind] = useState<ProviderInput['kind']>(existing?.kind ?? 'oidc');
  const [preset, setPreset] = useState<ProviderInput['preset']>(existing?.preset ?? 'generic');
  const [name, setName] = useState(existing?.name ?? '');
  const [enabled, setEnabled] = useState(existing?.enabled ?? true);
  const [issuer, setIssuer] = useState(existing?.oidc?.issuer ?? '');
  const [directoryId, setDirectoryId] = useState(existing?.oidc?.directory_id ?? '');
  const [allowedDirectories, setAllowedDirectories] = useState((existing?.oidc?.allowed_directories ?? []).join(', '));
  const [clientId, setClientId] = useState(existing?.oidc?.client_id ?? '');
  const [providerMfa, setProviderMfa] = useState(existing?.oidc?.accept_provider_mfa ?? false);
  const [url, setUrl] = useState(existing?.ldap?.url ?? '');
  const [starttls, setStarttls] = useState(existing?.ldap?.starttls ?? false);
  const [ca, setCa] = useState(existing?.ldap?.ca_certificate ?? '');
  const [bindDn, setBindDn] = useState(existing?.ldap?.bind_dn ?? '');
  const [userBase, setUserBase] = useState(existing?.ldap?.user_base_dn ?? '');
  const [userFilter, setUserFilter] = useState(existing?.ldap?.user_filter ?? '');
  const [groupBase, setGroupBase] = useState(existing?.ldap?.group_base_dn ?? '');
  const [groupFilter, setGroupFilter] = useState(existing?.ldap?.group_filter ?? '');
  const [samlMetadata, setSamlMetadata] = useState(existing?.saml?.metadata_xml ?? '');
  const [samlMetadataUrl, setSamlMetadataUrl] = useState('');
  const [samlSubject, setSamlSubject] = useState(existing?.saml?.subject_attribute ?? '');
  const [samlEmail, setSamlEmail] = useState(existing?.saml?.email_attribute ?? '');
  const [samlGroups, setSamlGroups] = useState(existing?.saml?.groups_attribute ?? '');
  const [secret, setSecret] = useState('');
  const [mappings, setMappings] = useState(mappingsText(existing?.role_mappings ?? []));
  const [provisioning, setProvisioning] = useState<ProviderInput['provisioning']>(existing?.provisioning ?? 'off');
  const [domains, setDomains] = useState((existing?.jit_domains ?? []).join(', '));
  const [signInDomains, setSignInDomains] = useState((existing?.sign_in_domains ?? []).join(', '));
  const [defaultRole, setDefaultRole] = useState(existing?.default_role ?? 'instructor');
  const [message, setMessage] = useState<Message | null>(null);
  const [saving, setSaving] = useState(false);

  const presets: ProviderInput['preset'][] =
    kind === 'oidc' ? ['generic', 'entra'] : kind === 'ldap' ? ['generic', 'active_directory'] : ['generic'];
  const optional = (value: string) => (value.trim() === '' ? null : value.trim());

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (saving) return;
    const input: ProviderInput = {
      kind,
      preset,
      name,
      enabled,
      oidc:
        kind === 'oidc'
          ? {
              issuer: preset === 'entra' ? '' : issuer,
              client_id: clientId,
              directory_id: preset === 'entra' && directoryId.trim() !== '' ? directoryId.trim() : null,
              // A multi-tenant Entra app (no directory id): the directories it admits.
              allowed_directories:
                preset === 'entra' && directoryId.trim() === '' ? allowedDirectories.split(/[\s,]+/).filter((d) => d.length > 0) : [],
              accept_provider_mfa: providerMfa,
            }
          : null,
      ldap:
        kind === 'ldap'
          ? {
              url,
              starttls,
              ca_certificate: ca,
              bind_dn: bindDn,
              user_base_dn: userBase,
              user_filter: userFilter,
              group_base_dn: groupBase,
              group_filter: groupFilter,
            }
          : null,
      saml:
        kind === 'saml'
          ? {
              metadata_xml: samlMetadataUrl.trim() !== '' ? '' : samlMetadata,
              metadata_url: optional(samlMetadataUrl),
              subject_attribute: optional(samlSubject),
              email_attribute: optional(samlEmail),
              groups_attribute: optional(samlGroups),
            }
          : null,
      secret: kind === 'saml' || secret === '' ? null : secret,
      role_mappings: parseMappings(mappings),
      provisioning,
      jit_domains: provisioning === 'jit' ? domains.split(/[\s,]+/).filter((d) => d.length > 0) : [],
      default_role: provisioning === 'jit' ? defaultRole : null,
      sign_in_domains: signInDomains.split(/[\s,]+/).filter((d) => d.length > 0),
    };
    setSaving(true);
    setMessage(null);
    try {
      const saved = existing ? await updateProvider(existing.id, input) : await createProvider(input);
      setSecret('');
      onSaved(saved);
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: withDetail(t, t('sso.error.save'), err) });
    } finally {
      setSaving(false);
    }
  };

  const text = (id: string, label: string, value: string, set: (v: string) => void, extra: { type?: string; hint?: string | undefined } = {}) => (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} type={extra.type ?? 'text'} value={value} onChange={(e) => set(e.target.value)} spellCheck={false} data-testid={id} />
      {extra.hint ? <p className="muted">{extra.hint}</p> : null}
    </div>
  );
  const check = (id: string, label: string, value: boolean, set: (v: boolean) => void) => (
    <div className="field">
      <label>
        <input type="checkbox" checked={value} onChange={(e) => set(e.target.checked)} data-testid={id} /> {label}
      </label>
    </div>
  );

  return (
    <section className="card" aria-labelledby="sso-form-title">
      <h2 id="sso-form-title">{existing ? t('sso.form.edit') : t('sso.form.new')}</h2>
      <form className="form" onSubmit={(e) => void onSubmit(e)} noValidate data-testid="sso-form">
        <div className="field">
          <label htmlFor="sso-kind">{t('sso.field.kind')}</label>
          <select
            id="sso-kind"
            value={kind}
            disabled={existing !== null}
            onChange={(e) => {
              setKind(e.target.value as ProviderInput['kind']);
              setPreset('generic');
            }}
            data-testid="sso-kind"
          >
            <option value="oidc">{t('sso.kind.oidc')}</option>
            <option value="ldap">{t('sso.kind.ldap')}</option>
            <option value="saml">{t('sso.kind.saml')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="sso-preset">{t('sso.field.preset')}</label>
          <select id="sso-preset" value={preset} onChange={(e) => setPreset(e.target.value as ProviderInput['preset'])} data-testid="sso-preset">
            {presets.map((p) => (
              <option key={p} value={p}>
                {t(`sso.preset.${p}`)}
              </option>
            ))}
          </select>
        </div>
        {text('sso-name', t('sso.field.name'), name, setName, { hint: t('sso.field.nameHint') })}
        {check('sso-enabled', t('sso.field.enabled'), enabled, setEnabled)}
        {kind === 'oidc' ? (
          <>
            {preset === 'entra' ? (
              <>
                {text('sso-directory-id', t('sso.field.directoryId'), directoryId, setDirectoryId, { hint: t('sso.field.directoryIdHint') })}
                {directoryId.trim() === ''
                  ? text('sso-allowed-directories', t('sso.field.allowedDirectories'), allowedDirectories, setAllowedDirectories, {
                      hint: t('sso.field.allowedDirectoriesHint'),
                    })
                  : null}
              </>
            ) : (
              text('sso-issuer', t('sso.field.issuer'), issuer, setIssuer, { hint: t('sso.field.issuerHint') })
            )}
            {text('sso-client-id', t('sso.field.clientId'), clientId, setClientId)}
            {text('sso-secret', t('sso.field.clientSecret'), secret, setSecret, {
              type: 'password',
              hint: existing?.secret_set ? t('sso.field.secretKept') : undefined,
            })}
            {check('sso-provider-mfa', t('sso.field.providerMfa'), providerMfa, setProviderMfa)}
          </>
        ) : kind === 'saml' ? (
          <>
            <div className="field">
              <label htmlFor="sso-saml-metadata">{t('sso.field.samlMetadata')}</label>
              <textarea
                id="sso-saml-metadata"
                rows={6}
                value={samlMetadata}
                onChange={(e) => setSamlMetadata(e.target.value)}
                spellCheck={false}
                data-testid="sso-saml-metadata"
              />
              <p className="muted">{t('sso.field.samlMetadataHint')}</p>
            </div>
            <div className="field">
              <label htmlFor="sso-saml-file">{t('sso.field.samlMetadataFile')}</label>
              <input
                id="sso-saml-file"
                type="file"
                accept=".xml,application/samlmetadata+xml,application/xml,text/xml"
                onChange={(e) => void e.target.files?.[0]?.text().then(setSamlMetadata)}
                data-testid="sso-saml-file"
              />
            </div>
            {text('sso-saml-metadata-url', t('sso.field.samlMetadataUrl'), samlMetadataUrl, setSamlMetadataUrl, {
              hint: t('sso.field.samlMetadataUrlHint'),
            })}
            {text('sso-saml-subject', t('sso.field.samlSubject'), samlSubject, setSamlSubject)}
            {text('sso-saml-email', t('sso.field.samlEmail'), samlEmail, setSamlEmail)}
            {text('sso-saml-groups', t('sso.field.samlGroups'), samlGroups, setSamlGroups)}
          </>
        ) : (
          <>
            {text('sso-url', t('sso.field.url'), url, setUrl, { hint: t('sso.field.urlHint') })}
            {check('sso-starttls', t('sso.field.starttls'), starttls, setStarttls)}
            <div className="field">
              <label htmlFor="sso-ca">{t('sso.field.ca')}</label>
              <textarea id="sso-ca" rows={5} value={ca} onChange={(e) => setCa(e.target.value)} spellCheck={false} data-testid="sso-ca" />
            </div>
            {text('sso-bind-dn', t('sso.field.bindDn'), bindDn, setBindDn)}
            {text('sso-secret', t('sso.field.bindPassword'), secret, setSecret, {
              type: 'password',
              hint: existing?.secret_set ? t('sso.field.secretKept') : undefined,
            })}
            {text('sso-user-base', t('sso.field.userBase'), userBase, setUserBase)}
            {text('sso-user-filter', t('sso.field.userFilter'), userFilter, setUserFilter, { hint: t('sso.field.filterHint') })}
            {text('sso-group-base', t('sso.field.groupBase'), groupBase, setGroupBase)}
            {text('sso-group-filter', t('sso.field.groupFilter'), groupFilter, setGroupFilter, { hint: t('sso.field.filterHint') })}
          </>
        )}
        <div className="field">
          <label htmlFor="sso-mappings">{t('sso.field.mappings')}</label>
          <textarea id="sso-mappings" rows={4} value={mappings} onChange={(e) => setMappings(e.target.value)} spellCheck={false} data-testid="sso-mappings" />
          <p className="muted">{t('sso.field.mappingsHint')}</p>
        </div>
        {text('sso-sign-in-domains', t('sso.field.signInDomains'), signInDomains, setSignInDomains, {
          hint: t('sso.field.signInDomainsHint'),
        })}
        <div className="field">
          <label htmlFor="sso-provisioning">{t('sso.field.provisioning')}</label>
          <select
            id="sso-provisioning"
            value={provisioning}
            onChange={(e) => setProvisioning(e.target.value as ProviderInput['provisioning'])}
            data-testid="sso-provisioning"
          >
            <option value="off">{t('sso.provisioning.off')}</option>
            <option value="jit">{t('sso.provisioning.jit')}</option>
          </select>
        </div>
        {provisioning === 'jit' ? (
          <>
            {text('sso-domains', t('sso.field.domains'), domains, setDomains, { hint: t('sso.field.domainsHint') })}
            <div className="field">
              <label htmlFor="sso-default-role">{t('sso.field.defaultRole')}</label>
              <select id="sso-default-role" value={defaultRole} onChange={(e) => setDefaultRole(e.target.value)} data-testid="sso-default-role">
                <option value="instructor">{t('sso.role.instructor')}</option>
                <option value="organiser">{t('sso.role.organiser')}</option>
              </select>
            </div>
          </>
        ) : null}
        <MessageLine message={message} testId="sso-form-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="sso-save">
            {saving ? t('sso.saving') : t('sso.save')}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            {t('sso.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** "Nur SSO" and the one primary admin who keeps the password. */
function SettingsCard() {
  const { t } = useI18n();
  const [settings, setSettings] = useState<SsoSettings | null>(null);
  const [admins, setAdmins] = useState<Member[]>([]);
  const [message, setMessage] = useState<Message | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    getSsoSettings(controller.signal).then(setSettings).catch(handleAuthError);
    listMembers(controller.signal)
      .then((members) => setAdmins(members.filter((m) => m.roles.some((r) => r.role === 'tenant_admin' && r.is_primary))))
      .catch(handleAuthError);
    return () => controller.abort();
  }, []);

  if (!settings) return null;
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    try {
      setSettings(await setSsoSettings(settings));
      setMessage({ kind: 'ok', text: t('sso.settings.saved') });
    } catch (err) {
      setMessage({ kind: 'error', text: withDetail(t, t('sso.settings.error'), err) });
    }
  };
  return (
    <section className="card" aria-labelledby="sso-settings-title">
      <h2 id="sso-settings-title">{t('sso.settings.title')}</h2>
      <p className="muted">{t('sso.settings.intro')}</p>
      <form className="form" onSubmit={(e) => void save(e)} data-testid="sso-settings">
        <div className="field">
          <label>
            <input
              type="checkbox"
              checked={settings.sso_only}
              onChange={(e) => setSettings({ ...settings, sso_only: e.target.checked })}
              data-testid="sso-only"
            />{' '}
            {t('sso.settings.only')}
          </label>
        </div>
        <div className="field">
          <label htmlFor="sso-break-glass">{t('sso.settings.breakGlass')}</label>
          <select
            id="sso-break-glass"
            value={settings.break_glass_account_id ?? ''}
            onChange={(e) => setSettings({ ...settings, break_glass_account_id: e.target.value || null })}
            data-testid="sso-break-glass"
          >
            <option value="">{t('sso.settings.none')}</option>
            {admins.map((m) => (
              <option key={m.account_id} value={m.account_id}>
                {m.email}
              </option>
            ))}
          </select>
        </div>
        <MessageLine message={message} testId="sso-settings-message" />
        <div className="form__actions">
          <button type="submit" className="button button--primary" data-testid="sso-settings-save">
            {t('sso.save')}
          </button>
        </div>
      </form>
    </section>
  );
}
