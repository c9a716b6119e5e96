//! LDAP and Active Directory sign-in (TOM ACC-7): TLS always (LDAPS, or StartTLS) with
//! the directory's CA certificate, timeouts on connect and every operation; the service
//! account searches for the escaped user name (exactly one entry), then the person's own
//! bind on a fresh connection proves the password. Blocking.

use std::sync::Arc;
use std::time::Duration;

use ldap3::{ldap_escape, LdapConn, LdapConnSettings, Scope, SearchEntry};

use super::model::{Assertion, LdapSettings, ProviderKind, ProviderRow, TestCheck, TestReport};
use super::service::{self, ldap_settings, text};
use crate::auth::service::{Origin, Principal};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const TIMEOUT: Duration = Duration::from_secs(10);
const MAX_GROUPS: usize = 1000;
/// Active Directory's `userAccountControl` flag of a disabled account.
const ACCOUNT_DISABLE: u32 = 2;

/// The CA certificates of a PEM text; none if it holds no valid certificate.
pub fn ca_roots(pem: &str) -> Option<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
        roots.add(cert.ok()?).ok()?;
    }
    (!roots.is_empty()).then_some(roots)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// No connection, TLS refused, or a timeout.
    Unreachable,
    ServiceBind,
    /// Not found, more than one entry, disabled, or a wrong password: one answer for all (ACC-4).
    Credentials,
    Search,
}

impl Refusal {
    fn code(self) -> &'static str {
        match self {
            Self::Unreachable => "directory_unreachable",
            Self::ServiceBind => "service_bind_failed",
            Self::Credentials => "invalid_credentials",
            Self::Search => "search_failed",
        }
    }

    fn error(self) -> AppError {
        match self {
            Self::Unreachable | Self::ServiceBind | Self::Search => {
                AppError::rule(ProblemCode::SsoUnavailable, "the directory cannot check the sign-in now")
            }
            Self::Credentials => AppError::rule(ProblemCode::InvalidCredentials, "wrong user name or password"),
        }
    }
}

/// Why no connection came about: the stored CA or TLS set-up, or the directory.
enum ConnectFailure {
    Setup,
    Directory(ldap3::LdapError),
}

fn connect(settings: &LdapSettings) -> Result<LdapConn, ConnectFailure> {
    let roots = ca_roots(&settings.ca_certificate).ok_or(ConnectFailure::Setup)?;
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|_| ConnectFailure::Setup)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let conn_settings =
        LdapConnSettings::new().set_conn_timeout(TIMEOUT).set_config(Arc::new(tls)).set_starttls(settings.url.starts_with("ldap://"));
    LdapConn::with_settings(conn_settings, &settings.url).map_err(ConnectFailure::Directory)
}

fn bind(conn: &mut LdapConn, dn: &str, password: &str) -> Result<(), ldap3::LdapError> {
    conn.with_timeout(TIMEOUT).simple_bind(dn, password)?.success()?;
    Ok(())
}

fn search(conn: &mut LdapConn, base: &str, filter: &str, attrs: Vec<&str>) -> Result<Vec<SearchEntry>, ldap3::LdapError> {
    let (entries, _) = conn.with_timeout(TIMEOUT).search(base, Scope::Subtree, filter, attrs)?.success()?;
    Ok(entries.into_iter().map(SearchEntry::construct).collect())
}

/// The stable subject of a directory entry: `entryUUID` (OpenLDAP), `objectGUID` (AD), else the DN.
fn subject(entry: &SearchEntry) -> String {
    if let Some(uuid) = entry.attrs.get("entryUUID").and_then(|v| v.first()) {
        return format!("ldap\nuuid\n{uuid}");
    }
    if let Some(guid) = entry.bin_attrs.get("objectGUID").and_then(|v| v.first()) {
        return format!("ldap\nguid\n{}", hex::encode(guid));
    }
    format!("ldap\ndn\n{}", entry.dn.to_lowercase())
}

fn disabled(entry: &SearchEntry) -> bool {
    entry
        .attrs
        .get("userAccountControl")
        .and_then(|v| v.first())
        .and_then(|v| v.parse::<u32>().ok())
        .is_some_and(|f| f & ACCOUNT_DISABLE != 0)
}

/// Finds the one entry for `username`, proves the password and reads its groups.
fn authenticate(settings: &LdapSettings, service_password: &str, username: &str, password: &str) -> Result<Assertion, Refusal> {
    let mut conn = connect(settings).map_err(|_| Refusal::Unreachable)?;
    bind(&mut conn, &settings.bind_dn, service_password).map_err(|_| Refusal::ServiceBind)?;
    let filter = settings.user_filter.replace("{username}", &ldap_escape(username));
    let attrs = vec!["mail", "entryUUID", "objectGUID", "userAccountControl", "memberOf"];
    let mut entries = search(&mut conn, &settings.user_base_dn, &filter, attrs).map_err(|_| Refusal::Search)?;
    let entry = match entries.len() {
        1 => entries.remove(0),
        _ => return Err(Refusal::Credentials),
    };
    if disabled(&entry) {
        return Err(Refusal::Credentials);
    }
    let group_base = if settings.group_base_dn.is_empty() { &settings.user_base_dn } else { &settings.group_base_dn };
    let group_filter = settings.group_filter.replace("{dn}", &ldap_escape(entry.dn.as_str()));
    let mut groups: Vec<String> =
        search(&mut conn, group_base, &group_filter, vec!["1.1"]).map_err(|_| Refusal::Search)?.into_iter().map(|g| g.dn).collect();
    groups.extend(entry.attrs.get("memberOf").into_iter().flatten().cloned());
    groups.truncate(MAX_GROUPS);
    let _ = conn.unbind();
    // The person's own bind, on a connection of its own.
    let mut own = connect(settings).map_err(|_| Refusal::Unreachable)?;
    bind(&mut own, &entry.dn, password).map_err(|_| Refusal::Credentials)?;
    let _ = own.unbind();
    let email = entry.attrs.get("mail").and_then(|v| v.first()).cloned();
    // The tenant's own directory: its addresses are as verified as its accounts.
    Ok(Assertion {
        subject: subject(&entry),
        email_verified: email.is_some(),
        email,
        groups,
        mfa: false,
        provider_session: None,
        saml_logout: None,
    })
}

/// Signs a person in with their directory user name and password. An empty password is
/// refused before any bind (some servers treat it as an anonymous success).
pub fn sign_in(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    provider_id: &str,
    username: &str,
    password: &str,
) -> Result<(String, Principal), AppError> {
    let provider = service::enabled(state, scope, provider_id, ProviderKind::Ldap)?;
    let refuse = |reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "directory sign-in refused");
        match service::record_failure(state, origin, scope, &provider.id, reason.code()) {
            Ok(()) => reason.error(),
            Err(e) => e,
        }
    };
    if password.is_empty() || username.trim().is_empty() {
        return Err(refuse(Refusal::Credentials));
    }
    let settings = ldap_settings(&provider)?;
    let secret = service::secret(state, scope, &provider)?.unwrap_or_default();
    let assertion = authenticate(&settings, &secret, username.trim(), password).map_err(refuse)?;
    service::complete(state, origin, scope, &provider, &assertion, None, None)
}

/// "Verbindung testen": TLS handshake with the CA, the service bind, a search in the user base.
pub fn test(state: &AppState, scope: &TenantScope, provider: &ProviderRow, lang: &str) -> Result<TestReport, AppError> {
    let settings = ldap_settings(provider)?;
    let secret = service::secret(state, scope, provider)?.unwrap_or_default();
    let mut checks = Vec::new();
    let mut check = |name: &str, ok: bool, message: String| checks.push(TestCheck { check: name.into(), ok, message });
    let mut conn = match connect(&settings) {
        Ok(conn) => {
            check(
                "tls",
                true,
                text(lang, "Verbindung und TLS mit dem CA-Zertifikat stehen.", "Connection and TLS with the CA certificate work."),
            );
            conn
        }
        Err(failure) => {
            let certificate = match failure {
                ConnectFailure::Setup => true,
                ConnectFailure::Directory(e) => format!("{e:?}").to_lowercase().contains("certificate"),
            };
            let (de, en) = if certificate {
                (
                    "Das Zertifikat des Servers ist nicht vom angegebenen CA-Zertifikat ausgestellt (oder passt nicht zur Adresse).",
                    "The server's certificate is not issued by the given CA certificate (or does not match the address).",
                )
            } else {
                (
                    "Der Verzeichnisdienst ist nicht erreichbar (Adresse, Port, Netz oder Zeitüberschreitung).",
                    "The directory cannot be reached (address, port, network or timeout).",
                )
            };
            check("tls", false, text(lang, de, en));
            return Ok(TestReport { ok: false, checks });
        }
    };
    if bind(&mut conn, &settings.bind_dn, &secret).is_err() {
        check(
            "service_bind",
            false,
            text(
                lang,
                "Das Dienstkonto kann sich nicht anmelden: DN oder Passwort prüfen.",
                "The service account cannot bind: check its DN and password.",
            ),
        );
        return Ok(TestReport { ok: false, checks });
    }
    check("service_bind", true, text(lang, "Das Dienstkonto meldet sich an.", "The service account binds."));
    let filter = settings.user_filter.replace("{username}", &ldap_escape("anwesend-connection-test"));
    match search(&mut conn, &settings.user_base_dn, &filter, vec!["1.1"]) {
        Ok(_) => check(
            "user_search",
            true,
            text(lang, "Die Benutzersuche in der Basis-DN funktioniert.", "The user search in the base DN works."),
        ),
        Err(_) => check(
            "user_search",
            false,
            text(
                lang,
                "Die Benutzersuche scheitert: Basis-DN und Filter prüfen.",
                "The user search fails: check the base DN and the filter.",
            ),
        ),
    }
    let _ = conn.unbind();
    let ok = checks.iter().all(|c| c.ok);
    Ok(TestReport { ok, checks })
}
