//! SAML 2.0 signed requests and single logout (TOM ACC-7).
//!
//! The tenant's service-provider key pair: RSA 3072 with a self-signed certificate, made
//! when first needed (the SP metadata, a sign-in, a sign-out), the private key encrypted
//! with the tenant's data key (table `saml_sp_keys`; gone with the tenant's keys). Its
//! certificate is in the SP metadata as the signing key; `AuthnRequest`s, `LogoutRequest`s
//! and `LogoutResponse`s go out by HTTP-Redirect signed with it (RSA-SHA256 over
//! `SAMLRequest=…&RelayState=…&SigAlg=…`).
//!
//! Single logout on the tenant's SLO endpoint (HTTP-Redirect, GET):
//! - anwesend's sign-out sends a signed `LogoutRequest` for the session's NameID and
//!   SessionIndex (kept encrypted with the session) to the IdP's SingleLogoutService; the
//!   IdP's `LogoutResponse` comes back here: relay state of a logout begun here (once,
//!   10 min), signature by the IdP's certificate, issuer, `InResponseTo`, destination.
//! - the IdP's own `LogoutRequest`: its signature must verify with the certificate of one
//!   of the tenant's SAML IdPs (checked before the message is read), then issuer,
//!   destination, `IssueInstant`/`NotOnOrAfter` and its ID once (table `saml_assertions`,
//!   every node); the sessions of that NameID (and SessionIndex, where named) begun at that
//!   IdP end, audited; the answer is a signed `LogoutResponse`.
//!
//! Messages are read with the ACS's rules: at most 256 KiB inflated, no DTD, comments or
//! processing instructions, only the elements the message type has, each once.
//! Blocking.

use std::io::{Read, Write};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::X509;
use quick_xml::events::Event as XmlEvent;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use samael::crypto::CertificateDer;
use uuid::Uuid;
use zeroize::Zeroizing;

use super::model::{LoginRow, ProviderKind, ProviderRow, SamlNameId};
use super::saml::{self, Refusal, MAX_XML};
use super::service::{self, logout_index};
use super::store;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::service::{Origin, Principal, ProviderSession};
use crate::crypto::random_bytes;
use crate::db::schema::{saml_sp_keys, sessions};
use crate::db::{DbConnection, TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const PROTOCOL_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:assertion";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// How the pending row of a logout begun here is marked (`sso_logins.nonce`), before the
/// `LogoutRequest`'s ID.
pub const LOGOUT_PENDING: &str = "saml-logout:";
const SP_KEY_BITS: u32 = 3072;
/// The purpose of the tenant's one SP key pair (`saml_sp_keys.purpose`).
const SIGNING: &str = "signing";
const SP_CERTIFICATE_DAYS: u32 = 3650;
/// How old a logout message may be, and how far the IdP's clock may be off.
const MAX_AGE_MINUTES: i64 = 5;
const CLOCK_SKEW_SECONDS: i64 = 60;
/// A redirect's query is the deflated message in base64: far below this.
const MAX_QUERY: usize = 64 * 1024;
const MAX_SESSION_INDEXES: usize = 16;
const MAX_ELEMENTS: usize = 64;

fn internal<E>(_: E) -> AppError {
    AppError::Internal("the SAML service-provider key could not be used".into())
}

// --- the tenant's SP key pair ---

/// The tenant's SP key pair, decrypted for one use.
pub struct SpKey {
    pub key: PKey<Private>,
    pub certificate: X509,
}

impl SpKey {
    /// The certificate's DER in base64, as `ds:X509Certificate` carries it.
    pub fn certificate_base64(&self) -> Result<String, AppError> {
        Ok(STANDARD.encode(self.certificate.to_der().map_err(internal)?))
    }
}

/// A new key pair: the private key (PKCS #8 PEM) and a self-signed certificate (PEM).
pub fn generate(tenant_slug: &str) -> Result<(Zeroizing<String>, String), AppError> {
    use openssl::asn1::Asn1Time;
    use openssl::bn::{BigNum, MsbOption};
    use openssl::x509::X509NameBuilder;
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(SP_KEY_BITS).map_err(internal)?).map_err(internal)?;
    let mut name = X509NameBuilder::new().map_err(internal)?;
    let common_name: String = format!("anwesend SAML SP {tenant_slug}").chars().take(64).collect();
    name.append_entry_by_text("CN", &common_name).map_err(internal)?;
    let name = name.build();
    let mut builder = X509::builder().map_err(internal)?;
    builder.set_version(2).map_err(internal)?;
    let mut serial = BigNum::new().map_err(internal)?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false).map_err(internal)?;
    let serial = serial.to_asn1_integer().map_err(internal)?;
    builder.set_serial_number(&serial).map_err(internal)?;
    builder.set_subject_name(&name).map_err(internal)?;
    builder.set_issuer_name(&name).map_err(internal)?;
    builder.set_pubkey(&key).map_err(internal)?;
    let (not_before, not_after) =
        (Asn1Time::days_from_now(0).map_err(internal)?, Asn1Time::days_from_now(SP_CERTIFICATE_DAYS).map_err(internal)?);
    builder.set_not_before(&not_before).map_err(internal)?;
    builder.set_not_after(&not_after).map_err(internal)?;
    builder.sign(&key, MessageDigest::sha256()).map_err(internal)?;
    let certificate = String::from_utf8(builder.build().to_pem().map_err(internal)?).map_err(internal)?;
    let pem = Zeroizing::new(key.private_key_to_pem_pkcs8().map_err(internal)?);
    let pem = Zeroizing::new(String::from_utf8(pem.to_vec()).map_err(internal)?);
    Ok((pem, certificate))
}

fn stored_key(tx: &mut TenantTx<'_>) -> QueryResult<Option<(Vec<u8>, String)>> {
    let (conn, tenant) = tx.parts();
    saml_sp_keys::table
        .find((tenant, SIGNING))
        .select((saml_sp_keys::private_key_ciphertext, saml_sp_keys::certificate))
        .first(conn)
        .optional()
}

/// Stores a new key pair unless another node stored one first (the key decides).
fn insert_key(tx: &mut TenantTx<'_>, ciphertext: &[u8], certificate: &str, now: NaiveDateTime) -> QueryResult<usize> {
    use diesel::sql_types::{Binary, Text, Timestamp};
    let (conn, tenant) = tx.parts();
    let sql = match conn {
        DbConnection::Postgres(_) => {
            "INSERT INTO saml_sp_keys (tenant_id, purpose, private_key_ciphertext, certificate, created_at) VALUES ($1, 'signing', $2, $3, $4) ON CONFLICT DO NOTHING"
        }
        DbConnection::Sqlite(_) => {
            "INSERT INTO saml_sp_keys (tenant_id, purpose, private_key_ciphertext, certificate, created_at) VALUES (?1, 'signing', ?2, ?3, ?4) ON CONFLICT DO NOTHING"
        }
    };
    diesel::sql_query(sql)
        .bind::<Text, _>(tenant)
        .bind::<Binary, _>(ciphertext)
        .bind::<Text, _>(certificate)
        .bind::<Timestamp, _>(now)
        .execute(conn)
}

/// The tenant's SP key pair; made (once, on any node) when the tenant has none yet.
pub fn sp_key(state: &AppState, scope: &TenantScope, tenant_slug: &str, now: NaiveDateTime) -> Result<SpKey, AppError> {
    let found = state.db.tenant_read(scope, |tx| Ok(stored_key(tx)?))?;
    let (ciphertext, certificate) = match found {
        Some(found) => found,
        None => {
            let (pem, certificate) = generate(tenant_slug)?;
            state.db.tenant_tx(scope, |tx| {
                let keys = crate::tenants::service::keys(tx, &state.master)?;
                let tenant = tx.tenant_id().to_owned();
                let ciphertext = keys.encrypt("saml_sp_keys", "private_key", &tenant, &pem);
                insert_key(tx, &ciphertext, &certificate, now)?;
                stored_key(tx)?.ok_or(AppError::NotFound)
            })?
        }
    };
    let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
    let pem = keys.decrypt("saml_sp_keys", "private_key", scope.tenant_id(), &ciphertext)?;
    Ok(SpKey {
        key: PKey::private_key_from_pem(pem.as_bytes()).map_err(internal)?,
        certificate: X509::from_pem(certificate.as_bytes()).map_err(internal)?,
    })
}

/// Replaces the tenant's SP key pair with a new one (audited): the IdPs must then read the
/// SP metadata again, as requests are signed with the new key from now on.
pub fn rotate_sp_key(state: &AppState, scope: &TenantScope, tenant_slug: &str, ctx: &AuditContext) -> Result<(), AppError> {
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let (pem, certificate) = generate(tenant_slug)?;
    state.db.tenant_tx(scope, |tx| {
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let tenant = tx.tenant_id().to_owned();
        {
            let (conn, tenant) = tx.parts();
            diesel::delete(saml_sp_keys::table.find((tenant, SIGNING))).execute(conn)?;
        }
        insert_key(tx, &keys.encrypt("saml_sp_keys", "private_key", &tenant, &pem), &certificate, now)?;
        audit::record(tx, ctx, Event::new(Action::SsoSettingsChanged, "tenant", Some(&tenant)).detail("saml_sp_key", "rotated"))?;
        Ok(())
    })
}

// --- the HTTP-Redirect binding ---

/// Signs an unsigned redirect URL (`SAMLRequest` or `SAMLResponse`, `RelayState`): appends
/// `SigAlg` and the RSA-SHA256 `Signature` over the query as it stands.
pub fn sign_url(mut url: url::Url, key: &PKey<Private>) -> Result<String, AppError> {
    url.query_pairs_mut().append_pair("SigAlg", RSA_SHA256);
    let octets = url.query().unwrap_or_default().to_owned();
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), key).map_err(internal)?;
    signer.update(octets.as_bytes()).map_err(internal)?;
    let signature = STANDARD.encode(signer.sign_to_vec().map_err(internal)?);
    url.query_pairs_mut().append_pair("Signature", &signature);
    Ok(url.to_string())
}

/// A message sent by HTTP-Redirect: deflated, base64, signed.
pub fn signed_redirect(endpoint: &str, param: &str, xml: &str, relay_state: Option<&str>, key: &PKey<Private>) -> Result<String, AppError> {
    let mut deflated = Vec::new();
    {
        let mut encoder = flate2::write::DeflateEncoder::new(&mut deflated, flate2::Compression::default());
        encoder.write_all(xml.as_bytes()).map_err(internal)?;
        encoder.finish().map_err(internal)?;
    }
    let mut url = url::Url::parse(endpoint).map_err(internal)?;
    url.query_pairs_mut().append_pair(param, &STANDARD.encode(&deflated));
    if let Some(relay_state) = relay_state {
        url.query_pairs_mut().append_pair("RelayState", relay_state);
    }
    sign_url(url, key)
}

/// A message received by HTTP-Redirect whose signature verified.
pub struct Redirected {
    pub xml: String,
    pub relay_state: Option<String>,
}

fn query_value(part: &str) -> String {
    url::form_urlencoded::parse(part.as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

/// The `RelayState` of a redirect's query, unverified.
fn relay_state_of(raw_query: &str) -> Option<String> {
    raw_query.split('&').find(|p| p.starts_with("RelayState=")).map(query_value)
}

/// One certificate's key verifies the signature over the octets.
fn verifies(certificate: &CertificateDer, digest: MessageDigest, octets: &[u8], signature: &[u8]) -> bool {
    let Ok(key) = X509::from_der(certificate.der_data()).and_then(|c| c.public_key()) else { return false };
    // XML Signature's ECDSA value is r || s; OpenSSL verifies DER.
    let der;
    let signature = if key.id() == openssl::pkey::Id::EC && signature.len().is_multiple_of(2) {
        let (r, s) = signature.split_at(signature.len() / 2);
        let ecdsa = openssl::bn::BigNum::from_slice(r)
            .and_then(|r| openssl::bn::BigNum::from_slice(s).map(|s| (r, s)))
            .and_then(|(r, s)| openssl::ecdsa::EcdsaSig::from_private_components(r, s))
            .and_then(|sig| sig.to_der());
        match ecdsa {
            Ok(d) => {
                der = d;
                der.as_slice()
            }
            Err(_) => return false,
        }
    } else {
        signature
    };
    openssl::sign::Verifier::new(digest, &key)
        .and_then(|mut v| {
            v.update(octets)?;
            v.verify(signature)
        })
        .unwrap_or(false)
}

/// Verifies a redirect's signature over `param=…&RelayState=…&SigAlg=…` as received (the
/// raw query), with RSA or ECDSA and SHA-256 or stronger, by one of `certificates`; then
/// inflates the message (at most `MAX_XML`).
pub fn verified_redirect(raw_query: &str, param: &str, certificates: &[CertificateDer]) -> Result<Redirected, Refusal> {
    if raw_query.len() > MAX_QUERY {
        return Err(Refusal::Malformed);
    }
    let (mut message, mut relay, mut sig_alg, mut signature) = (None, None, None, None);
    for part in raw_query.split('&') {
        let key = part.split_once('=').map_or(part, |(k, _)| k);
        let slot = match key {
            k if k == param => &mut message,
            "RelayState" => &mut relay,
            "SigAlg" => &mut sig_alg,
            "Signature" => &mut signature,
            _ => continue,
        };
        if slot.replace(part).is_some() {
            return Err(Refusal::Malformed);
        }
    }
    let message = message.ok_or(Refusal::Malformed)?;
    let (Some(sig_alg), Some(signature)) = (sig_alg, signature) else { return Err(Refusal::UnsignedMessage) };
    let mut octets = message.to_owned();
    if let Some(relay) = relay {
        octets.push('&');
        octets.push_str(relay);
    }
    octets.push('&');
    octets.push_str(sig_alg);
    let digest = match query_value(sig_alg).as_str() {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => {
            MessageDigest::sha256()
        }
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384" => {
            MessageDigest::sha384()
        }
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => {
            MessageDigest::sha512()
        }
        _ => return Err(Refusal::Signature),
    };
    let compact = |s: String| -> String { s.chars().filter(|c| !c.is_ascii_whitespace()).collect() };
    let signature = STANDARD.decode(compact(query_value(signature))).map_err(|_| Refusal::Signature)?;
    if !certificates.iter().any(|c| verifies(c, digest, octets.as_bytes(), &signature)) {
        return Err(Refusal::Signature);
    }
    let deflated = STANDARD.decode(compact(query_value(message))).map_err(|_| Refusal::Malformed)?;
    let mut xml = Vec::new();
    flate2::read::DeflateDecoder::new(deflated.as_slice())
        .take(MAX_XML as u64 + 1)
        .read_to_end(&mut xml)
        .map_err(|_| Refusal::Malformed)?;
    if xml.len() > MAX_XML {
        return Err(Refusal::Malformed);
    }
    Ok(Redirected { xml: String::from_utf8(xml).map_err(|_| Refusal::Malformed)?, relay_state: relay.map(query_value) })
}

// --- reading logout messages ---

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Protocol,
    Assertion,
    Other,
}

#[derive(Debug)]
struct Node {
    ns: Ns,
    local: String,
    attributes: Vec<(String, String)>,
    text: String,
    depth: usize,
    parent: Option<usize>,
}

impl Node {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// The elements of a small message, in document order; refused like the ACS refuses: a
/// DTD, a comment, a processing instruction, an entity other than XML's five, more than one
/// root, more than `MAX_ELEMENTS` elements.
fn elements(xml: &str) -> Result<Vec<Node>, Refusal> {
    let upper = xml.to_ascii_uppercase();
    if upper.contains("<!DOCTYPE") || upper.contains("<!ENTITY") {
        return Err(Refusal::XmlForbidden);
    }
    let mut reader = NsReader::from_str(xml);
    let mut nodes: Vec<Node> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|_| Refusal::Malformed)?;
        let (element, empty) = match event {
            XmlEvent::Start(e) => (e, false),
            XmlEvent::Empty(e) => (e, true),
            XmlEvent::End(_) => {
                open.pop();
                continue;
            }
            XmlEvent::Text(t) => {
                let text = t.xml10_content().map_err(|_| Refusal::Malformed)?;
                match open.last() {
                    Some(&i) => nodes[i].text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(Refusal::Malformed),
                }
                continue;
            }
            XmlEvent::CData(c) => {
                let text = c.decode().map_err(|_| Refusal::Malformed)?;
                let &i = open.last().ok_or(Refusal::Malformed)?;
                nodes[i].text.push_str(&text);
                continue;
            }
            XmlEvent::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(|_| Refusal::Malformed)? {
                    Some(c) => c,
                    None => match r.decode().map_err(|_| Refusal::Malformed)?.as_ref() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err(Refusal::XmlForbidden),
                    },
                };
                let &i = open.last().ok_or(Refusal::Malformed)?;
                nodes[i].text.push(c);
                continue;
            }
            XmlEvent::Decl(_) => continue,
            XmlEvent::Eof => break,
            _ => return Err(Refusal::XmlForbidden),
        };
        let ns = match &ns {
            ResolveResult::Bound(n) if n.as_ref() == PROTOCOL_NS => Ns::Protocol,
            ResolveResult::Bound(n) if n.as_ref() == ASSERTION_NS => Ns::Assertion,
            _ => Ns::Other,
        };
        let mut attributes = Vec::new();
        for a in element.attributes() {
            let a = a.map_err(|_| Refusal::Malformed)?;
            let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
            if key.starts_with("xmlns") {
                continue;
            }
            let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|_| Refusal::Malformed)?.into_owned();
            attributes.push((key, value));
        }
        let parent = open.last().copied();
        if parent.is_none() && !nodes.is_empty() {
            return Err(Refusal::Shape);
        }
        nodes.push(Node {
            ns,
            local: String::from_utf8_lossy(element.local_name().as_ref()).into_owned(),
            attributes,
            text: String::new(),
            depth: open.len(),
            parent,
        });
        if nodes.len() > MAX_ELEMENTS {
            return Err(Refusal::Shape);
        }
        if !empty {
            open.push(nodes.len() - 1);
        }
    }
    if nodes.is_empty() {
        return Err(Refusal::Malformed);
    }
    Ok(nodes)
}

fn instant(value: Option<&str>) -> Result<Option<DateTime<Utc>>, Refusal> {
    value.map(|v| DateTime::parse_from_rfc3339(v).map(|t| t.with_timezone(&Utc)).map_err(|_| Refusal::Malformed)).transpose()
}

fn usable(value: &str, max: usize) -> bool {
    !value.trim().is_empty() && value.len() <= max && !value.chars().any(char::is_control)
}

/// What an IdP's `LogoutRequest` says.
#[derive(Debug)]
pub struct LogoutRequestIn {
    pub id: String,
    pub issue_instant: DateTime<Utc>,
    pub destination: Option<String>,
    pub not_on_or_after: Option<DateTime<Utc>>,
    pub issuer: String,
    pub name_id: String,
    pub session_indexes: Vec<String>,
}

/// A `LogoutRequest`: `Issuer`, one plain `NameID`, `SessionIndex`es; nothing else (no
/// encrypted or base IDs, no extensions, no embedded signature: the binding signs).
pub fn logout_request(xml: &str) -> Result<LogoutRequestIn, Refusal> {
    let nodes = elements(xml)?;
    let root = &nodes[0];
    if root.ns != Ns::Protocol || root.local != "LogoutRequest" || root.attribute("Version") != Some("2.0") {
        return Err(Refusal::Shape);
    }
    let (mut issuer, mut name_id, mut session_indexes) = (None, None, Vec::new());
    for n in &nodes[1..] {
        if n.depth != 1 {
            return Err(Refusal::Shape);
        }
        let slot = match (n.ns, n.local.as_str()) {
            (Ns::Assertion, "Issuer") => &mut issuer,
            (Ns::Assertion, "NameID") => &mut name_id,
            (Ns::Protocol, "SessionIndex") if session_indexes.len() < MAX_SESSION_INDEXES => {
                session_indexes.push(n.text.trim().to_owned());
                continue;
            }
            _ => return Err(Refusal::Shape),
        };
        if slot.replace(n.text.trim().to_owned()).is_some() {
            return Err(Refusal::Shape);
        }
    }
    let id = root.attribute("ID").filter(|v| usable(v, 256)).ok_or(Refusal::Malformed)?.to_owned();
    let issuer = issuer.filter(|v| usable(v, 1024)).ok_or(Refusal::Malformed)?;
    let name_id = name_id.filter(|v| usable(v, 1024)).ok_or(Refusal::Subject)?;
    if !session_indexes.iter().all(|s| usable(s, 256)) {
        return Err(Refusal::Malformed);
    }
    Ok(LogoutRequestIn {
        id,
        issue_instant: instant(root.attribute("IssueInstant"))?.ok_or(Refusal::Malformed)?,
        destination: root.attribute("Destination").map(str::to_owned),
        not_on_or_after: instant(root.attribute("NotOnOrAfter"))?,
        issuer,
        name_id,
        session_indexes,
    })
}

/// What an IdP's `LogoutResponse` says.
#[derive(Debug)]
struct LogoutResponseIn {
    in_response_to: Option<String>,
    issue_instant: DateTime<Utc>,
    destination: Option<String>,
    issuer: String,
    status: String,
}

/// A `LogoutResponse`: `Issuer` and `Status` (its codes and message); nothing else.
fn logout_response(xml: &str) -> Result<LogoutResponseIn, Refusal> {
    let nodes = elements(xml)?;
    let root = &nodes[0];
    if root.ns != Ns::Protocol || root.local != "LogoutResponse" || root.attribute("Version") != Some("2.0") {
        return Err(Refusal::Shape);
    }
    let (mut issuer, mut status_seen, mut status) = (None, false, None);
    for n in nodes.iter().skip(1) {
        let parent = n.parent.map(|p| &nodes[p]);
        match (n.ns, n.local.as_str(), n.depth) {
            (Ns::Assertion, "Issuer", 1) if issuer.is_none() => issuer = Some(n.text.trim().to_owned()),
            (Ns::Protocol, "Status", 1) if !status_seen => status_seen = true,
            (Ns::Protocol, "StatusCode", 2) if status.is_none() => status = n.attribute("Value").map(str::to_owned),
            // A second-level code inside the first, and the message, say more; read no further.
            (Ns::Protocol, "StatusCode", 3) if parent.is_some_and(|p| p.local == "StatusCode") => {}
            (Ns::Protocol, "StatusMessage", 2) => {}
            _ => return Err(Refusal::Shape),
        }
    }
    Ok(LogoutResponseIn {
        in_response_to: root.attribute("InResponseTo").map(str::to_owned),
        issue_instant: instant(root.attribute("IssueInstant"))?.ok_or(Refusal::Malformed)?,
        destination: root.attribute("Destination").map(str::to_owned),
        issuer: issuer.filter(|v| usable(v, 1024)).ok_or(Refusal::Malformed)?,
        status: status.ok_or(Refusal::Malformed)?,
    })
}

/// An `IssueInstant` within the last five minutes (and the clock skew).
fn fresh(issued: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    issued <= now + chrono::Duration::seconds(CLOCK_SKEW_SECONDS)
        && issued >= now - chrono::Duration::minutes(MAX_AGE_MINUTES) - chrono::Duration::seconds(CLOCK_SKEW_SECONDS)
}

// --- writing logout messages ---

fn escape(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn message_id() -> String {
    format!("_{}", hex::encode(random_bytes(16)))
}

fn xml_instant(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn logout_request_xml(id: &str, at: DateTime<Utc>, destination: &str, issuer: &str, name_id: &SamlNameId) -> String {
    let optional = |name: &str, value: &Option<String>| value.as_deref().map(|v| format!(r#" {name}="{}""#, escape(v))).unwrap_or_default();
    let session_index =
        name_id.session_index.as_deref().map(|s| format!("<samlp:SessionIndex>{}</samlp:SessionIndex>", escape(s))).unwrap_or_default();
    format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" NotOnOrAfter="{until}" Destination="{destination}"><saml:Issuer>{issuer}</saml:Issuer><saml:NameID{format}{nq}{spnq}>{value}</saml:NameID>{session_index}</samlp:LogoutRequest>"#,
        instant = xml_instant(at),
        until = xml_instant(at + chrono::Duration::minutes(MAX_AGE_MINUTES)),
        destination = escape(destination),
        issuer = escape(issuer),
        format = optional("Format", &name_id.format),
        nq = optional("NameQualifier", &name_id.name_qualifier),
        spnq = optional("SPNameQualifier", &name_id.sp_name_qualifier),
        value = escape(&name_id.value),
    )
}

fn logout_response_xml(id: &str, at: DateTime<Utc>, destination: &str, issuer: &str, in_response_to: &str) -> String {
    format!(
        r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{destination}" InResponseTo="{in_response_to}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="{SUCCESS}"/></samlp:Status></samlp:LogoutResponse>"#,
        instant = xml_instant(at),
        destination = escape(destination),
        in_response_to = escape(in_response_to),
        issuer = escape(issuer),
    )
}

fn tenant_slug(state: &AppState, scope: &TenantScope) -> Result<String, AppError> {
    Ok(crate::tenants::store::find(&mut *state.db.conn()?, scope.tenant_id())?.ok_or(AppError::NotFound)?.slug)
}

/// anwesend's sign-out of a session begun at a SAML IdP that offers single logout: the
/// signed `LogoutRequest` URL the browser goes to next; `None` where the IdP offers none.
/// The logout is kept pending (its ID, by the relay state, once, ten minutes) for the
/// IdP's `LogoutResponse`.
pub fn logout_url(state: &AppState, p: &Principal, provider: &ProviderRow, session: &ProviderSession) -> Result<Option<String>, AppError> {
    let scope = p.tenant.as_ref().ok_or(AppError::NotFound)?;
    let Some(ciphertext) = &session.logout_ciphertext else { return Ok(None) };
    let settings = service::saml_settings(provider)?;
    let metadata = saml::idp_metadata(state, &settings.metadata_xml)?;
    let Some(slo_url) = metadata.slo_url else { return Ok(None) };
    let slug = tenant_slug(state, scope)?;
    let sp = saml::service_provider(state, &slug);
    let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
    let name_id: SamlNameId = serde_json::from_str(&keys.decrypt("sessions", "sso_logout", &provider.id, ciphertext)?)
        .map_err(|_| AppError::Internal("a session's NameID is not readable".into()))?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let id = message_id();
    let relay_state = hex::encode(random_bytes(32));
    let key = sp_key(state, scope, &slug, now)?;
    let url = signed_redirect(
        &slo_url,
        "SAMLRequest",
        &logout_request_xml(&id, p.audit.at, &slo_url, &sp.entity_id, &name_id),
        Some(&relay_state),
        &key.key,
    )?;
    state.db.tenant_tx(scope, |tx| {
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let row_id = Uuid::now_v7().to_string();
        let row = LoginRow {
            tenant_id: scope.tenant_id().to_owned(),
            pkce_verifier_ciphertext: keys.encrypt("sso_logins", "pkce_verifier", &row_id, ""),
            id: row_id,
            provider_id: provider.id.clone(),
            state_hash: service::sha256(&relay_state),
            // The session is gone: no browser to bind; the relay state is single use.
            browser_hash: service::sha256(&hex::encode(random_bytes(32))),
            nonce: format!("{LOGOUT_PENDING}{id}"),
            link_account_id: None,
            invitation_id: None,
            created_at: now,
            expires_at: service::login_expiry(now),
        };
        store::insert_login(tx, &row)?;
        Ok(())
    })?;
    Ok(Some(url))
}

fn system(origin: &Origin) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::System, id: None, role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

fn refused() -> AppError {
    AppError::rule(ProblemCode::BadRequest, "the logout request is not valid")
}

/// The tenant's SLO endpoint: an IdP's `LogoutRequest` (`SAMLRequest`) or its
/// `LogoutResponse` to a logout begun here (`SAMLResponse`). Answers where the browser
/// goes: back to the IdP with the signed `LogoutResponse`, or anwesend's start page.
pub fn single_logout(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    tenant_slug: &str,
    raw_query: &str,
) -> Result<String, AppError> {
    let has = |param: &str| raw_query.split('&').any(|p| p.starts_with(&format!("{param}=")));
    match (has("SAMLRequest"), has("SAMLResponse")) {
        (true, false) => idp_logout(state, origin, scope, tenant_slug, raw_query),
        (false, true) => logout_returned(state, origin, scope, tenant_slug, raw_query),
        _ => Err(AppError::rule(ProblemCode::BadRequest, "send either SAMLRequest or SAMLResponse (HTTP-Redirect binding)")),
    }
}

/// An IdP's `LogoutRequest`: see the module's description.
fn idp_logout(state: &AppState, origin: &Origin, scope: &TenantScope, tenant_slug: &str, raw_query: &str) -> Result<String, AppError> {
    let ctx = system(origin);
    let refuse = |provider_id: Option<&str>, reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "SAML logout request refused");
        let event = Event::new(Action::SsoBackchannelLogout, "sso_provider", provider_id)
            .outcome(Outcome::Denied)
            .detail("binding", "saml_redirect")
            .detail("reason", reason.code());
        match state.db.tenant_tx(scope, |tx| audit::record(tx, &ctx, event).map(|_| ())) {
            Ok(()) => refused(),
            Err(e) => e,
        }
    };
    // The signature first: it must verify with the certificate of one of the tenant's
    // enabled SAML IdPs; that IdP is the one the request is read for.
    let providers = state.db.tenant_read(scope, |tx| Ok(store::providers(tx)?))?;
    let mut found = None;
    for provider in providers.into_iter().filter(|p| p.enabled && p.kind == ProviderKind::Saml.as_str()) {
        let settings = service::saml_settings(&provider)?;
        let Ok(metadata) = saml::idp_metadata(state, &settings.metadata_xml) else { continue };
        match verified_redirect(raw_query, "SAMLRequest", &metadata.certificates) {
            Ok(redirected) => {
                found = Some((provider, settings, metadata, redirected));
                break;
            }
            Err(Refusal::Signature) => continue,
            Err(other) => return Err(refuse(None, other)),
        }
    }
    let (provider, settings, metadata, redirected) = found.ok_or_else(|| refuse(None, Refusal::Signature))?;
    let refuse = |reason: Refusal| refuse(Some(&provider.id), reason);
    let request = logout_request(&redirected.xml).map_err(refuse)?;
    let sp = saml::service_provider(state, tenant_slug);
    let at = origin.at;
    if request.issuer != settings.idp_entity_id || request.destination.as_deref() != Some(sp.slo_url.as_str()) {
        return Err(refuse(Refusal::Conditions));
    }
    let skew = chrono::Duration::seconds(CLOCK_SKEW_SECONDS);
    if !fresh(request.issue_instant, at) || request.not_on_or_after.is_some_and(|t| at >= t + skew) {
        return Err(refuse(Refusal::Conditions));
    }
    let now = audit::chain::truncate_to_micros(at.naive_utc());
    let subject_index = logout_index(state, &provider.id, "sub", &request.name_id);
    let sid_indexes: Vec<Vec<u8>> = request.session_indexes.iter().map(|s| logout_index(state, &provider.id, "sid", s)).collect();
    let replay_key = service::sha256(&format!("logout\n{}\n{}", settings.idp_entity_id, request.id));
    let keep_until = now + chrono::Duration::minutes(MAX_AGE_MINUTES) + skew * 2;
    let ended = state.db.tenant_tx(scope, |tx| {
        if !store::accept_saml_assertion(tx, &provider.id, &replay_key, keep_until, now)? {
            return Ok(None);
        }
        let ended = end_sessions(tx, &provider.id, &subject_index, &sid_indexes, now)?;
        let event = Event::new(Action::SsoBackchannelLogout, "sso_provider", Some(&provider.id))
            .detail("binding", "saml_redirect")
            .detail("by", if sid_indexes.is_empty() { "name_id" } else { "session_index" })
            .detail("sessions_ended", ended.len());
        audit::record(tx, &ctx, event)?;
        for id in &ended {
            audit::record(tx, &ctx, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "provider_logout"))?;
        }
        Ok(Some(ended.len()))
    })?;
    if ended.is_none() {
        return Err(refuse(Refusal::Replayed));
    }
    let Some(slo_url) = metadata.slo_url else { return Ok("/#/".to_owned()) };
    let key = sp_key(state, scope, tenant_slug, now)?;
    let xml = logout_response_xml(&message_id(), at, &slo_url, &sp.entity_id, &request.id);
    signed_redirect(&slo_url, "SAMLResponse", &xml, redirected.relay_state.as_deref(), &key.key)
}

/// Ends the open sessions of this NameID begun at the IdP (those of the named
/// SessionIndexes only, where the request names any).
fn end_sessions(
    tx: &mut TenantTx<'_>,
    provider_id: &str,
    subject_index: &[u8],
    sid_indexes: &[Vec<u8>],
    now: NaiveDateTime,
) -> Result<Vec<String>, AppError> {
    let tenant = tx.tenant_id().to_owned();
    let mut query = sessions::table
        .filter(sessions::sso_provider_id.eq(provider_id))
        .filter(sessions::active_tenant_id.eq(&tenant))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::sso_subject_index.eq(subject_index))
        .select(sessions::id)
        .into_boxed();
    if !sid_indexes.is_empty() {
        query = query.filter(sessions::sso_sid_index.eq_any(sid_indexes));
    }
    let ids: Vec<String> = query.load(tx.conn())?;
    if !ids.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set((sessions::ended_at.eq(now), sessions::end_reason.eq("provider_logout")))
            .execute(tx.conn())?;
    }
    Ok(ids)
}

/// The IdP's `LogoutResponse` to a logout begun here: the pending logout taken once by the
/// relay state, then signature, issuer, `InResponseTo`, destination and age checked. The
/// session ended before the browser left; this only decides where the browser lands.
fn logout_returned(state: &AppState, origin: &Origin, scope: &TenantScope, tenant_slug: &str, raw_query: &str) -> Result<String, AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let relay_state = relay_state_of(raw_query).filter(|r| !r.is_empty() && r.len() <= 128).ok_or_else(|| Refusal::StateUnknown.error())?;
    let pending = state.db.tenant_tx(scope, |tx| Ok(store::take_login(tx, &service::sha256(&relay_state), now)?))?;
    let Some(pending) = pending.filter(|l| l.expires_at > now && l.nonce.starts_with(LOGOUT_PENDING)) else {
        return Err(Refusal::StateUnknown.error());
    };
    let refuse = |reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "SAML logout response refused");
        match service::record_failure(state, origin, scope, &pending.provider_id, reason.code()) {
            Ok(()) => reason.error(),
            Err(e) => e,
        }
    };
    let provider = service::one(state, scope, &pending.provider_id)?;
    let settings = service::saml_settings(&provider)?;
    let metadata = saml::idp_metadata(state, &settings.metadata_xml)?;
    let redirected = verified_redirect(raw_query, "SAMLResponse", &metadata.certificates).map_err(refuse)?;
    let response = logout_response(&redirected.xml).map_err(refuse)?;
    let sp = saml::service_provider(state, tenant_slug);
    let request_id = &pending.nonce[LOGOUT_PENDING.len()..];
    if response.issuer != settings.idp_entity_id
        || response.in_response_to.as_deref() != Some(request_id)
        || response.destination.as_deref().is_some_and(|d| d != sp.slo_url)
        || !fresh(response.issue_instant, origin.at)
    {
        return Err(refuse(Refusal::Conditions));
    }
    if response.status != SUCCESS {
        return Err(refuse(Refusal::Conditions));
    }
    Ok("/#/".to_owned())
}
