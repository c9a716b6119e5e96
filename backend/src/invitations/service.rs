use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::model::{Invitation, InvitationPreview, InvitationView, NewInvitation};
use super::store;
use crate::accounts::service::{new_account, validate_email};
use crate::accounts::store as accounts;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::model::Role;
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::{token_hash, Origin, Principal};
use crate::auth::{password, store as auth_store};
use crate::crypto::{normalize_email, random_bytes};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::members::model::RoleAssignment;
use crate::members::service::{self as members, AdminLimit};
use crate::notify::{self, templates};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service::load_keys;

/// Unknown, used, revoked and expired links get one answer.
pub fn invalid() -> AppError {
    AppError::rule(ProblemCode::InvitationInvalid, "this invitation link is unknown, used or expired")
}

/// Invites `email` into the caller's tenant and queues the mail with the link.
pub fn create(state: &AppState, p: &Principal, scope: &TenantScope, input: &NewInvitation) -> Result<InvitationView, AppError> {
    invite(state, Inviter::Member(p), scope, input)
}

/// The first admin of a tenant a platform admin has just created: a `tenant_admin`
/// invitation, which makes the invitee the tenant's primary admin when accepted (a tenant
/// without a primary admin gets its first one this way, see `accept`). The platform admin
/// grants no other role in the tenant (TOM AUTHZ-3).
pub fn create_first_admin(
    state: &AppState,
    ctx: &AuditContext,
    invited_by: &str,
    scope: &TenantScope,
    email: &str,
    language: Option<String>,
) -> Result<InvitationView, AppError> {
    let input = NewInvitation { email: email.to_owned(), role: Role::TenantAdmin.as_str().to_owned(), company_id: None, language };
    invite(state, Inviter::Platform { ctx, account_id: invited_by }, scope, &input)
}

/// Who invites: a member of the tenant (admin roles need `admin_roles.grant`), or a
/// platform admin inviting a new tenant's first admin.
#[derive(Clone, Copy)]
enum Inviter<'a> {
    Member(&'a Principal),
    Platform { ctx: &'a AuditContext, account_id: &'a str },
}

fn invite(state: &AppState, inviter: Inviter<'_>, scope: &TenantScope, input: &NewInvitation) -> Result<InvitationView, AppError> {
    let (ctx, invited_by): (&AuditContext, &str) = match inviter {
        Inviter::Member(p) => (&p.audit, p.account_id.as_str()),
        Inviter::Platform { ctx, account_id } => (ctx, account_id),
    };
    let email = validate_email(&input.email)?;
    let language = templates::Language::from_code(input.language.as_deref().unwrap_or("de"))
        .ok_or_else(|| AppError::invalid("language", "must be de or en"))?;
    let assignment = RoleAssignment { role: input.role.clone(), is_primary: false, company_id: input.company_id.clone(), course_id: None };
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let (role, tenant) = {
        state.db.tenant_read(scope, |tx| {
            let role = members::validate_assignment(tx, &assignment)?;
            let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
            Ok((role, tenant))
        })?
    };
    if let Inviter::Member(p) = inviter {
        if role.is_admin() {
            authorize(state, p, Permission::AdminRolesGrant)?;
        }
    }
    let keys = load_keys(&state.db, &state.master, scope)?;
    let email_index = keys.blind_index("invitations", "email", &email);
    state.db.tenant_read(scope, |tx| {
        let all = auth_store::memberships_in_tenant(tx)?;
        let account = accounts::find_by_email_index(tx, &state.master.platform_keys().blind_index("accounts", "email", &email))?;
        if account.is_some_and(|a| all.iter().any(|m| m.account_id == a.id)) {
            return Err(AppError::rule(ProblemCode::AlreadyMember, "this person is already a member of the tenant"));
        }
        members::check_admin_limit(
            state,
            tx,
            AdminLimit { scope, account_id: "", accepting: None },
            std::slice::from_ref(&assignment),
            now,
        )?;
        if store::open_in_tenant(tx, now)?.iter().any(|i| i.email_index == email_index) {
            return Err(AppError::rule(
                ProblemCode::AlreadyInvited,
                "an open invitation for this email exists; revoke it to send a new one",
            ));
        }
        Ok(())
    })?;
    let token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let id = Uuid::now_v7().to_string();
    let expires_at = now + Duration::days(i64::from(state.config.auth.invitation_days));
    let link = format!("{}/#/invitation?token={token}", state.config.public_url.trim_end_matches('/'));
    // In the tenant's time zone, named (issue 23).
    let zone = tenant.zone();
    let expires = format!("{} ({})", zone.date_time(expires_at, language == templates::Language::De), zone.name());
    let custom = state.db.tenant_read(scope, |tx| {
        let role_name = templates::role_name(role.as_str(), language);
        let values = [("tenant", tenant.name.as_str()), ("role", role_name), ("link", link.as_str()), ("expires", expires.as_str())];
        crate::notify::texts::custom(tx, crate::notify::texts::MailKind::Invitation, language, &email, &values)
    })?;
    let message = custom.unwrap_or_else(|| templates::invitation(language, &email, &tenant.name, role.as_str(), &link, &expires));
    let mut invitation = Invitation {
        tenant_id: scope.tenant_id().to_owned(),
        email_ciphertext: keys.encrypt("invitations", "email", &id, &email),
        email_index,
        id,
        role: role.as_str().to_owned(),
        company_id: assignment.company_id.clone(),
        language: language.code().to_owned(),
        token_hash: token_hash(&token),
        invited_by: invited_by.to_owned(),
        mail_id: None,
        created_at: now,
        expires_at,
        accepted_at: None,
        accepted_account_id: None,
        revoked_at: None,
    };
    state.db.tenant_tx(scope, |tx| {
        invitation.mail_id = Some(notify::enqueue(tx, &keys, Some(scope.tenant_id()), "invitation", &message, now)?);
        store::insert(tx, &invitation)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::InvitationCreated, "invitation", Some(&invitation.id)).detail("role", invitation.role.as_str()),
        )?;
        Ok(())
    })?;
    state.mail_wakeup.wake();
    Ok(InvitationView {
        id: invitation.id,
        email,
        role: Role::from_stored(&invitation.role)?,
        company_id: invitation.company_id,
        created_at: now,
        expires_at,
        mail_status: Some(notify::MailStatus::Queued),
    })
}

/// The tenant's open invitations with their mail's delivery status.
pub fn list(state: &AppState, scope: &TenantScope, now: NaiveDateTime) -> Result<Vec<InvitationView>, AppError> {
    let keys = load_keys(&state.db, &state.master, scope)?;
    let mut out = Vec::new();
    let open = state.db.tenant_read(scope, |tx| {
        let mut open = Vec::new();
        for i in store::open_in_tenant(tx, now)? {
            let mail_status = match &i.mail_id {
                Some(id) => notify::service::status(tx, id)?,
                None => None,
            };
            open.push((i, mail_status));
        }
        Ok(open)
    })?;
    for (i, mail_status) in open {
        out.push(InvitationView {
            email: keys.decrypt("invitations", "email", &i.id, &i.email_ciphertext)?.to_string(),
            role: Role::from_stored(&i.role)?,
            id: i.id,
            company_id: i.company_id,
            created_at: i.created_at,
            expires_at: i.expires_at,
            mail_status,
        });
    }
    Ok(out)
}

pub fn revoke(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<(), AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_tx(scope, |tx| {
        if store::revoke(tx, id, now)? == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(tx, &p.audit, Event::new(Action::InvitationRevoked, "invitation", Some(id)))?;
        Ok(())
    })
}

/// The open invitation behind a link's token, with its tenant scope and email.
fn open_invitation(state: &AppState, token: &str, now: NaiveDateTime) -> Result<(Invitation, TenantScope, String), AppError> {
    if token.is_empty() || token.len() > 128 {
        return Err(invalid());
    }
    // Unscoped: the token names the tenant, so it is located before there is a scope.
    let found = store::locate_by_token_hash(&mut *state.db.conn()?, &token_hash(token))?.ok_or_else(invalid)?;
    let scope = TenantScope::named_by_token(found.found_tenant);
    let invitation = state.db.tenant_read(&scope, |tx| Ok(store::find(tx, &found.found_id)?))?;
    let invitation = invitation.filter(|i| i.is_open(now)).ok_or_else(invalid)?;
    // Links into an offboarding tenant are void (TOM DEL-1).
    if crate::offboarding::store::status(&mut *state.db.conn()?, &invitation.tenant_id)?.as_deref()
        != Some(crate::tenants::model::STATUS_ACTIVE)
    {
        return Err(invalid());
    }
    let email = load_keys(&state.db, &state.master, &scope)?
        .decrypt("invitations", "email", &invitation.id, &invitation.email_ciphertext)?
        .to_string();
    Ok((invitation, scope, email))
}

/// The id of the open invitation `token` names in `scope`'s tenant (TOM ACC-7: an invited
/// person signs in at the tenant's provider); another tenant's answers as unknown.
pub fn open_in(state: &AppState, scope: &TenantScope, token: &str, now: NaiveDateTime) -> Result<String, AppError> {
    let (invitation, found, _) = open_invitation(state, token, now)?;
    if found.tenant_id() != scope.tenant_id() {
        return Err(invalid());
    }
    Ok(invitation.id)
}

pub fn preview(state: &AppState, token: &str, now: NaiveDateTime) -> Result<InvitationPreview, AppError> {
    let (invitation, scope, email) = open_invitation(state, token, now)?;
    let mut conn = state.db.conn()?;
    let tenant = crate::tenants::store::find(&mut conn, scope.tenant_id())?.ok_or_else(invalid)?;
    let index = state.master.platform_keys().blind_index("accounts", "email", &normalize_email(&email));
    let account_exists = accounts::find_by_email_index(&mut conn, &index)?.is_some();
    Ok(InvitationPreview {
        tenant_name: tenant.name,
        tenant_slug: tenant.slug,
        email,
        role: Role::from_stored(&invitation.role)?,
        account_exists,
    })
}

/// Accepts an invitation: a new account gets `pw` as its password (policy checked); an
/// existing account must prove it with its password. Returns the email.
pub fn accept(state: &AppState, origin: &Origin, token: &str, pw: &str) -> Result<String, AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let (invitation, scope, email) = open_invitation(state, token, now)?;
    let index = state.master.platform_keys().blind_index("accounts", "email", &normalize_email(&email));
    let existing = {
        let mut conn = state.db.conn()?;
        accounts::find_by_email_index(&mut conn, &index)?
    };
    let proven = match &existing {
        Some(account) => password::verify(pw, &account.password_hash)?,
        None => false,
    };
    let (account, is_new) = match existing {
        Some(account) if proven && account.disabled_at.is_none() => (account, false),
        Some(account) => {
            let ctx = context(origin, &account.id);
            state.db.platform_tx(|tx| {
                audit::record(
                    tx,
                    &ctx,
                    Event::new(Action::SignInFailed, "account", Some(&account.id)).outcome(Outcome::Failure).detail("via", "invitation"),
                )?;
                Ok(())
            })?;
            return Err(AppError::rule(ProblemCode::InvalidCredentials, "the password of the existing account is wrong"));
        }
        None => (new_account(&state.master, state.config.auth.password_hash, &email, pw, origin.at)?, true),
    };
    let mut assignment =
        RoleAssignment { role: invitation.role.clone(), is_primary: false, company_id: invitation.company_id.clone(), course_id: None };
    state.db.tenant_read(&scope, |tx| {
        let all = auth_store::memberships_in_tenant(tx)?;
        if all.iter().any(|m| m.account_id == account.id) {
            return Err(AppError::rule(ProblemCode::AlreadyMember, "this account is already a member of the tenant"));
        }
        // A tenant without a primary admin (one the platform console has just created)
        // gets its first one: the invited tenant admin (TOM AUTHZ-3).
        assignment.is_primary = assignment.role == Role::TenantAdmin.as_str()
            && !all.iter().any(|m| m.disabled_at.is_none() && m.is_primary && m.role == Role::TenantAdmin.as_str());
        // The limit held when the invitation was made; others may have been granted since.
        let limit = AdminLimit { scope: &scope, account_id: &account.id, accepting: Some(&invitation.id) };
        members::check_admin_limit(state, tx, limit, std::slice::from_ref(&assignment), now)
    })?;
    let ctx = context(origin, &account.id);
    state.db.platform_tx(|tx| {
        if is_new {
            accounts::insert(tx, &account)?;
            audit::record(tx, &ctx, Event::new(Action::AccountCreated, "account", Some(&account.id)).detail("via", "invitation"))?;
        }
        let tx = &mut tx.enter_tenant(&scope)?;
        if store::accept(tx, &invitation.id, &account.id, now)? == 0 {
            return Err(invalid());
        }
        members::grant(tx, &account.id, std::slice::from_ref(&assignment), now, None)?;
        audit::record(tx, &ctx, Event::new(Action::InvitationAccepted, "invitation", Some(&invitation.id)))?;
        audit::record(
            tx,
            &ctx,
            Event::new(Action::MembershipGranted, "account", Some(&account.id))
                .detail("role", assignment.role.as_str())
                .detail("invited_by", invitation.invited_by.as_str()),
        )?;
        Ok(())
    })?;
    Ok(email)
}

/// The invitee acts as the account the invitation is accepted for (no session yet).
fn context(origin: &Origin, account_id: &str) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::Account, id: Some(account_id.to_owned()), role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}
