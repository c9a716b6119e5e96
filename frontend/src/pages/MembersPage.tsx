import { useTimeZone } from '../timeZone';
import { useId, useMemo, useState, type FormEvent } from 'react';
import {
  createInvitation,
  INVITABLE_ROLES,
  listInvitations,
  revokeInvitation,
  type InvitableRole,
  type Invitation,
  type Role,
} from '../api/invitations';
import {
  createCompany,
  endMemberSessions,
  resetMemberFactors,
  getTenantSecurity,
  listCompanies,
  listMembers,
  setMemberDisabled,
  setMemberRoles,
  setTenantSecurity,
  type Company,
  type Member,
  type MemberRole,
  type RoleGrant,
  type TenantSecurity,
  type TenantSecurityUpdate,
} from '../api/members';
import { can, handleAuthError, type Account } from '../auth';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { FormField } from '../components/FormField';
import { MessageLine, type Message } from '../components/MessageLine';
import { LogTable, TimeCell, useTenantTimeFormat } from '../components/LogTable';
import { RequireAuth } from '../components/RequireAuth';
import { parseUtc } from '../format';
import { isMessageKey, useI18n, type I18n, type Language, type MessageKey } from '../i18n';
import { useKeyedLoad, useRound, type Load } from '../load';
import { problemMessage, type ProblemWording } from '../problems';

/**
 * The tenant's staff (TOM AUTHZ-1..5, ACC-6, ACC-8): access review with the
 * last sign-in, dormant and disabled accounts, second factor and live
 * sessions; roles, disabling, ending sessions; invitations; companies; the
 * tenant's second-factor requirement for admin roles.
 */
export function MembersPage() {
  return <RequireAuth>{(account) => <MembersView account={account} />}</RequireAuth>;
}

/** This page's sentences for some problem codes (the rest: `problemMessage`). */
const MEMBER_WORDING: ProblemWording = {
  forbidden: 'members.error.forbidden',
  invalid_field: 'members.error.invalidField',
  not_found: 'members.error.notFound',
};

function MembersView({ account }: { account: Account }) {
  const { t } = useI18n();
  const [membersRound, reloadMembers] = useRound();
  const [invitationsRound, reloadInvitations] = useRound();
  const [companiesRound, reloadCompanies] = useRound();
  const [securityRound, reloadSecurity] = useRound();
  const members = useKeyedLoad(`members:${membersRound}`, listMembers);
  const invitations = useKeyedLoad(`invitations:${invitationsRound}`, listInvitations);
  const companies = useKeyedLoad(`companies:${companiesRound}`, listCompanies);
  const security = useKeyedLoad(`security:${securityRound}`, getTenantSecurity);
  const companyList = companies.state === 'ok' ? companies.value : [];

  if (members.state === 'forbidden') {
    return (
      <section className="card" aria-labelledby="members-title">
        <h1 id="members-title">{t('members.title')}</h1>
        <p className="alert alert--error" role="alert" data-testid="members-forbidden">
          {t('members.forbidden')}
        </p>
      </section>
    );
  }

  return (
    <div className="stack">
      <section aria-labelledby="members-title">
        <h1 id="members-title">{t('members.title')}</h1>
        <p className="muted">{t('members.intro')}</p>
      </section>
      <AccessReviewCard load={members} companies={companyList} self={account} reload={reloadMembers} />
      <InviteCard companies={companyList} onInvited={reloadInvitations} />
      <InvitationsCard load={invitations} companies={companyList} reload={reloadInvitations} />
      <CompaniesCard load={companies} reload={reloadCompanies} />
      <SecurityCard load={security} reload={reloadSecurity} />
    </div>
  );
}

// ---------------------------------------------------------------------------
// Access review

const MEMBER_COLUMNS: readonly MessageKey[] = [
  'members.col.email',
  'members.col.roles',
  'members.col.lastSignIn',
  'members.col.status',
  'members.col.mfa',
  'members.col.sessions',
  'members.col.actions',
];

/** Roles this page edits without a course; the rest of a member's roles are kept as they are. */
const PLAIN_ROLES = ['tenant_admin', 'organiser', 'instructor'] as const satisfies readonly Role[];

function roleName(t: I18n['t'], role: string): string {
  const key = `role.${role}`;
  return isMessageKey(key) ? t(key) : role;
}

function companyName(companies: readonly Company[], id: string | null | undefined): string | null {
  if (!id) return null;
  return companies.find((c) => c.id === id)?.name ?? id;
}

function describeRole(t: I18n['t'], role: MemberRole, companies: readonly Company[]): string {
  let text = roleName(t, role.role);
  const company = companyName(companies, role.company_id);
  if (company) text += ` (${company})`;
  if (role.course_id) text += ` (${t('members.roles.course')})`;
  if (role.is_primary) text += ` · ${t('members.roles.primary')}`;
  return text;
}

function useDateFormat(): Intl.DateTimeFormat {
  const { locale } = useI18n();
  const timeZone = useTimeZone();
  return useMemo(() => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }), [locale, timeZone]);
}

function AccessReviewCard({
  load,
  companies,
  self,
  reload,
}: {
  load: Load<Member[]>;
  companies: readonly Company[];
  self: Account;
  reload: () => void;
}) {
  const { t } = useI18n();
  const format = useTenantTimeFormat();
  const dateFormat = useDateFormat();
  const [editing, setEditing] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  // The member whose lost second factors a primary admin is about to reset (TOM ACC-6).
  const [resetting, setResetting] = useState<Member | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const members = load.state === 'ok' ? load.value : [];

  const run = async (key: string, action: () => Promise<string>, fallback: MessageKey) => {
    if (busy) return;
    setBusy(key);
    setMessage(null);
    try {
      setMessage({ kind: 'ok', text: await action() });
      reload();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t(fallback), MEMBER_WORDING) });
    } finally {
      setBusy(null);
    }
  };

  let status: string;
  if (load.state === 'loading') status = t('members.loading');
  else if (load.state === 'ok') status = t('members.summary', { count: members.length });
  else status = t('members.error');

  return (
    <section className="card" aria-labelledby="members-review-title">
      <h2 id="members-review-title">{t('members.review.title')}</h2>
      <p className="muted">{t('members.review.intro')}</p>
      <MessageLine message={message} testId="members-message" />
      <ConfirmDialog
        open={resetting !== null}
        title={t('members.resetFactors.title')}
        text={t('members.resetFactors.text', { email: resetting?.email ?? '' })}
        confirmLabel={t('members.action.resetFactors')}
        cancelLabel={t('members.roles.cancel')}
        busy={busy !== null}
        onCancel={() => setResetting(null)}
        onConfirm={() => {
          const member = resetting;
          setResetting(null);
          if (!member) return;
          void run(
            `reset:${member.account_id}`,
            async () => {
              await resetMemberFactors(member.account_id);
              return t('members.resetFactors.done', { email: member.email });
            },
            'members.error.resetFactors',
          );
        }}
        testId="member-reset-dialog"
      />
      <LogTable name="members" load={load} status={status} caption="members.review.caption" columns={MEMBER_COLUMNS}>
        {members.flatMap((member) => {
          const isSelf = member.account_id === self.account_id;
          const lastSignIn = member.last_sign_in_at ? parseUtc(member.last_sign_in_at) : null;
          const roleCodes = member.roles.map((r) => r.role).sort();
          const rows = [
            <tr
              key={member.account_id}
              data-testid="member-row"
              data-id={member.account_id}
              data-email={member.email}
              data-roles={roleCodes.join(',')}
              data-disabled={member.disabled ? 'true' : 'false'}
              data-mfa={member.mfa_enabled ? 'true' : 'false'}
            >
              <td className="mono cell-text" data-testid="member-email">
                {member.email}
                {isSelf ? (
                  <>
                    {' '}
                    <span className="badge badge--current" data-testid="member-self">
                      {t('members.self')}
                    </span>
                  </>
                ) : null}
                {member.break_glass ? (
                  <>
                    {' '}
                    <span className="badge" data-testid="member-break-glass" title={t('members.breakGlass.hint')}>
                      {t('members.breakGlass')}
                    </span>
                  </>
                ) : null}
                {member.passkey_clone_suspected_at ? (
                  <>
                    {' '}
                    <span
                      className="badge badge--bad"
                      role="status"
                      data-testid="member-passkey-clone"
                      title={t('members.passkeyClone.hint', { at: dateFormat.format(parseUtc(member.passkey_clone_suspected_at) ?? undefined) })}
                    >
                      {t('members.passkeyClone')}
                    </span>
                  </>
                ) : null}
              </td>
              <td data-testid="member-roles">
                {member.roles.length === 0 ? (
                  t('common.none')
                ) : (
                  <ul className="plain-list">
                    {member.roles.map((role, i) => (
                      <li key={`${role.role}:${role.company_id ?? ''}:${role.course_id ?? ''}:${i}`}>
                        {describeRole(t, role, companies)}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              {member.last_sign_in_at ? (
                <TimeCell value={member.last_sign_in_at} format={format} />
              ) : (
                <td className="muted">{t('members.neverSignedIn')}</td>
              )}
              <td data-testid="member-status">
                <span className="badge-list">
                  {member.disabled ? (
                    <span className="badge badge--bad" data-testid="member-disabled">
                      {t('members.badge.disabled')}
                    </span>
                  ) : null}
                  {member.dormant ? (
                    <span className="badge badge--warn" data-testid="member-dormant">
                      {lastSignIn
                        ? t('members.badge.dormantSince', { date: dateFormat.format(lastSignIn) })
                        : t('members.badge.dormantNever')}
                    </span>
                  ) : null}
                  {!member.disabled && !member.dormant ? (
                    <span className="badge badge--ok">{t('members.badge.active')}</span>
                  ) : null}
                </span>
              </td>
              <td data-testid="member-mfa">{member.mfa_enabled ? t('members.mfa.yes') : t('members.mfa.no')}</td>
              <td className="num" data-testid="member-sessions">
                {member.live_sessions}
              </td>
              <td>
                <div className="button-row button-row--tight">
                  <button
                    type="button"
                    className="button button--small"
                    aria-expanded={editing === member.account_id}
                    disabled={busy !== null}
                    onClick={() => setEditing(editing === member.account_id ? null : member.account_id)}
                    data-testid="member-edit"
                  >
                    {t('members.action.editRoles')}
                  </button>
                  {isSelf ? null : (
                    // One toggle: enable a disabled member, disable an active one.
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy !== null}
                      onClick={() => {
                        const disable = !member.disabled;
                        void run(
                          `${disable ? 'disable' : 'enable'}:${member.account_id}`,
                          async () => {
                            await setMemberDisabled(member.account_id, disable);
                            return t(disable ? 'members.disabledDone' : 'members.enabled', { email: member.email });
                          },
                          disable ? 'members.error.disable' : 'members.error.enable',
                        );
                      }}
                      data-testid={member.disabled ? 'member-enable' : 'member-disable'}
                    >
                      {t(member.disabled ? 'members.action.enable' : 'members.action.disable')}
                    </button>
                  )}
                  <button
                    type="button"
                    className="button button--small"
                    disabled={busy !== null || member.live_sessions === 0}
                    onClick={() =>
                      void run(
                        `sessions:${member.account_id}`,
                        async () => {
                          const ended = await endMemberSessions(member.account_id);
                          return t('members.sessionsEnded', { email: member.email, count: ended });
                        },
                        'members.error.endSessions',
                      )
                    }
                    data-testid="member-end-sessions"
                  >
                    {t('members.action.endSessions')}
                  </button>
                  {!isSelf && member.mfa_enabled && can(self, 'admin_roles.grant') ? (
                    <button
                      type="button"
                      className="button button--small"
                      disabled={busy !== null}
                      onClick={() => setResetting(member)}
                      data-testid="member-reset-factors"
                    >
                      {t('members.action.resetFactors')}
                    </button>
                  ) : null}
                </div>
              </td>
            </tr>,
          ];
          if (editing === member.account_id) {
            rows.push(
              <tr key={`${member.account_id}:edit`} className="member-editor-row">
                <td colSpan={MEMBER_COLUMNS.length}>
                  <RoleEditor
                    member={member}
                    companies={companies}
                    busy={busy !== null}
                    onCancel={() => setEditing(null)}
                    onSave={(grants) =>
                      void run(
                        `roles:${member.account_id}`,
                        async () => {
                          await setMemberRoles(member.account_id, grants);
                          setEditing(null);
                          return grants.length === 0
                            ? t('members.removed', { email: member.email })
                            : t('members.rolesSaved', { email: member.email });
                        },
                        'members.error.roles',
                      )
                    }
                  />
                </td>
              </tr>,
            );
          }
          return rows;
        })}
      </LogTable>
    </section>
  );
}

/** Roles the server keeps by itself and refuses in the list (the operator and the bookings grant them). */
const NOT_ASSIGNED_HERE = new Set(['partner_admin', 'participant']);

/** A role the editor does not show (a course, an unknown company): sent back as it is. */
function isKept(role: MemberRole, companies: readonly Company[]): boolean {
  if (NOT_ASSIGNED_HERE.has(role.role)) return false;
  if (role.course_id) return true;
  if (role.role === 'company_admin') return !role.company_id || !companies.some((c) => c.id === role.company_id);
  return !(PLAIN_ROLES as readonly string[]).includes(role.role);
}

function asGrant(role: MemberRole): RoleGrant {
  const grant: RoleGrant = { role: role.role };
  if (role.is_primary) grant.is_primary = true;
  if (role.company_id) grant.company_id = role.company_id;
  if (role.course_id) grant.course_id = role.course_id;
  return grant;
}

function RoleEditor({
  member,
  companies,
  busy,
  onSave,
  onCancel,
}: {
  member: Member;
  companies: readonly Company[];
  busy: boolean;
  onSave: (roles: RoleGrant[]) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const kept = member.roles.filter((r) => isKept(r, companies));
  const untouched = member.roles.filter((r) => NOT_ASSIGNED_HERE.has(r.role));
  // A primary tenant admin stays primary when the role is kept.
  const primary = member.roles.some((r) => r.role === 'tenant_admin' && r.is_primary);
  const [plain, setPlain] = useState<Set<string>>(
    () =>
      new Set(
        member.roles
          .filter((r) => !isKept(r, companies) && !NOT_ASSIGNED_HERE.has(r.role) && r.role !== 'company_admin')
          .map((r) => r.role),
      ),
  );
  const [companyIds, setCompanyIds] = useState<Set<string>>(
    () =>
      new Set(
        member.roles
          .filter((r) => r.role === 'company_admin' && !isKept(r, companies))
          .map((r) => r.company_id)
          .filter((id): id is string => typeof id === 'string'),
      ),
  );
  const titleId = useId();

  const toggle = (set: Set<string>, value: string, on: boolean): Set<string> => {
    const next = new Set(set);
    if (on) next.add(value);
    else next.delete(value);
    return next;
  };

  const grants: RoleGrant[] = [
    ...PLAIN_ROLES.filter((r) => plain.has(r)).map((role) =>
      role === 'tenant_admin' && primary ? { role, is_primary: true } : { role },
    ),
    ...companies.filter((c) => companyIds.has(c.id)).map((c) => ({ role: 'company_admin', company_id: c.id })),
    ...kept.map(asGrant),
  ];

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!busy) onSave(grants);
  };

  return (
    <form className="role-editor" onSubmit={onSubmit} aria-labelledby={titleId} data-testid="role-editor">
      <h3 id={titleId} className="role-editor__title">
        {t('members.roles.editTitle', { email: member.email })}
      </h3>
      <fieldset className="role-editor__group">
        <legend>{t('members.roles.legend')}</legend>
        {PLAIN_ROLES.map((role) => (
          <label key={role} className="check">
            <input
              type="checkbox"
              checked={plain.has(role)}
              onChange={(e) => setPlain(toggle(plain, role, e.target.checked))}
              data-testid={`role-${role}`}
            />
            {roleName(t, role)}
          </label>
        ))}
      </fieldset>
      <fieldset className="role-editor__group">
        <legend>{t('members.roles.companyAdminFor')}</legend>
        {companies.length === 0 ? <p className="small muted">{t('members.roles.noCompanies')}</p> : null}
        {companies.map((company) => (
          <label key={company.id} className="check">
            <input
              type="checkbox"
              checked={companyIds.has(company.id)}
              onChange={(e) => setCompanyIds(toggle(companyIds, company.id, e.target.checked))}
              data-testid="role-company_admin"
              data-company={company.id}
            />
            {company.name}
          </label>
        ))}
      </fieldset>
      {kept.length + untouched.length > 0 ? (
        <p className="small muted">
          {t('members.roles.kept', {
            roles: [...kept, ...untouched].map((r) => describeRole(t, r, companies)).join(', '),
          })}
        </p>
      ) : null}
      {grants.length === 0 && untouched.length === 0 ? (
        <p className="alert alert--warn" data-testid="role-editor-remove-warning">
          {t('members.roles.removeWarning')}
        </p>
      ) : null}
      <div className="form__actions">
        <button type="submit" className="button button--primary button--small" disabled={busy} data-testid="member-roles-save">
          {t('members.roles.save')}
        </button>
        <button type="button" className="button button--small" onClick={onCancel} data-testid="member-roles-cancel">
          {t('members.roles.cancel')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------
// Invitations

function InviteCard({ companies, onInvited }: { companies: readonly Company[]; onInvited: () => void }) {
  const { t, language } = useI18n();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<InvitableRole>('organiser');
  const [companyId, setCompanyId] = useState('');
  const [mailLanguage, setMailLanguage] = useState<Language>(language);
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const emailId = useId();
  const roleId = useId();
  const companyFieldId = useId();
  const languageId = useId();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    if (!address || saving) return;
    if (role === 'company_admin' && !companyId) {
      setMessage({ kind: 'error', text: t('members.invite.companyMissing') });
      return;
    }
    setSaving(true);
    setMessage(null);
    try {
      const created = await createInvitation({
        email: address,
        role,
        language: mailLanguage,
        ...(role === 'company_admin' ? { company_id: companyId } : {}),
      });
      setEmail('');
      setMessage({ kind: 'ok', text: t('members.invite.sent', { email: created.email }) });
      onInvited();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('members.invite.error'), MEMBER_WORDING) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="invite-title">
      <h2 id="invite-title">{t('members.invite.title')}</h2>
      <p className="muted">{t('members.invite.intro')}</p>
      <form className="form form--inline" onSubmit={(e) => void onSubmit(e)}>
        <FormField
          id={emailId}
          label={t('members.invite.email')}
          type="email"
          required
          autoComplete="off"
          spellCheck={false}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          data-testid="invite-email"
        />
        <div className="field">
          <label htmlFor={roleId}>{t('members.invite.role')}</label>
          <select
            id={roleId}
            value={role}
            onChange={(e) => setRole(e.target.value as InvitableRole)}
            data-testid="invite-role"
          >
            {INVITABLE_ROLES.map((r) => (
              <option key={r} value={r}>
                {roleName(t, r)}
              </option>
            ))}
          </select>
        </div>
        {role === 'company_admin' ? (
          <div className="field">
            <label htmlFor={companyFieldId}>{t('members.invite.company')}</label>
            <select
              id={companyFieldId}
              value={companyId}
              required
              onChange={(e) => setCompanyId(e.target.value)}
              data-testid="invite-company"
            >
              <option value="">{t('members.invite.chooseCompany')}</option>
              {companies.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div className="field">
          <label htmlFor={languageId}>{t('members.invite.language')}</label>
          <select
            id={languageId}
            value={mailLanguage}
            onChange={(e) => setMailLanguage(e.target.value === 'en' ? 'en' : 'de')}
            data-testid="invite-language"
          >
            <option value="de">{t('lang.de')}</option>
            <option value="en">{t('lang.en')}</option>
          </select>
        </div>
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={saving} data-testid="invite-submit">
            {saving ? t('members.invite.sending') : t('members.invite.submit')}
          </button>
        </div>
      </form>
      <MessageLine message={message} testId="invite-message" />
    </section>
  );
}

const INVITATION_COLUMNS: readonly MessageKey[] = [
  'members.col.email',
  'members.col.role',
  'members.col.invitedAt',
  'members.col.expiresAt',
  'members.col.mail',
  'members.col.actions',
];

function InvitationsCard({
  load,
  companies,
  reload,
}: {
  load: Load<Invitation[]>;
  companies: readonly Company[];
  reload: () => void;
}) {
  const { t } = useI18n();
  const format = useTenantTimeFormat();
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<Message | null>(null);
  const invitations = load.state === 'ok' ? load.value : [];

  const revoke = async (invitation: Invitation) => {
    if (busy) return;
    setBusy(invitation.id);
    setMessage(null);
    try {
      await revokeInvitation(invitation.id);
      setMessage({ kind: 'ok', text: t('members.invitations.revoked', { email: invitation.email }) });
      reload();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('members.invitations.revokeError'), MEMBER_WORDING) });
    } finally {
      setBusy(null);
    }
  };

  let status: string;
  if (load.state === 'loading') status = t('members.invitations.loading');
  else if (load.state === 'ok')
    status = invitations.length === 0 ? t('members.invitations.empty') : t('members.invitations.summary', { count: invitations.length });
  else if (load.state === 'forbidden') status = t('members.cardForbidden');
  else status = t('members.invitations.error');

  return (
    <section className="card" aria-labelledby="invitations-title">
      <h2 id="invitations-title">{t('members.invitations.title')}</h2>
      <MessageLine message={message} testId="invitations-message" />
      <LogTable
        name="invitations"
        load={load}
        status={status}
        caption="members.invitations.caption"
        columns={INVITATION_COLUMNS}
      >
        {invitations.map((invitation) => {
          const mailKey = `members.mail.${invitation.mail_status}`;
          const company = companyName(companies, invitation.company_id);
          return (
            <tr key={invitation.id} data-testid="invitation-row" data-id={invitation.id} data-email={invitation.email}>
              <td className="mono cell-text">{invitation.email}</td>
              <td>
                {roleName(t, invitation.role)}
                {company ? ` (${company})` : null}
              </td>
              <TimeCell value={invitation.created_at} format={format} />
              <TimeCell value={invitation.expires_at} format={format} />
              <td data-testid="invitation-mail-status" data-status={invitation.mail_status ?? ''}>
                {!invitation.mail_status
                  ? t('common.none')
                  : isMessageKey(mailKey)
                    ? t(mailKey)
                    : invitation.mail_status}
              </td>
              <td>
                <button
                  type="button"
                  className="button button--small"
                  disabled={busy !== null}
                  onClick={() => void revoke(invitation)}
                  data-testid="invitation-revoke"
                >
                  {busy === invitation.id ? t('members.invitations.revoking') : t('members.invitations.revoke')}
                </button>
              </td>
            </tr>
          );
        })}
      </LogTable>
    </section>
  );
}

// ---------------------------------------------------------------------------
// Companies

function CompaniesCard({ load, reload }: { load: Load<Company[]>; reload: () => void }) {
  const { t, locale } = useI18n();
  const [name, setName] = useState('');
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const nameId = useId();
  const companies = useMemo(() => {
    const list = load.state === 'ok' ? [...load.value] : [];
    const collator = new Intl.Collator(locale);
    return list.sort((a, b) => collator.compare(a.name, b.name));
  }, [load, locale]);

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed || saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const created = await createCompany(trimmed);
      setName('');
      setMessage({ kind: 'ok', text: t('members.companies.added', { name: created.name }) });
      reload();
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('members.companies.createError'), MEMBER_WORDING) });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="companies-title">
      <h2 id="companies-title">{t('members.companies.title')}</h2>
      <p className="muted">{t('members.companies.intro')}</p>
      {load.state === 'loading' ? (
        <p className="muted" role="status">
          {t('members.companies.loading')}
        </p>
      ) : null}
      {load.state === 'error' || load.state === 'forbidden' ? (
        <p className="alert alert--error" role="alert">
          {load.state === 'forbidden' ? t('members.cardForbidden') : t('members.companies.error')}
        </p>
      ) : null}
      {load.state === 'ok' && companies.length === 0 ? <p className="muted">{t('members.companies.empty')}</p> : null}
      {companies.length > 0 ? (
        <ul className="plain-list companies-list" data-testid="companies-list">
          {companies.map((company) => (
            <li key={company.id} data-testid="company-item" data-id={company.id}>
              {company.name}
            </li>
          ))}
        </ul>
      ) : null}
      <form className="form form--inline" onSubmit={(e) => void onSubmit(e)}>
        <FormField
          id={nameId}
          label={t('members.companies.name')}
          type="text"
          required
          maxLength={200}
          autoComplete="off"
          value={name}
          onChange={(e) => setName(e.target.value)}
          data-testid="company-name"
        />
        <div className="form__actions">
          <button type="submit" className="button" disabled={saving} data-testid="company-add">
            {saving ? t('members.companies.adding') : t('members.companies.add')}
          </button>
        </div>
      </form>
      <MessageLine message={message} testId="company-message" />
    </section>
  );
}

// ---------------------------------------------------------------------------
// Security settings

function SecurityCard({ load, reload }: { load: Load<TenantSecurity>; reload: () => void }) {
  const { t } = useI18n();
  const [saving, setSaving] = useState(false);
  const [message, setMessage] = useState<Message | null>(null);
  const [saved, setSaved] = useState<TenantSecurity | null>(null);
  const checkboxId = useId();
  const hintId = useId();
  const passkeySignInId = useId();
  const passkeysRequiredId = useId();
  const current = saved ?? (load.state === 'ok' ? load.value : null);

  const onChange = async (update: TenantSecurityUpdate) => {
    if (saving) return;
    setSaving(true);
    setMessage(null);
    try {
      const next = await setTenantSecurity(update);
      setSaved(next);
      let text = t('members.security.saved');
      if (update.passkey_sign_in_allowed === undefined && update.passkeys_required_for_admins === undefined) {
        text = next.mfa_required_for_admins ? t('members.security.nowRequired') : t('members.security.nowOptional');
      }
      setMessage({ kind: 'ok', text });
    } catch (err) {
      handleAuthError(err);
      setMessage({ kind: 'error', text: problemMessage(t, err, t('members.security.error'), MEMBER_WORDING) });
      setSaved(null);
      reload();
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="security-title">
      <h2 id="security-title">{t('members.security.title')}</h2>
      {load.state === 'loading' && !current ? (
        <p className="muted" role="status">
          {t('members.security.loading')}
        </p>
      ) : null}
      {load.state === 'error' || load.state === 'forbidden' ? (
        <p className="alert alert--error" role="alert">
          {load.state === 'forbidden' ? t('members.cardForbidden') : t('members.security.loadError')}
        </p>
      ) : null}
      {current ? (
        <>
          <div className="check-field">
            <label className="check" htmlFor={checkboxId}>
              <input
                id={checkboxId}
                type="checkbox"
                checked={current.mfa_required_for_admins}
                disabled={saving}
                aria-describedby={hintId}
                onChange={(e) => void onChange({ mfa_required_for_admins: e.target.checked })}
                data-testid="security-mfa-required"
              />
              {t('members.security.mfaRequired')}
            </label>
            <p id={hintId} className="small muted field__hint">
              {t('members.security.mfaHint')}
            </p>
          </div>
          <div className="check-field">
            <label className="check" htmlFor={passkeysRequiredId}>
              <input
                id={passkeysRequiredId}
                type="checkbox"
                checked={current.passkeys_required_for_admins}
                disabled={saving}
                onChange={(e) =>
                  void onChange({
                    mfa_required_for_admins: current.mfa_required_for_admins || e.target.checked,
                    passkeys_required_for_admins: e.target.checked,
                  })
                }
                data-testid="security-passkeys-required"
              />
              {t('members.security.passkeysRequired')}
            </label>
          </div>
          <div className="check-field">
            <label className="check" htmlFor={passkeySignInId}>
              <input
                id={passkeySignInId}
                type="checkbox"
                checked={current.passkey_sign_in_allowed}
                disabled={saving}
                onChange={(e) =>
                  void onChange({ mfa_required_for_admins: current.mfa_required_for_admins, passkey_sign_in_allowed: e.target.checked })
                }
                data-testid="security-passkey-sign-in"
              />
              {t('members.security.passkeySignIn')}
            </label>
          </div>
          <p className="small muted" data-testid="security-max-admins">
            {t('members.security.maxAdmins', { count: current.max_admins })}
          </p>
        </>
      ) : null}
      <MessageLine message={message} testId="security-message" />
    </section>
  );
}
