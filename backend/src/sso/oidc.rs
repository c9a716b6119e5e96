//! OpenID Connect (and Microsoft Entra ID): authorization code flow with PKCE (S256),
//! `state`, `nonce` and the verifier kept in the database (single use, ten minutes), the
//! ID token checked for issuer, audience, expiry, nonce and an allowed signature algorithm
//! (TOM ACC-7). Every call to the provider has a timeout, follows no redirect and reads
//! at most `MAX_BODY` bytes. Blocking.

use std::io::Read;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod, CoreErrorResponseType,
    CoreGenderClaim, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreJwsSigningAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, HttpRequest, HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, ProviderMetadata,
    RedirectUrl, RequestTokenError, Scope, SignatureVerificationError, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::{Assertion, LoginRow, Preset, ProviderKind, ProviderRow, TestCheck, TestReport};
use super::service::{self, oidc_settings, text};
use super::store;
use crate::audit;
use crate::auth::service::{Origin, Principal};
use crate::crypto::{constant_time_eq, random_bytes};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_BODY: u64 = 1024 * 1024;
const MAX_GROUPS: usize = 1000;
const ALLOWED_ALGS: [CoreJwsSigningAlgorithm; 3] =
    [CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, CoreJwsSigningAlgorithm::RsaSsaPssSha256, CoreJwsSigningAlgorithm::EcdsaP256Sha256];

/// Why a provider's answer was refused: written to the audit trail and the log, never
/// what the provider sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Unreachable,
    Discovery,
    StateUnknown,
    BrowserMismatch,
    ProviderError,
    IssuerMismatch,
    TokenExchange,
    IdToken,
    UnknownKey,
    AccessTokenHash,
    UserInfo,
    Subject,
    /// Entra: the token's directory (`tid`) is not the one of a single-tenant app, not on
    /// a multi-tenant app's allow-list, or the personal-account directory.
    Directory,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Unreachable => "provider_unreachable",
            Self::Discovery => "discovery_failed",
            Self::StateUnknown => "state_unknown_used_or_expired",
            Self::BrowserMismatch => "other_browser",
            Self::ProviderError => "provider_error",
            Self::IssuerMismatch => "issuer_mismatch",
            Self::TokenExchange => "token_exchange_failed",
            Self::IdToken => "id_token_invalid",
            Self::UnknownKey => "signing_key_unknown",
            Self::AccessTokenHash => "access_token_hash_mismatch",
            Self::UserInfo => "userinfo_failed",
            Self::Subject => "subject_missing",
            Self::Directory => "directory_not_allowed",
        }
    }

    pub fn error(self) -> AppError {
        match self {
            Self::Unreachable => AppError::rule(ProblemCode::SsoUnavailable, "the identity provider did not answer"),
            _ => AppError::rule(ProblemCode::SsoFailed, "the sign-in at the identity provider could not be completed"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the provider did not answer")]
    Transport,
    #[error("the provider's answer is too large")]
    TooLarge,
}

/// A client for one operation: a timeout on every call, no redirects, bounded answers.
pub struct Http {
    client: reqwest::blocking::Client,
}

impl Http {
    pub fn new() -> Result<Self, AppError> {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .build()
            .map_err(|_| AppError::Internal("the HTTP client could not be built".into()))?;
        Ok(Self { client })
    }

    pub fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let response = self
            .client
            .request(parts.method, parts.uri.to_string())
            .headers(parts.headers)
            .body(body)
            .send()
            .map_err(|_| HttpError::Transport)?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        response.take(MAX_BODY + 1).read_to_end(&mut body).map_err(|_| HttpError::Transport)?;
        if body.len() as u64 > MAX_BODY {
            return Err(HttpError::TooLarge);
        }
        let mut answer = HttpResponse::new(body);
        *answer.status_mut() = status;
        *answer.headers_mut() = headers;
        Ok(answer)
    }
}

/// `amr` values (RFC 8176) that say the provider checked more than a password: `mfa`
/// itself, a one-time code, a hardware key, a smart card. "Zweiter Faktor beim Anbieter"
/// accepts a sign-in whose ID token names one of them.
pub const MFA_AMR: [&str; 4] = ["mfa", "otp", "hwk", "sc"];

/// Discovery fields beyond OpenID Connect Discovery itself: where RP-initiated logout goes.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct LogoutMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
}

impl AdditionalProviderMetadata for LogoutMetadata {}

/// A provider's discovery document with its signing keys (JWKS).
pub type Metadata = ProviderMetadata<
    LogoutMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Claims beyond the standard ones: groups and app roles, Entra's directory and object id.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct ExtraClaims {
    #[serde(default)]
    groups: Option<Vec<String>>,
    #[serde(default)]
    roles: Option<Vec<String>>,
    #[serde(default)]
    tid: Option<String>,
    #[serde(default)]
    oid: Option<String>,
    /// The provider's session id, for back-channel logout.
    #[serde(default)]
    sid: Option<String>,
}

impl AdditionalClaims for ExtraClaims {}

impl ExtraClaims {
    fn values(&self) -> Option<Vec<String>> {
        if self.groups.is_none() && self.roles.is_none() {
            return None;
        }
        Some(self.groups.iter().chain(self.roles.iter()).flatten().take(MAX_GROUPS).cloned().collect())
    }
}

/// The path of a multi-tenant Entra app's issuer (discovery) under the authority.
const ENTRA_MULTI_TENANT: &str = "/organizations/v2.0";
/// What Entra's multi-tenant discovery names as issuer: a template for each directory's.
const ENTRA_ISSUER_TEMPLATE: &str = "/{tenantid}/v2.0";

pub(crate) fn discover(http: &Http, issuer: &str) -> Result<Metadata, Refusal> {
    if let Some(authority) = issuer.strip_suffix(ENTRA_MULTI_TENANT) {
        return discover_multi_tenant(http, issuer, authority);
    }
    let issuer = IssuerUrl::new(issuer.to_owned()).map_err(|_| Refusal::Discovery)?;
    Metadata::discover(&issuer, &|r: HttpRequest| http.call(r)).map_err(|e| match e {
        openidconnect::DiscoveryError::Request(_) => Refusal::Unreachable,
        _ => Refusal::Discovery,
    })
}

/// A multi-tenant Entra app: the discovery document of `organizations` names the issuer
/// template `{authority}/{tenantid}/v2.0` (no single issuer); it must name exactly that.
/// Each ID token's issuer is then checked against its own `tid` (`verify`).
fn discover_multi_tenant(http: &Http, issuer: &str, authority: &str) -> Result<Metadata, Refusal> {
    let url = format!("{issuer}/.well-known/openid-configuration");
    let request = openidconnect::http::Request::get(url)
        .header(openidconnect::http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|_| Refusal::Discovery)?;
    let response = http.call(request).map_err(|_| Refusal::Unreachable)?;
    if !response.status().is_success() {
        return Err(Refusal::Discovery);
    }
    let metadata: Metadata = serde_json::from_slice(response.body()).map_err(|_| Refusal::Discovery)?;
    let template = format!("{authority}{ENTRA_ISSUER_TEMPLATE}");
    let named = metadata.issuer().as_str();
    if named != template && named != template.replace('{', "%7B").replace('}', "%7D") {
        return Err(Refusal::Discovery);
    }
    let jwks = openidconnect::JsonWebKeySet::fetch(metadata.jwks_uri(), &|r: HttpRequest| http.call(r)).map_err(|e| match e {
        openidconnect::DiscoveryError::Request(_) => Refusal::Unreachable,
        _ => Refusal::Discovery,
    })?;
    Ok(metadata.set_jwks(jwks))
}

/// The provider's client for this tenant: discovery, client id and secret, redirect URI.
struct Connected {
    http: Http,
    /// The configured issuer: the cache's key and where discovery starts (for a
    /// multi-tenant Entra app not what the metadata names).
    issuer: String,
    metadata: Metadata,
    client_id: String,
    secret: zeroize::Zeroizing<String>,
    redirect_uri: String,
}

impl Connected {
    /// Discovery and keys from this node's cache (`cache`), fetched when not there or old.
    fn open(
        state: &AppState,
        scope: &TenantScope,
        provider: &ProviderRow,
        redirect_uri: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, AppError> {
        let settings = oidc_settings(provider)?;
        let secret =
            service::secret(state, scope, provider)?.ok_or_else(|| AppError::Internal("an OIDC provider without secret".into()))?;
        let http = Http::new()?;
        let metadata = state.sso_metadata.get(&settings.issuer, at, || discover(&http, &settings.issuer)).map_err(Refusal::error)?;
        Ok(Self { http, issuer: settings.issuer, metadata, client_id: settings.client_id, secret, redirect_uri: redirect_uri.to_owned() })
    }

    /// The token named a key the cached set lacks: the provider's keys once more, at most
    /// once a minute per issuer. Answers whether new keys were fetched.
    fn refetch_keys(&mut self, state: &AppState, at: chrono::DateTime<chrono::Utc>) -> bool {
        let issuer = self.issuer.clone();
        match state.sso_metadata.refetch(&issuer, at, || discover(&self.http, &issuer)) {
            Ok(Some(metadata)) => {
                self.metadata = metadata;
                true
            }
            _ => false,
        }
    }

    fn client(&self) -> Result<DiscoveredClient, AppError> {
        let redirect =
            RedirectUrl::new(self.redirect_uri.clone()).map_err(|_| AppError::Internal("the redirect URI is not a URL".into()))?;
        Ok(CoreClient::from_provider_metadata(
            self.metadata.clone(),
            ClientId::new(self.client_id.clone()),
            Some(ClientSecret::new(self.secret.to_string())),
        )
        .set_redirect_uri(redirect))
    }
}

/// A client made from discovery: the token and userinfo endpoints are those the provider names.
type DiscoveredClient = CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// Begins a sign-in (or, for `link_account_id`, the linking of a signed-in member): stores
/// state, nonce and PKCE verifier, answers where the browser goes and the browser binding,
/// a random value the callback must bring back in its cookie.
pub fn start(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    provider_id: &str,
    redirect_uri: &str,
    link_account_id: Option<&str>,
    invitation_id: Option<&str>,
) -> Result<(String, String), AppError> {
    let provider = service::enabled(state, scope, provider_id, ProviderKind::Oidc)?;
    let connected = Connected::open(state, scope, &provider, redirect_uri, origin.at)?;
    let client = connected.client()?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge)
        .url();
    let browser = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = LoginRow {
            tenant_id: scope.tenant_id().to_owned(),
            pkce_verifier_ciphertext: keys.encrypt("sso_logins", "pkce_verifier", &id, verifier.secret()),
            id,
            provider_id: provider.id.clone(),
            state_hash: service::sha256(csrf.secret()),
            browser_hash: service::sha256(&browser),
            nonce: nonce.secret().clone(),
            link_account_id: link_account_id.map(str::to_owned),
            invitation_id: invitation_id.map(str::to_owned),
            created_at: now,
            expires_at: service::login_expiry(now),
        };
        store::insert_login(tx, &row)?;
        Ok(())
    })?;
    Ok((url.to_string(), browser))
}

/// What the provider sends back to the redirect URI.
#[derive(Deserialize, Debug, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207: the issuer that answers; checked where sent.
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// Finishes a sign-in: the pending sign-in is taken once (same browser, in time), the code
/// exchanged with the verifier, the ID token checked, then `service::complete`. A refusal
/// is audited with its reason and answers `sso_failed` (or `sso_unavailable`).
pub fn finish(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    redirect_uri: &str,
    query: &CallbackQuery,
    browser: Option<&str>,
) -> Result<(String, Principal), AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let state_param =
        query.state.as_deref().filter(|s| !s.is_empty() && s.len() <= 512).ok_or(Refusal::StateUnknown).map_err(Refusal::error)?;
    let login = state.db.tenant_tx(scope, |tx| Ok(store::take_login(tx, &service::sha256(state_param), now)?))?;
    let Some(login) = login.filter(|l| l.expires_at > now) else {
        return Err(Refusal::StateUnknown.error());
    };
    let refuse = |reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "single sign-on refused");
        match service::record_failure(state, origin, scope, &login.provider_id, reason.code()) {
            Ok(()) => reason.error(),
            Err(e) => e,
        }
    };
    if !browser.is_some_and(|b| constant_time_eq(&service::sha256(b), &login.browser_hash)) {
        return Err(refuse(Refusal::BrowserMismatch));
    }
    let provider = service::enabled(state, scope, &login.provider_id, ProviderKind::Oidc)?;
    if query.error.is_some() {
        return Err(refuse(Refusal::ProviderError));
    }
    let code = query.code.clone().filter(|c| !c.is_empty() && c.len() <= 2048).ok_or_else(|| refuse(Refusal::ProviderError))?;
    let mut connected = match Connected::open(state, scope, &provider, redirect_uri, origin.at) {
        Ok(c) => c,
        Err(AppError::Rule { code: ProblemCode::SsoUnavailable, .. }) => return Err(refuse(Refusal::Unreachable)),
        Err(AppError::Rule { .. }) => return Err(refuse(Refusal::Discovery)),
        Err(e) => return Err(e),
    };
    // A multi-tenant Entra app has no single issuer: `verify` compares `iss` with the token's.
    let multi_tenant = service::allowed_directories(&provider)?.is_some();
    if !multi_tenant && query.iss.as_ref().is_some_and(|iss| iss != connected.metadata.issuer().as_str()) {
        return Err(refuse(Refusal::IssuerMismatch));
    }
    let verifier = {
        let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
        keys.decrypt("sso_logins", "pkce_verifier", &login.id, &login.pkce_verifier_ciphertext)?
    };
    let returned = Returned { code, pkce_verifier: verifier.to_string(), iss: query.iss.as_deref() };
    let assertion = verify(state, &mut connected, &provider, &login, returned, origin.at).map_err(refuse)?;
    service::complete(state, origin, scope, &provider, &assertion, login.link_account_id.as_deref(), login.invitation_id.as_deref())
}

/// What the provider sent back to the redirect URI, with the sign-in's PKCE verifier.
struct Returned<'a> {
    code: String,
    pkce_verifier: String,
    /// RFC 9207 `iss`, where sent.
    iss: Option<&'a str>,
}

/// Exchanges the code and checks what comes back; the assertion or why not. A token signed
/// with a key the cached set lacks fetches the provider's keys again (once a minute).
fn verify(
    state: &AppState,
    connected: &mut Connected,
    provider: &ProviderRow,
    login: &LoginRow,
    returned: Returned<'_>,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Assertion, Refusal> {
    let Returned { code, pkce_verifier, iss: iss_parameter } = returned;
    let allowed = service::allowed_directories(provider).map_err(|_| Refusal::Subject)?;
    // A multi-tenant Entra app: each directory's tokens have their own issuer, checked
    // below against the token's `tid`; the library's check against one issuer is off.
    let one_issuer = allowed.is_none();
    let client = connected.client().map_err(|_| Refusal::TokenExchange)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Refusal::TokenExchange)?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
        .request(&|r: HttpRequest| connected.http.call(r))
        .map_err(|e| match e {
            RequestTokenError::Request(_) => Refusal::Unreachable,
            _ => Refusal::TokenExchange,
        })?;
    let id_token = token.id_token().ok_or(Refusal::IdToken)?;
    let nonce = Nonce::new(login.nonce.clone());
    let unknown_key = {
        let verifier = client.id_token_verifier().set_allowed_algs(ALLOWED_ALGS).set_time_fn(move || at).require_issuer_match(one_issuer);
        matches!(
            id_token.claims(&verifier, &nonce),
            Err(ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey))
        )
    };
    if unknown_key && !connected.refetch_keys(state, at) {
        return Err(Refusal::UnknownKey);
    }
    let client = connected.client().map_err(|_| Refusal::TokenExchange)?;
    let http = |r: HttpRequest| connected.http.call(r);
    let verifier = client.id_token_verifier().set_allowed_algs(ALLOWED_ALGS).set_time_fn(move || at).require_issuer_match(one_issuer);
    let claims = id_token.claims(&verifier, &nonce).map_err(|_| Refusal::IdToken)?;
    if let Some(expected) = claims.access_token_hash() {
        let alg = id_token.signing_alg().map_err(|_| Refusal::IdToken)?;
        let key = id_token.signing_key(&verifier).map_err(|_| Refusal::IdToken)?;
        let actual = AccessTokenHash::from_token(token.access_token(), alg, key).map_err(|_| Refusal::AccessTokenHash)?;
        if actual != *expected {
            return Err(Refusal::AccessTokenHash);
        }
    }
    // The token's signature is verified: its other claims can be read from its payload.
    let extra: ExtraClaims = id_token
        .to_string()
        .split('.')
        .nth(1)
        .and_then(|payload| URL_SAFE_NO_PAD.decode(payload).ok())
        .and_then(|json| serde_json::from_slice(&json).ok())
        .unwrap_or_default();
    let mut email = claims.email().map(|e| e.to_string());
    let mut email_verified = claims.email_verified().unwrap_or(false);
    let mut groups = extra.values();
    if email.is_none() || groups.is_none() {
        if let Ok(request) = client.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
            let info: UserInfoClaims<ExtraClaims, CoreGenderClaim> = request.request(&http).map_err(|_| Refusal::UserInfo)?;
            if email.is_none() {
                email = info.email().map(|e| e.to_string());
                email_verified = info.email_verified().unwrap_or(false);
            }
            groups = groups.or_else(|| info.additional_claims().values());
        }
    }
    let subject = if provider.preset == Preset::Entra.as_str() {
        // Entra: the directory and the object id; `sub` is per application.
        let (Some(tid), Some(oid)) = (&extra.tid, &extra.oid) else { return Err(Refusal::Subject) };
        let admitted = match &allowed {
            Some(list) => list.iter().any(|d| d.eq_ignore_ascii_case(tid)),
            None => oidc_settings(provider).map_err(|_| Refusal::Subject)?.directory_id.as_ref() == Some(tid),
        };
        if !admitted || service::is_personal_directory(tid) {
            return Err(Refusal::Directory);
        }
        if !one_issuer {
            // The token's issuer is its own directory's, and so is the RFC 9207 `iss`.
            let expected = service::entra_issuer(state, tid);
            if claims.issuer().as_str() != expected || iss_parameter.is_some_and(|iss| iss != expected) {
                return Err(Refusal::IssuerMismatch);
            }
        }
        format!("entra\n{}\n{oid}", tid.to_ascii_lowercase())
    } else {
        format!("{}\n{}", claims.issuer().as_str(), claims.subject().as_str())
    };
    let mfa = claims.auth_method_refs().is_some_and(|amr| amr.iter().any(|m| MFA_AMR.contains(&m.as_str())));
    let provider_session = Some((claims.subject().as_str().to_owned(), extra.sid.clone()));
    Ok(Assertion { subject, email, email_verified, groups: groups.unwrap_or_default(), mfa, provider_session, saml_logout: None })
}

/// "Verbindung testen": discovery, the JWKS, the redirect URI and the client's credentials.
pub fn test(state: &AppState, scope: &TenantScope, provider: &ProviderRow, redirect_uri: &str, lang: &str) -> Result<TestReport, AppError> {
    let settings = oidc_settings(provider)?;
    let mut checks = Vec::new();
    let mut check = |name: &str, ok: bool, message: String| checks.push(TestCheck { check: name.into(), ok, message });
    let http = Http::new()?;
    let metadata = match discover(&http, &settings.issuer) {
        Ok(m) => {
            // Fetched fresh for the test: the next sign-in uses it.
            state.sso_metadata.put(&settings.issuer, state.clock.now(), &m);
            check(
                "discovery",
                true,
                text(lang, "Der Anbieter antwortet mit seiner Konfiguration.", "The provider answers with its configuration."),
            );
            m
        }
        Err(Refusal::Unreachable) => {
            check(
                "discovery",
                false,
                text(
                    lang,
                    "Der Anbieter ist nicht erreichbar (Adresse, Netz oder Zeitüberschreitung). Prüfen Sie die Aussteller-URL.",
                    "The provider cannot be reached (address, network or timeout). Check the issuer URL.",
                ),
            );
            return Ok(TestReport { ok: false, checks });
        }
        Err(_) => {
            check(
                "discovery",
                false,
                text(
                    lang,
                    "Unter der Aussteller-URL liegt keine gültige OpenID-Konfiguration, oder sie nennt einen anderen Aussteller.",
                    "The issuer URL serves no valid OpenID configuration, or it names another issuer.",
                ),
            );
            return Ok(TestReport { ok: false, checks });
        }
    };
    let usable = {
        use openidconnect::core::CoreJsonWebKeyType;
        use openidconnect::JsonWebKey;
        metadata
            .jwks()
            .keys()
            .iter()
            .filter(|k| matches!(k.key_type(), CoreJsonWebKeyType::RSA | CoreJsonWebKeyType::EllipticCurve))
            .count()
    };
    if usable > 0 {
        check(
            "jwks",
            true,
            text(
                lang,
                &format!("{usable} Signaturschlüssel gefunden (RS256, PS256 oder ES256)."),
                &format!("{usable} signing keys found (RS256, PS256 or ES256)."),
            ),
        );
    } else {
        check(
            "jwks",
            false,
            text(
                lang,
                "Der Anbieter veröffentlicht keinen Signaturschlüssel für RS256, PS256 oder ES256.",
                "The provider publishes no signing key for RS256, PS256 or ES256.",
            ),
        );
    }
    let secret = service::secret(state, scope, provider)?.unwrap_or_default();
    let connected =
        Connected { http, issuer: settings.issuer, metadata, client_id: settings.client_id, secret, redirect_uri: redirect_uri.to_owned() };
    let client = connected.client()?;
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let request = openidconnect::http::Request::get(url.as_str()).body(Vec::new()).map_err(|_| AppError::Internal("request".into()))?;
    match connected.http.call(request) {
        Ok(r) if r.status().is_redirection() || r.status().is_success() => check("redirect_uri", true, text(lang,
            &format!("Der Anbieter nimmt die Anmeldeanfrage mit der Weiterleitungsadresse {redirect_uri} an."),
            &format!("The provider accepts the sign-in request with the redirect URI {redirect_uri}."))),
        Ok(r) => check("redirect_uri", false, text(lang,
            &format!("Der Anbieter lehnt die Anmeldeanfrage ab (HTTP {}): Ist {redirect_uri} als Weiterleitungsadresse eingetragen und die Client-ID richtig?", r.status().as_u16()),
            &format!("The provider refuses the sign-in request (HTTP {}): is {redirect_uri} registered as redirect URI and the client id right?", r.status().as_u16()))),
        Err(_) => check("redirect_uri", false, text(lang, "Die Anmeldeseite des Anbieters antwortet nicht.", "The provider's sign-in page does not answer.")),
    }
    // A made-up code: a provider that knows the client answers `invalid_grant`.
    let http = |r: HttpRequest| connected.http.call(r);
    let outcome = client.exchange_code(AuthorizationCode::new("anwesend-connection-test".into())).map(|r| r.request(&http));
    match outcome {
        Ok(Err(RequestTokenError::ServerResponse(e))) if *e.error() == CoreErrorResponseType::InvalidClient => check(
            "client_secret",
            false,
            text(
                lang,
                "Der Anbieter kennt die Client-ID nicht oder das Client-Geheimnis ist falsch.",
                "The provider does not know the client id, or the client secret is wrong.",
            ),
        ),
        Ok(Err(RequestTokenError::ServerResponse(_))) => {
            check("client_secret", true, text(lang, "Client-ID und Geheimnis werden angenommen.", "Client id and secret are accepted."))
        }
        _ => check(
            "client_secret",
            false,
            text(
                lang,
                "Der Token-Endpunkt des Anbieters antwortet nicht wie erwartet.",
                "The provider's token endpoint does not answer as expected.",
            ),
        ),
    }
    let ok = checks.iter().all(|c| c.ok);
    Ok(TestReport { ok, checks })
}
