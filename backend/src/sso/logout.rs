//! Logout at the OpenID provider (TOM ACC-7), both ways. RP-initiated: signing out of
//! anwesend sends the browser on to the provider's `end_session_endpoint`, where it offers
//! one. Back-channel (OpenID Connect Back-Channel Logout 1.0): the provider POSTs a signed
//! logout token; it is verified with `jsonwebtoken` against the provider's keys (the
//! cached JWKS, fetched again for an unknown `kid` at most once a minute): `typ`
//! `logout+jwt`, an allowed algorithm, issuer, audience, `iat`, the back-channel `events`
//! claim, `sid` or `sub`, no `nonce`, and its `jti` accepted once, in the database, so a
//! replay to any node is refused. The matching sessions end. Blocking.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::model::ProviderKind;
use super::oidc::{discover, Http, Metadata};
use super::service::{self, logout_index, oidc_settings};
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::service::{Origin, Principal};
use crate::db::schema::{sessions, sso_logout_tokens};
use crate::db::{DbConnection, Located, TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

/// The `events` member a logout token must carry.
pub const BACKCHANNEL_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// How old a logout token may be (`iat`), and how far ahead of our clock.
pub const MAX_AGE_MINUTES: i64 = 5;
const CLOCK_SKEW_SECONDS: i64 = 60;
/// A logout token is a few hundred bytes; anything near this is not one.
pub const MAX_TOKEN_LEN: usize = 8192;
const ALGORITHMS: [Algorithm; 3] = [Algorithm::RS256, Algorithm::PS256, Algorithm::ES256];

/// Where the provider sends the browser after its logout: anwesend's start page, which
/// shows the sign-in. Registered at the provider as the post-logout redirect URI.
pub fn post_logout_redirect_uri(state: &AppState) -> String {
    format!("{}/", state.config.public_origin())
}

/// The back-channel logout URI to register at the provider.
pub fn backchannel_logout_uri(state: &AppState, provider_id: &str) -> String {
    format!("{}/api/v1/sso/oidc/{provider_id}/backchannel-logout", state.config.public_origin())
}

/// RP-initiated logout: the provider's end-session URL for a session begun there, where
/// the provider names one (SAML: the signed `LogoutRequest` to its SingleLogoutService); `None` for other sessions or when the provider cannot be asked
/// (signing out of anwesend never fails because of the provider).
pub fn end_session_url(state: &AppState, p: &Principal) -> Option<String> {
    let session = p.method.provider_session.as_ref()?;
    let scope = p.tenant.as_ref()?;
    let provider = service::one(state, scope, &session.provider_id).ok()?;
    if provider.kind == ProviderKind::Saml.as_str() {
        return match super::saml_slo::logout_url(state, p, &provider, session) {
            Ok(url) => url,
            Err(e) => {
                tracing::warn!(error = %e, "no SAML logout request could be made");
                None
            }
        };
    }
    if provider.kind != ProviderKind::Oidc.as_str() {
        return None;
    }
    let settings = oidc_settings(&provider).ok()?;
    let http = Http::new().ok()?;
    let metadata = state.sso_metadata.get(&settings.issuer, p.audit.at, || discover(&http, &settings.issuer)).ok()?;
    let endpoint = metadata.additional_metadata().end_session_endpoint.clone()?;
    let mut url = url::Url::parse(&endpoint).ok()?;
    if !matches!(url.scheme(), "https" | "http") {
        return None;
    }
    url.query_pairs_mut()
        .append_pair("client_id", &settings.client_id)
        .append_pair("post_logout_redirect_uri", &post_logout_redirect_uri(state));
    Some(url.to_string())
}

/// The provider a back-channel call names, found before its tenant is known (on
/// PostgreSQL through `sso_provider_by_id`, the one way past row-level security for it).
fn locate(conn: &mut DbConnection, provider_id: &str) -> QueryResult<Option<Located>> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT found_tenant, found_id FROM sso_provider_by_id($1)")
            .bind::<diesel::sql_types::Text, _>(provider_id)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => crate::db::schema::sso_providers::table
            .filter(crate::db::schema::sso_providers::id.eq(provider_id))
            .select((crate::db::schema::sso_providers::tenant_id, crate::db::schema::sso_providers::id))
            .first::<(String, String)>(c)
            .optional()
            .map(|found| found.map(Located::from)),
    }
}

/// What a logout token must and must not hold (beyond `iss` and `aud`, which
/// `jsonwebtoken` checks).
#[derive(Deserialize)]
struct LogoutClaims {
    iat: Option<i64>,
    jti: Option<String>,
    sub: Option<String>,
    sid: Option<String>,
    events: Option<serde_json::Map<String, serde_json::Value>>,
    nonce: Option<serde_json::Value>,
}

/// Why a logout token was refused: audited, never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Malformed,
    Type,
    Algorithm,
    UnknownKey,
    Signature,
    Claims,
    Stale,
    Events,
    Nonce,
    NoSubject,
    Replayed,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::Type => "typ_not_logout_jwt",
            Self::Algorithm => "algorithm_not_allowed",
            Self::UnknownKey => "signing_key_unknown",
            Self::Signature => "signature_issuer_or_audience",
            Self::Claims => "claims_missing",
            Self::Stale => "iat_out_of_window",
            Self::Events => "events_claim",
            Self::Nonce => "nonce_present",
            Self::NoSubject => "sid_and_sub_missing",
            Self::Replayed => "jti_replayed",
        }
    }
}

fn refused() -> AppError {
    AppError::rule(ProblemCode::BadRequest, "the logout token is not valid")
}

/// The provider's verification keys as `jsonwebtoken` reads them; keys it cannot use are
/// left out.
fn keys_of(metadata: &Metadata) -> Vec<Jwk> {
    metadata
        .jwks()
        .keys()
        .iter()
        .filter_map(|k| serde_json::to_value(k).ok())
        .filter_map(|v| serde_json::from_value::<Jwk>(v).ok())
        .collect()
}

fn key_for<'a>(keys: &'a [Jwk], kid: Option<&str>) -> Option<&'a Jwk> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)),
        None if keys.len() == 1 => keys.first(),
        None => None,
    }
}

/// Checks a logout token of `metadata`'s issuer for `client_id`; answers its claims.
fn verify(
    state: &AppState,
    http: &Http,
    mut metadata: Metadata,
    client_id: &str,
    token: &str,
    at: DateTime<Utc>,
) -> Result<LogoutClaims, Refusal> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| Refusal::Malformed)?;
    if !header.typ.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("logout+jwt") || t.eq_ignore_ascii_case("application/logout+jwt")) {
        return Err(Refusal::Type);
    }
    if !ALGORITHMS.contains(&header.alg) {
        return Err(Refusal::Algorithm);
    }
    let issuer = metadata.issuer().as_str().to_owned();
    let mut keys = keys_of(&metadata);
    if key_for(&keys, header.kid.as_deref()).is_none() {
        // The provider may have rotated its keys: once a minute, ask again.
        match state.sso_metadata.refetch(&issuer, at, || discover(http, &issuer)) {
            Ok(Some(fresh)) => {
                metadata = fresh;
                keys = keys_of(&metadata);
            }
            _ => return Err(Refusal::UnknownKey),
        }
    }
    let jwk = key_for(&keys, header.kid.as_deref()).ok_or(Refusal::UnknownKey)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| Refusal::UnknownKey)?;
    let mut validation = Validation::new(header.alg);
    validation.algorithms = vec![header.alg];
    validation.set_issuer(&[issuer.as_str()]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["iss", "aud"]);
    validation.leeway = CLOCK_SKEW_SECONDS as u64;
    let claims = jsonwebtoken::decode::<LogoutClaims>(token, &key, &validation).map_err(|_| Refusal::Signature)?.claims;
    let iat = claims.iat.ok_or(Refusal::Claims)?;
    let now = at.timestamp();
    if iat > now + CLOCK_SKEW_SECONDS || iat < now - MAX_AGE_MINUTES * 60 {
        return Err(Refusal::Stale);
    }
    if claims.jti.as_deref().is_none_or(|j| j.is_empty() || j.len() > 256) {
        return Err(Refusal::Claims);
    }
    if !claims.events.as_ref().and_then(|e| e.get(BACKCHANNEL_EVENT)).is_some_and(serde_json::Value::is_object) {
        return Err(Refusal::Events);
    }
    if claims.nonce.is_some() {
        return Err(Refusal::Nonce);
    }
    let usable = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.is_empty() && s.len() <= 512);
    if !usable(&claims.sid) && !usable(&claims.sub) {
        return Err(Refusal::NoSubject);
    }
    Ok(claims)
}

fn context(origin: &Origin) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::System, id: None, role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

/// Back-channel logout: verifies the provider's logout token and ends the sessions it
/// names (by `sid`, else by `sub`). Answers how many ended. An unknown or disabled
/// provider answers 404; a token that fails a check 400, audited with the reason.
pub fn backchannel(state: &AppState, origin: &Origin, provider_id: &str, token: &str) -> Result<usize, AppError> {
    if provider_id.len() > 64 || token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(if provider_id.len() > 64 { AppError::NotFound } else { refused() });
    }
    let located = locate(&mut *state.db.conn()?, provider_id)?.ok_or(AppError::NotFound)?;
    let scope = TenantScope::named_by_identity_provider(located.found_tenant);
    let provider = service::one(state, &scope, &located.found_id)?;
    if !provider.enabled || provider.kind != ProviderKind::Oidc.as_str() {
        return Err(AppError::NotFound);
    }
    let settings = oidc_settings(&provider)?;
    let http = Http::new()?;
    let metadata =
        state.sso_metadata.get(&settings.issuer, origin.at, || discover(&http, &settings.issuer)).map_err(super::oidc::Refusal::error)?;
    let ctx = context(origin);
    let refuse = |reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "back-channel logout refused");
        let event = Event::new(Action::SsoBackchannelLogout, "sso_provider", Some(&provider.id))
            .outcome(Outcome::Denied)
            .detail("reason", reason.code());
        match state.db.tenant_tx(&scope, |tx| audit::record(tx, &ctx, event).map(|_| ())) {
            Ok(()) => refused(),
            Err(e) => e,
        }
    };
    let claims = verify(state, &http, metadata, &settings.client_id, token, origin.at).map_err(refuse)?;
    let now = crate::audit::chain::truncate_to_micros(origin.at.naive_utc());
    let jti_hash = service::sha256(claims.jti.as_deref().unwrap_or_default());
    let (sid, sub) = (claims.sid.filter(|s| !s.is_empty()), claims.sub.filter(|s| !s.is_empty()));
    let by_sid = sid.as_deref().map(|sid| logout_index(state, &provider.id, "sid", sid));
    let by_sub = sub.as_deref().map(|sub| logout_index(state, &provider.id, "sub", sub));
    let outcome = state.db.tenant_tx(&scope, |tx| {
        if !accept_once(tx, &provider.id, &jti_hash, now)? {
            return Ok(None);
        }
        let ended = end_matching(tx, &provider.id, by_sid.as_deref(), by_sub.as_deref(), now)?;
        let event = Event::new(Action::SsoBackchannelLogout, "sso_provider", Some(&provider.id))
            .detail("by", if by_sid.is_some() { "sid" } else { "sub" })
            .detail("sessions_ended", ended.len());
        audit::record(tx, &ctx, event)?;
        for id in &ended {
            audit::record(tx, &ctx, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "provider_logout"))?;
        }
        Ok(Some(ended.len()))
    });
    match outcome {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err(refuse(Refusal::Replayed)),
        // Two nodes took the same token at once: the other one's insert won.
        Err(AppError::Database(diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _))) => {
            Err(refuse(Refusal::Replayed))
        }
        Err(e) => Err(e),
    }
}

/// Records the token's `jti` (hashed); `false` when it was accepted before. Entries past
/// their window go.
fn accept_once(tx: &mut TenantTx<'_>, provider_id: &str, jti_hash: &[u8], now: chrono::NaiveDateTime) -> Result<bool, AppError> {
    let (conn, tenant) = tx.parts();
    diesel::delete(sso_logout_tokens::table.filter(sso_logout_tokens::tenant_id.eq(tenant)).filter(sso_logout_tokens::expires_at.le(now)))
        .execute(conn)?;
    let seen = sso_logout_tokens::table
        .find((tenant, provider_id, jti_hash))
        .select(sso_logout_tokens::received_at)
        .first::<chrono::NaiveDateTime>(conn)
        .optional()?;
    if seen.is_some() {
        return Ok(false);
    }
    // Kept while a token with this `iat` could still be accepted.
    let expires_at = now + Duration::minutes(MAX_AGE_MINUTES) + Duration::seconds(2 * CLOCK_SKEW_SECONDS);
    diesel::insert_into(sso_logout_tokens::table)
        .values((
            sso_logout_tokens::tenant_id.eq(tenant),
            sso_logout_tokens::provider_id.eq(provider_id),
            sso_logout_tokens::jti_hash.eq(jti_hash),
            sso_logout_tokens::received_at.eq(now),
            sso_logout_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Ends the open sessions begun at `provider_id` with this provider session (`sid`), or
/// of this subject (`sub`) when the token names no session.
fn end_matching(
    tx: &mut TenantTx<'_>,
    provider_id: &str,
    by_sid: Option<&[u8]>,
    by_sub: Option<&[u8]>,
    now: chrono::NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let tenant = tx.tenant_id().to_owned();
    let mut query = sessions::table
        .filter(sessions::sso_provider_id.eq(provider_id))
        .filter(sessions::active_tenant_id.eq(&tenant))
        .filter(sessions::ended_at.is_null())
        .select(sessions::id)
        .into_boxed();
    query = match (by_sid, by_sub) {
        (Some(sid), _) => query.filter(sessions::sso_sid_index.eq(sid)),
        (None, Some(sub)) => query.filter(sessions::sso_subject_index.eq(sub)),
        (None, None) => return Ok(Vec::new()),
    };
    let ids: Vec<String> = query.load(tx.conn())?;
    if !ids.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set((sessions::ended_at.eq(now), sessions::end_reason.eq("provider_logout")))
            .execute(tx.conn())?;
    }
    Ok(ids)
}
