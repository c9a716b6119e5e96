use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{sso_identities, sso_logins, sso_providers};

closed_set! {
    /// The protocol of an identity provider.
    pub enum ProviderKind {
        Oidc = "oidc",
        Ldap = "ldap",
        Saml = "saml",
    }
}

closed_set! {
    /// What the admin started from: the preset fills in the kind's settings.
    pub enum Preset {
        Generic = "generic",
        /// Microsoft Entra ID (OpenID Connect); asks only for the directory (tenant) id.
        Entra = "entra",
        /// Active Directory (LDAP): `sAMAccountName`/UPN, disabled accounts, nested groups.
        ActiveDirectory = "active_directory",
    }
}

closed_set! {
    /// Who may sign in through a provider.
    pub enum Provisioning {
        /// Only accounts linked to the provider (a member who completed its flow once).
        Off = "off",
        /// Also new accounts for verified addresses of the listed domains, with the default role.
        Jit = "jit",
    }
}

#[derive(Queryable, Selectable, Insertable, AsChangeset, Debug, Clone)]
#[diesel(table_name = sso_providers)]
#[diesel(treat_none_as_null = true)]
pub struct ProviderRow {
    pub tenant_id: String,
    pub id: String,
    pub kind: String,
    pub preset: String,
    pub name: String,
    pub enabled: bool,
    /// `OidcSettings` or `LdapSettings` as JSON.
    pub settings: String,
    /// The client secret or bind password, encrypted with the tenant's data key.
    pub secret_ciphertext: Option<Vec<u8>>,
    /// `Vec<RoleMapping>` as JSON.
    pub role_mappings: String,
    pub provisioning: String,
    /// `Vec<String>` as JSON.
    pub jit_domains: String,
    pub default_role: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `Vec<String>` as JSON: the email domains whose staff the email-first sign-in page
    /// sends to this provider (besides `jit_domains`).
    pub sign_in_domains: String,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sso_identities)]
pub struct IdentityRow {
    pub tenant_id: String,
    pub id: String,
    pub provider_id: String,
    /// Keyed hash of the provider's stable subject (issuer and `sub`; Entra `tid`/`oid`).
    pub subject_index: Vec<u8>,
    pub account_id: String,
    /// `Vec<RoleMapping>` (without `value`) the mapping granted, as JSON.
    pub managed_roles: String,
    pub created_at: NaiveDateTime,
    pub last_sign_in_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sso_logins)]
pub struct LoginRow {
    pub tenant_id: String,
    pub id: String,
    pub provider_id: String,
    pub state_hash: Vec<u8>,
    pub browser_hash: Vec<u8>,
    pub nonce: String,
    pub pkce_verifier_ciphertext: Vec<u8>,
    pub link_account_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    /// Set when an invited person signs in from the invitation link.
    pub invitation_id: Option<String>,
}

/// OpenID Connect settings (no secret).
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OidcSettings {
    /// The issuer URL (`https://…`); for the Entra preset made from `directory_id`.
    #[serde(default)]
    #[schema(max_length = 512)]
    pub issuer: String,
    #[schema(max_length = 256)]
    pub client_id: String,
    /// Entra preset, single-tenant app: the directory (tenant) id, a UUID.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub directory_id: Option<String>,
    /// Entra preset, multi-tenant app (no `directory_id`): the directories (tenant ids)
    /// whose people may sign in; a token's `tid` outside the list is refused, and so is
    /// the personal-account directory `9188040d-6c67-4c5b-b112-36a304b66dad` always.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub allowed_directories: Vec<String>,
    /// The admin trusts the provider's `amr` for the second factor ("Zweiter Faktor beim Anbieter").
    #[serde(default)]
    pub accept_provider_mfa: bool,
}

/// LDAP / Active Directory settings (no secret).
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LdapSettings {
    /// `ldaps://host:636` or `ldap://host:389` with `starttls`.
    #[schema(max_length = 512)]
    pub url: String,
    #[serde(default)]
    pub starttls: bool,
    /// The directory's CA certificate (PEM) the server certificate must chain to.
    #[schema(max_length = 16384)]
    pub ca_certificate: String,
    /// The service account that searches for users.
    #[schema(max_length = 512)]
    pub bind_dn: String,
    #[schema(max_length = 512)]
    pub user_base_dn: String,
    /// `{username}` stands for the escaped input; the preset fills it in when empty.
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub user_filter: String,
    /// Where groups are searched; empty: the user base.
    #[serde(default)]
    #[schema(max_length = 512)]
    pub group_base_dn: String,
    /// `{dn}` stands for the user's escaped DN; the preset fills it in when empty.
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub group_filter: String,
}

/// SAML 2.0 settings (no secret: the IdP's metadata carries its public certificates).
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SamlSettings {
    /// The identity provider's metadata (XML), pasted or uploaded; kept as saved.
    #[serde(default)]
    #[schema(max_length = 262144)]
    pub metadata_xml: String,
    /// Or where to fetch the metadata once, when saving (`https://`, at most 256 KiB).
    #[serde(default)]
    #[schema(max_length = 512)]
    pub metadata_url: Option<String>,
    /// An immutable attribute that names the person (e.g. an object GUID); none: the
    /// persistent NameID. Never an email attribute.
    #[serde(default)]
    #[schema(max_length = 256)]
    pub subject_attribute: Option<String>,
    /// The attribute with the address; none: `email`, `mail` and their URN/claim names.
    #[serde(default)]
    #[schema(max_length = 256)]
    pub email_attribute: Option<String>,
    /// The attribute with groups or roles for the role mapping; none: `groups`, `memberOf`
    /// and the ADFS/Entra claim names.
    #[serde(default)]
    #[schema(max_length = 256)]
    pub groups_attribute: Option<String>,
    /// Read from the metadata on saving.
    #[serde(default)]
    #[schema(read_only, max_length = 1024)]
    pub idp_entity_id: String,
}

/// What the admin gives the SAML identity provider for this tenant.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct SamlServiceProvider {
    pub entity_id: String,
    /// The assertion consumer service (HTTP-POST binding).
    pub acs_url: String,
    /// anwesend's SP metadata for this tenant, to import at the IdP.
    pub metadata_url: String,
    /// Single logout (HTTP-Redirect binding): the IdP's `LogoutRequest`s and `LogoutResponse`s.
    pub slo_url: String,
}

/// One claim value (OIDC `groups`/`roles`, Entra app roles) or LDAP group DN → one role.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    #[schema(max_length = 512)]
    pub value: String,
    /// `tenant_admin`, `company_admin`, `organiser` or `instructor`.
    #[schema(max_length = 32)]
    pub role: String,
    /// Required for `company_admin`.
    #[serde(default)]
    pub company_id: Option<String>,
    /// Optional for `instructor`.
    #[serde(default)]
    pub course_id: Option<String>,
}

/// A provider as the admin writes it. The secret is write-only: absent keeps the stored one.
#[derive(Deserialize, ToSchema, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct ProviderInput {
    pub kind: ProviderKind,
    pub preset: Preset,
    /// The sign-in button's label, e.g. "Mit Microsoft anmelden".
    #[schema(max_length = 80)]
    pub name: String,
    pub enabled: bool,
    #[serde(default)]
    pub oidc: Option<OidcSettings>,
    #[serde(default)]
    pub ldap: Option<LdapSettings>,
    #[serde(default)]
    pub saml: Option<SamlSettings>,
    /// Client secret (OIDC) or the service account's password (LDAP); none for SAML.
    #[serde(default)]
    #[schema(max_length = 1024)]
    pub secret: Option<String>,
    #[serde(default)]
    pub role_mappings: Vec<RoleMapping>,
    pub provisioning: Provisioning,
    #[serde(default)]
    pub jit_domains: Vec<String>,
    /// The role just-in-time accounts get: `organiser` or `instructor`, never an admin role.
    #[serde(default)]
    pub default_role: Option<String>,
    /// The email domains the provider serves on the email-first sign-in page (lower case,
    /// e.g. `schule.example`); the `jit_domains` are offered there too.
    #[serde(default)]
    pub sign_in_domains: Vec<String>,
}

/// A provider as the admin reads it: never the secret, only whether one is set.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct ProviderView {
    pub id: String,
    pub kind: ProviderKind,
    pub preset: Preset,
    pub name: String,
    pub enabled: bool,
    pub oidc: Option<OidcSettings>,
    pub ldap: Option<LdapSettings>,
    pub saml: Option<SamlSettings>,
    pub secret_set: bool,
    pub role_mappings: Vec<RoleMapping>,
    pub provisioning: Provisioning,
    pub jit_domains: Vec<String>,
    pub default_role: Option<String>,
    pub sign_in_domains: Vec<String>,
    /// OIDC: the redirect URI to register at the provider.
    pub redirect_uri: Option<String>,
    /// SAML: the entity id, ACS and metadata URL to give the identity provider.
    pub saml_sp: Option<SamlServiceProvider>,
    /// OIDC: where the provider sends the browser after its logout (register it).
    pub post_logout_redirect_uri: Option<String>,
    /// OIDC: where the provider posts logout tokens (back-channel logout; register it).
    pub backchannel_logout_uri: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ProviderList {
    pub providers: Vec<ProviderView>,
}

/// What the sign-in page shows for a tenant: its enabled providers.
#[derive(Serialize, ToSchema)]
pub struct PublicProvider {
    pub id: String,
    pub kind: ProviderKind,
    pub preset: Preset,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicProviders {
    pub providers: Vec<PublicProvider>,
    /// Local passwords work only for the break-glass admin.
    pub sso_only: bool,
    /// Staff may sign in with a passkey alone: the page offers passkeys in the email
    /// field's autofill (conditional mediation; TOM ACC-6).
    pub passkey_sign_in: bool,
}

/// The email-first sign-in page asks which providers serve an address's domain.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DomainLookup {
    /// Only its domain is read; the answer never depends on whether an account exists.
    #[schema(max_length = 254)]
    pub email: String,
}

/// An enabled provider of an active tenant that serves the domain asked for.
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct DomainProvider {
    /// The tenant's slug: sign-in starts at `/api/v1/public/{tenant}/sso/{id}/start` (or
    /// the tenant's page `#/login/{tenant}` for LDAP).
    pub tenant: String,
    pub tenant_name: String,
    pub id: String,
    pub kind: ProviderKind,
    pub preset: Preset,
    pub name: String,
}

/// The same shape for every address: an empty list when no provider serves its domain.
#[derive(Serialize, ToSchema)]
pub struct DomainProviders {
    pub providers: Vec<DomainProvider>,
}

/// "Nur SSO" and the one account that keeps its password.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, Default)]
#[serde(deny_unknown_fields)]
pub struct SsoSettings {
    pub sso_only: bool,
    /// A primary tenant admin of this tenant; required for `sso_only`.
    #[serde(default)]
    #[schema(max_length = 64)]
    pub break_glass_account_id: Option<String>,
}

/// One step of "Verbindung testen".
#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TestCheck {
    /// `discovery`, `jwks`, `redirect_uri` (OIDC); `tls`, `service_bind`, `user_search` (LDAP).
    pub check: String,
    pub ok: bool,
    /// What was found, in the language asked for.
    pub message: String,
}

#[derive(Serialize, ToSchema, Debug, Clone)]
pub struct TestReport {
    pub ok: bool,
    pub checks: Vec<TestCheck>,
}

/// Begins the provider's flow: the browser goes to `authorize_url`.
#[derive(Serialize, ToSchema)]
pub struct SignInStart {
    pub authorize_url: String,
}

/// An invited person begins the provider's flow from the invitation link.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationSignIn {
    /// The invitation link's token.
    #[schema(max_length = 128)]
    pub token: String,
}

/// LDAP sign-in on the tenant's page.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LdapSignIn {
    /// The directory user name (`sAMAccountName`, UPN or `uid`).
    #[schema(max_length = 256)]
    pub username: String,
    #[schema(max_length = 1024)]
    pub password: String,
}

/// What a provider asserted about the person, after its checks passed. Serialised only
/// encrypted, between a SAML response's check and the sign-in it completes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assertion {
    /// The stable subject: issuer and `sub`, Entra `tid` and `oid`, or the directory entry.
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Claim values or group DNs, matched against the role mapping.
    pub groups: Vec<String>,
    /// The provider says it checked a second factor (`amr`).
    pub mfa: bool,
    /// OpenID Connect: the token's `sub` and `sid`; SAML: the NameID and SessionIndex; for
    /// logout from the provider.
    pub provider_session: Option<(String, Option<String>)>,
    /// SAML: the NameID as sent, for the `LogoutRequest` at sign-out.
    #[serde(default)]
    pub saml_logout: Option<SamlNameId>,
}

/// A SAML assertion's NameID with its format, qualifiers and the IdP's SessionIndex: kept
/// with the session, encrypted with the tenant's data key (TOM ACC-7).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SamlNameId {
    pub value: String,
    pub format: Option<String>,
    pub name_qualifier: Option<String>,
    pub sp_name_qualifier: Option<String>,
    pub session_index: Option<String>,
}
