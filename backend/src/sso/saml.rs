//! SAML 2.0 (TOM ACC-7): SP-initiated sign-in, the `AuthnRequest` by HTTP-Redirect and
//! the response on the tenant's ACS by HTTP-POST. Fail closed against signature wrapping:
//! before any cryptography the response must have its plain shape (one `Response` for this
//! ACS, exactly one `Assertion` directly inside, which carries its own signature over its
//! own `ID`; no DTD, no comments, no processing instructions, every `ID` once); then
//! `samael`/xmlsec verifies the signatures with the IdP's certificates from its metadata
//! and reads the assertion only from what the signature covers; then audience, recipient,
//! destination, issuer, `InResponseTo` and validity are checked, and the assertion's ID is
//! accepted once (in the database, for every node). The session opens on the browser's
//! next, same-site request, which must bring the binding cookie of the browser that began
//! the sign-in. Blocking.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use samael::crypto::AllowedSignatureAlgorithm;
use samael::metadata::EntityDescriptor;
use samael::service_provider::ServiceProviderBuilder;
use uuid::Uuid;

use super::model::{Assertion, LoginRow, ProviderKind, ProviderRow, SamlNameId, SamlServiceProvider, SamlSettings};
use super::service::{self, text};
use super::store;
use crate::audit;
use crate::auth::service::{Origin, Principal};
use crate::crypto::random_bytes;
use crate::db::TenantScope;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const PROTOCOL_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:protocol";
const ASSERTION_NS: &[u8] = b"urn:oasis:names:tc:SAML:2.0:assertion";
const DSIG_NS: &[u8] = b"http://www.w3.org/2000/09/xmldsig#";
const REDIRECT_BINDING: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
/// The largest metadata document or decoded response read.
pub const MAX_XML: usize = 256 * 1024;
const MAX_GROUPS: usize = 1000;
/// How far the IdP's clock may be off.
const CLOCK_SKEW_SECONDS: i64 = 60;
/// The longest an accepted assertion ID is kept for the replay check.
const REPLAY_WINDOW_HOURS: i64 = 24;

/// Attribute names IdPs use for the email address, when the admin names none.
const EMAIL_ATTRIBUTES: [&str; 4] =
    ["email", "mail", "urn:oid:0.9.2342.19200300.100.1.3", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"];
/// Attribute names IdPs use for groups and roles (ADFS, Entra, Shibboleth), when the admin names none.
const GROUP_ATTRIBUTES: [&str; 5] = [
    "groups",
    "memberOf",
    "urn:oid:1.3.6.1.4.1.5923.1.5.1.1",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
];

/// Why a SAML response was refused: written to the audit trail and the log, never what
/// the IdP (or an attacker) sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    StateUnknown,
    Malformed,
    /// A DTD, a comment or a processing instruction.
    XmlForbidden,
    /// Not exactly one assertion directly in the response, an `ID` twice, an encrypted assertion.
    Shape,
    /// The assertion carries no signature of its own over its own `ID`.
    UnsignedAssertion,
    /// xmlsec did not verify the signatures with the IdP's certificates and allowed algorithms.
    Signature,
    /// Destination, audience, recipient, issuer, `InResponseTo` or validity.
    Conditions,
    Replayed,
    Subject,
    /// A logout message by HTTP-Redirect without `SigAlg` and `Signature`.
    UnsignedMessage,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::StateUnknown => "state_unknown",
            Self::Malformed => "saml_malformed",
            Self::XmlForbidden => "saml_xml_forbidden",
            Self::Shape => "saml_shape",
            Self::UnsignedAssertion => "saml_unsigned_assertion",
            Self::Signature => "saml_signature",
            Self::Conditions => "saml_conditions",
            Self::Replayed => "saml_replayed",
            Self::Subject => "saml_subject",
            Self::UnsignedMessage => "saml_unsigned_message",
        }
    }

    pub fn error(self) -> AppError {
        AppError::rule(ProblemCode::SsoFailed, "the sign-in at the identity provider could not be completed")
    }
}

/// The service provider anwesend is for one tenant: what the admin gives the IdP.
pub fn service_provider(state: &AppState, tenant_slug: &str) -> SamlServiceProvider {
    let base = format!("{}/api/v1/public/{tenant_slug}/saml", state.config.public_origin());
    SamlServiceProvider {
        entity_id: format!("{base}/metadata"),
        acs_url: format!("{base}/acs"),
        metadata_url: format!("{base}/metadata"),
        slo_url: format!("{base}/slo"),
    }
}

fn escape(value: &str) -> String {
    value.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The tenant's SP metadata: its signing certificate (base64 DER; requests are signed),
/// signed assertions wanted, single logout by redirect, persistent NameIDs, the ACS by POST.
pub fn sp_metadata(sp: &SamlServiceProvider, certificate_base64: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
        <ds:X509Data>
          <ds:X509Certificate>{certificate_base64}</ds:X509Certificate>
        </ds:X509Data>
      </ds:KeyInfo>
    </md:KeyDescriptor>
    <md:SingleLogoutService Binding="{REDIRECT_BINDING}" Location="{slo}"/>
    <md:NameIDFormat>{PERSISTENT}</md:NameIDFormat>
    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape(&sp.entity_id),
        acs = escape(&sp.acs_url),
        slo = escape(&sp.slo_url),
    )
}

/// No DTD (entity expansion, external entities) in anything read from an IdP.
fn has_dtd(xml: &str) -> bool {
    let upper = xml.to_ascii_uppercase();
    upper.contains("<!DOCTYPE") || upper.contains("<!ENTITY")
}

fn parse_metadata(xml: &str) -> Result<EntityDescriptor, AppError> {
    let refused = |why: &str| AppError::invalid("saml.metadata_xml", why.to_owned());
    if xml.len() > MAX_XML {
        return Err(refused("is larger than 256 KiB"));
    }
    if has_dtd(xml) {
        return Err(refused("must not contain a DTD"));
    }
    xml.parse::<EntityDescriptor>().map_err(|_| refused("is not SAML metadata with one EntityDescriptor"))
}

/// What the admin's metadata says, checked: the IdP's entity id, a redirect-binding sign-in
/// URL and at least one signing certificate. Without a certificate nothing could be verified.
/// The redirect-binding logout URL where it names a usable one.
pub(crate) struct IdpMetadata {
    pub descriptor: EntityDescriptor,
    pub entity_id: String,
    pub sso_url: String,
    pub certificates: Vec<samael::crypto::CertificateDer>,
    pub slo_url: Option<String>,
}

pub(crate) fn idp_metadata(state: &AppState, xml: &str) -> Result<IdpMetadata, AppError> {
    let descriptor = parse_metadata(xml)?;
    let entity_id = descriptor
        .entity_id
        .clone()
        .filter(|e| !e.is_empty() && e.len() <= 1024)
        .ok_or_else(|| AppError::invalid("saml.metadata_xml", "has no entityID"))?;
    let sp = ServiceProviderBuilder::default()
        .idp_metadata(descriptor.clone())
        .build()
        .map_err(|_| AppError::Internal("the SAML service provider could not be built".into()))?;
    let certificates = sp.idp_signing_certs().ok().flatten().unwrap_or_default();
    if certificates.is_empty() {
        return Err(AppError::invalid("saml.metadata_xml", "names no signing certificate of the identity provider"));
    }
    let sso_url = sp
        .sso_binding_location(REDIRECT_BINDING)
        .ok_or_else(|| AppError::invalid("saml.metadata_xml", "offers no SingleSignOnService with the HTTP-Redirect binding"))?;
    service::valid_url(state, "saml.metadata_xml", &sso_url, &["https"])
        .map_err(|_| AppError::invalid("saml.metadata_xml", "names a sign-in URL that is not https://"))?;
    // A logout URL that is not https is not used: the NameID would travel in the clear.
    let slo_url =
        sp.slo_binding_location(REDIRECT_BINDING).filter(|u| service::valid_url(state, "saml.metadata_xml", u, &["https"]).is_ok());
    Ok(IdpMetadata { descriptor, entity_id, sso_url, certificates, slo_url })
}

/// Fetches metadata from an `https` URL once, on saving: no redirect, a timeout, at most `MAX_XML` bytes.
fn fetch_metadata(url: &url::Url) -> Result<String, AppError> {
    use std::io::Read;
    let unreachable = || AppError::invalid("saml.metadata_url", "could not be fetched (https, answering 200 within 10 s, at most 256 KiB)");
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|_| unreachable())?;
    let response = client.get(url.clone()).send().map_err(|_| unreachable())?;
    if !response.status().is_success() {
        return Err(unreachable());
    }
    let mut body = Vec::new();
    response.take(MAX_XML as u64 + 1).read_to_end(&mut body).map_err(|_| unreachable())?;
    if body.len() > MAX_XML {
        return Err(unreachable());
    }
    String::from_utf8(body).map_err(|_| unreachable())
}

/// Checks the admin's SAML settings; fetches metadata from a URL where one is given. Stored
/// is the metadata itself (never re-fetched behind the admin's back) and its entity id.
pub fn checked_settings(state: &AppState, input: &SamlSettings) -> Result<SamlSettings, AppError> {
    let mut s = input.clone();
    if let Some(url) = s.metadata_url.clone().filter(|u| !u.is_empty()) {
        if url.len() > 512 {
            return Err(AppError::invalid("saml.metadata_url", "is too long"));
        }
        let parsed = service::valid_url(state, "saml.metadata_url", &url, &["https"])?;
        if s.metadata_xml.is_empty() {
            s.metadata_xml = fetch_metadata(&parsed)?;
        }
    }
    if s.metadata_xml.trim().is_empty() {
        return Err(AppError::invalid("saml.metadata_xml", "is required: paste the identity provider's metadata or give its URL"));
    }
    let metadata = idp_metadata(state, &s.metadata_xml)?;
    s.idp_entity_id = metadata.entity_id;
    for (field, value) in [
        ("saml.subject_attribute", &s.subject_attribute),
        ("saml.email_attribute", &s.email_attribute),
        ("saml.groups_attribute", &s.groups_attribute),
    ] {
        if value.as_deref().is_some_and(|v| v.len() > 256 || v.trim().is_empty() || v.chars().any(char::is_control)) {
            return Err(AppError::invalid(field, "must be 1 to 256 characters without control characters"));
        }
    }
    Ok(s)
}

/// Begins a sign-in: the `AuthnRequest` (its ID) and the relay state are stored, single use,
/// ten minutes; answers the IdP's URL with both, and a browser binding like OIDC's.
pub fn start(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    provider_id: &str,
    tenant_slug: &str,
) -> Result<(String, String), AppError> {
    let provider = service::enabled(state, scope, provider_id, ProviderKind::Saml)?;
    let settings = service::saml_settings(&provider)?;
    let metadata = idp_metadata(state, &settings.metadata_xml)?;
    let sp = service_provider(state, tenant_slug);
    let saml_sp = ServiceProviderBuilder::default()
        .entity_id(Some(sp.entity_id.clone()))
        .acs_url(Some(sp.acs_url.clone()))
        .idp_metadata(metadata.descriptor)
        .authn_name_id_format(Some(PERSISTENT.to_owned()))
        .build()
        .map_err(|_| AppError::Internal("the SAML service provider could not be built".into()))?;
    let mut request =
        saml_sp.make_authentication_request(&metadata.sso_url).map_err(|_| AppError::Internal("no AuthnRequest could be made".into()))?;
    // The request ID is ours: 128 random bits (an XML ID starts with a letter or `_`).
    request.id = format!("_{}", hex::encode(random_bytes(16)));
    let relay_state = hex::encode(random_bytes(32));
    let unsigned =
        request.redirect(&relay_state).ok().flatten().ok_or_else(|| AppError::Internal("the AuthnRequest could not be encoded".into()))?;
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    // Signed with the tenant's SP key (HTTP-Redirect binding: RSA-SHA256 over the query).
    let key = super::saml_slo::sp_key(state, scope, tenant_slug, now)?;
    let url = super::saml_slo::sign_url(unsigned, &key.key)?;
    let browser = hex::encode(random_bytes(32));
    state.db.tenant_tx(scope, |tx| {
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = LoginRow {
            tenant_id: scope.tenant_id().to_owned(),
            // SAML has no PKCE verifier: an empty one, encrypted like any.
            pkce_verifier_ciphertext: keys.encrypt("sso_logins", "pkce_verifier", &id, ""),
            id,
            provider_id: provider.id.clone(),
            state_hash: service::sha256(&relay_state),
            browser_hash: service::sha256(&browser),
            nonce: request.id.clone(),
            link_account_id: None,
            invitation_id: None,
            created_at: now,
            expires_at: service::login_expiry(now),
        };
        store::insert_login(tx, &row)?;
        Ok(())
    })?;
    Ok((url, browser))
}

/// The plain shape of the response, checked before any cryptography; answers the one
/// assertion's ID.
pub fn checked_shape(xml: &str, acs_url: &str) -> Result<String, Refusal> {
    if has_dtd(xml) {
        return Err(Refusal::XmlForbidden);
    }
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<(bool, String)> = Vec::new(); // (is the assertion's own signature path, local name)
    let mut ids: Vec<String> = Vec::new();
    let mut assertions = 0usize;
    let mut assertion_id: Option<String> = None;
    let mut signed_reference: Option<String> = None;
    let mut root_seen = false;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|_| Refusal::Malformed)?;
        let (element, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                stack.pop();
                continue;
            }
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::DocType(_) => return Err(Refusal::XmlForbidden),
            Event::Text(_) | Event::CData(_) | Event::Decl(_) => continue,
            _ => return Err(Refusal::XmlForbidden),
        };
        let in_ns = |want: &[u8]| matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == want);
        let local = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        let depth = stack.len();
        let attribute = |name: &str| -> Result<Option<String>, Refusal> {
            for a in element.attributes() {
                let a = a.map_err(|_| Refusal::Malformed)?;
                if a.key.as_ref() == name.as_bytes() {
                    return Ok(Some(a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|_| Refusal::Malformed)?.into_owned()));
                }
            }
            Ok(None)
        };
        for name in ["ID", "Id", "id"] {
            if let Some(id) = attribute(name)? {
                if ids.contains(&id) {
                    return Err(Refusal::Shape);
                }
                ids.push(id);
            }
        }
        if depth == 0 {
            if root_seen || !in_ns(PROTOCOL_NS) || local != "Response" {
                return Err(Refusal::Shape);
            }
            root_seen = true;
            if attribute("Destination")?.as_deref() != Some(acs_url) {
                return Err(Refusal::Conditions);
            }
        }
        if in_ns(ASSERTION_NS) && local == "EncryptedAssertion" {
            return Err(Refusal::Shape);
        }
        if in_ns(ASSERTION_NS) && local == "Assertion" {
            assertions += 1;
            if depth != 1 || assertions > 1 {
                return Err(Refusal::Shape);
            }
            assertion_id = attribute("ID")?;
        }
        // The assertion's own signature: Assertion/Signature/SignedInfo/Reference.
        let parent_path = stack.last().is_some_and(|(own, _)| *own);
        let own = (depth == 2 && in_ns(DSIG_NS) && local == "Signature" && stack.get(1).is_some_and(|(_, n)| n == "Assertion"))
            || (parent_path && in_ns(DSIG_NS) && (local == "SignedInfo" || local == "Reference"));
        if own && local == "Reference" {
            if signed_reference.is_some() {
                return Err(Refusal::Shape);
            }
            signed_reference = attribute("URI")?;
        }
        if !empty {
            stack.push((own, local));
        }
    }
    let id = assertion_id.filter(|_| assertions == 1).ok_or(Refusal::Shape)?;
    if signed_reference.as_deref() != Some(&format!("#{id}")) {
        return Err(Refusal::UnsignedAssertion);
    }
    Ok(id)
}

/// `NameQualifier` and `SPNameQualifier` of the assertion's `Subject/NameID` (samael reads
/// neither). Only called once the response's shape (one assertion) and signature passed.
fn name_id_qualifiers(xml: &str) -> (Option<String>, Option<String>) {
    let mut reader = NsReader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    loop {
        let Ok((ns, event)) = reader.read_resolved_event() else { return (None, None) };
        let (element, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                path.pop();
                continue;
            }
            Event::Eof => return (None, None),
            _ => continue,
        };
        let local = String::from_utf8_lossy(element.local_name().as_ref()).into_owned();
        let in_assertion_ns = matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == ASSERTION_NS);
        if in_assertion_ns && local == "NameID" && path.len() == 3 && path[1] == "Assertion" && path[2] == "Subject" {
            let value = |name: &str| {
                element
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == name.as_bytes())
                    .and_then(|a| a.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(|v| v.into_owned()))
            };
            return (value("NameQualifier"), value("SPNameQualifier"));
        }
        if !empty {
            path.push(local);
        }
    }
}

fn attribute_values(assertion: &samael::schema::Assertion, names: &[&str]) -> Vec<String> {
    assertion
        .attribute_statements
        .iter()
        .flatten()
        .flat_map(|s| s.attributes.iter())
        .filter(|a| a.name.as_deref().is_some_and(|n| names.iter().any(|want| want.eq_ignore_ascii_case(n))))
        .flat_map(|a| a.values.iter().filter_map(|v| v.value.clone()))
        .collect()
}

/// Verifies the response (after its shape) and reads what the assertion vouches for.
fn verify(
    state: &AppState,
    settings: &SamlSettings,
    sp: &SamlServiceProvider,
    login: &LoginRow,
    xml: &str,
) -> Result<(Assertion, String, chrono::DateTime<chrono::Utc>), Refusal> {
    let assertion_id = checked_shape(xml, &sp.acs_url)?;
    let metadata = idp_metadata(state, &settings.metadata_xml).map_err(|_| Refusal::Signature)?;
    let verifier = ServiceProviderBuilder::default()
        .entity_id(Some(sp.entity_id.clone()))
        .acs_url(Some(sp.acs_url.clone()))
        .idp_metadata(metadata.descriptor)
        .allowed_signature_algorithms(Some(vec![
            AllowedSignatureAlgorithm::RsaSha256,
            AllowedSignatureAlgorithm::RsaSha384,
            AllowedSignatureAlgorithm::RsaSha512,
            AllowedSignatureAlgorithm::EcdsaSha256,
            AllowedSignatureAlgorithm::EcdsaSha384,
            AllowedSignatureAlgorithm::EcdsaSha512,
        ]))
        .max_clock_skew(chrono::Duration::seconds(CLOCK_SKEW_SECONDS))
        .max_issue_delay(chrono::Duration::minutes(5))
        .build()
        .map_err(|_| Refusal::Signature)?;
    let assertion = verifier.parse_xml_response(xml, Some(&[login.nonce.as_str()])).map_err(|e| {
        use samael::service_provider::Error as E;
        match e {
            E::FailedToValidateSignature | E::CryptoXmlError(_) | E::CryptoProviderError(_) => Refusal::Signature,
            E::FailedToParseSamlResponse(_) | E::FailedToParseSamlAssertion(_) => Refusal::Shape,
            _ => Refusal::Conditions,
        }
    })?;
    // The assertion read is the one whose shape was checked, from the same issuer.
    if assertion.id != assertion_id || assertion.issuer.value.as_deref() != Some(settings.idp_entity_id.as_str()) {
        return Err(Refusal::Shape);
    }
    // samael checks the audience only where one is named: here one must be, and be ours.
    let conditions = assertion.conditions.as_ref().ok_or(Refusal::Conditions)?;
    let audiences = conditions.audience_restrictions.as_ref().ok_or(Refusal::Conditions)?;
    if audiences.is_empty() || !audiences.iter().all(|r| r.audience.iter().any(|a| a == &sp.entity_id)) {
        return Err(Refusal::Conditions);
    }
    let expires = conditions.not_on_or_after.ok_or(Refusal::Conditions)?;
    let name_id = assertion.subject.as_ref().and_then(|s| s.name_id.as_ref());
    let subject_value = match settings.subject_attribute.as_deref() {
        Some(name) => attribute_values(&assertion, &[name]).into_iter().next(),
        None => name_id.filter(|n| n.format.as_deref() == Some(PERSISTENT)).map(|n| n.value.clone()),
    };
    let subject_value = subject_value.filter(|v| !v.trim().is_empty() && v.len() <= 1024).ok_or(Refusal::Subject)?;
    let email_names: Vec<&str> = settings.email_attribute.as_deref().map_or(EMAIL_ATTRIBUTES.to_vec(), |n| vec![n]);
    let group_names: Vec<&str> = settings.groups_attribute.as_deref().map_or(GROUP_ATTRIBUTES.to_vec(), |n| vec![n]);
    let mut groups = attribute_values(&assertion, &group_names);
    groups.truncate(MAX_GROUPS);
    let email = attribute_values(&assertion, &email_names).into_iter().next();
    // For single logout: the NameID as the IdP sent it, and the session it opened there.
    let saml_logout = name_id.map(|n| {
        let (name_qualifier, sp_name_qualifier) = name_id_qualifiers(xml);
        SamlNameId {
            value: n.value.clone(),
            format: n.format.clone(),
            name_qualifier,
            sp_name_qualifier,
            session_index: assertion.authn_statements.iter().flatten().find_map(|s| s.session_index.clone()),
        }
    });
    let provider_session = saml_logout.as_ref().map(|n| (n.value.clone(), n.session_index.clone()));
    let vouched = Assertion {
        subject: format!("saml\n{}\n{subject_value}", settings.idp_entity_id),
        // The IdP the admin trusts for this tenant is the directory's own: its address is verified.
        email_verified: email.is_some(),
        email,
        groups,
        mfa: false,
        provider_session,
        saml_logout,
    };
    Ok((vouched, format!("{}\n{}", settings.idp_entity_id, assertion.id), expires))
}

/// What arrives on the ACS: the form's two fields.
pub struct AcsForm {
    pub saml_response: String,
    pub relay_state: String,
}

/// Marks the pending row of a checked response waiting for its browser (`sso_logins.nonce`).
const CHECKED: &str = "saml-checked";
/// How long a checked response waits for the browser's next request.
const CHECKED_TTL_SECONDS: i64 = 120;

/// Checks a response on the ACS. The pending sign-in is taken once by its relay state; a
/// refusal is audited with its reason and answers `sso_failed`; nothing else is written.
/// What the assertion vouches for waits, encrypted, for the browser's next request (see
/// `complete`): the IdP's page posts cross-site, and browsers keep `SameSite` cookies out of
/// such a POST, the session cookie as much as the binding cookie. Answers the single-use
/// token of that next request.
pub fn accept(state: &AppState, origin: &Origin, scope: &TenantScope, tenant_slug: &str, form: &AcsForm) -> Result<String, AppError> {
    use base64::Engine;
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    if form.relay_state.is_empty() || form.relay_state.len() > 128 {
        // No relay state: IdP-initiated, or not ours. Refused without a lookup.
        return Err(Refusal::StateUnknown.error());
    }
    let login = state.db.tenant_tx(scope, |tx| Ok(store::take_login(tx, &service::sha256(&form.relay_state), now)?))?;
    let Some(login) = login.filter(|l| l.expires_at > now && l.nonce != CHECKED && !l.nonce.starts_with(super::saml_slo::LOGOUT_PENDING))
    else {
        return Err(Refusal::StateUnknown.error());
    };
    let refuse = |reason: Refusal| -> AppError {
        tracing::warn!(reason = reason.code(), "SAML sign-in refused");
        match service::record_failure(state, origin, scope, &login.provider_id, reason.code()) {
            Ok(()) => reason.error(),
            Err(e) => e,
        }
    };
    let provider = service::enabled(state, scope, &login.provider_id, ProviderKind::Saml)?;
    let settings = service::saml_settings(&provider)?;
    let compact: String = form.saml_response.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let xml = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .ok()
        .filter(|b| b.len() <= MAX_XML)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| refuse(Refusal::Malformed))?;
    let sp = service_provider(state, tenant_slug);
    let (assertion, replay_key, expires) = verify(state, &settings, &sp, &login, &xml).map_err(refuse)?;
    let vouched = serde_json::to_string(&assertion).map_err(|_| AppError::Internal("an assertion does not serialise".into()))?;
    let token = hex::encode(random_bytes(32));
    // Each assertion once, on every node: the first insert wins, later ones are replays.
    let keep_until =
        expires.naive_utc().min(now + chrono::Duration::hours(REPLAY_WINDOW_HOURS)) + chrono::Duration::seconds(CLOCK_SKEW_SECONDS);
    let fresh = state.db.tenant_tx(scope, |tx| {
        if !store::accept_saml_assertion(tx, &provider.id, &service::sha256(&replay_key), keep_until, now)? {
            return Ok(false);
        }
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = LoginRow {
            tenant_id: scope.tenant_id().to_owned(),
            pkce_verifier_ciphertext: keys.encrypt("sso_logins", "pkce_verifier", &id, &vouched),
            id,
            provider_id: provider.id.clone(),
            state_hash: service::sha256(&token),
            browser_hash: login.browser_hash.clone(),
            nonce: CHECKED.to_owned(),
            link_account_id: None,
            invitation_id: None,
            created_at: now,
            expires_at: now + chrono::Duration::seconds(CHECKED_TTL_SECONDS),
        };
        store::insert_login(tx, &row)?;
        Ok(true)
    })?;
    if !fresh {
        return Err(refuse(Refusal::Replayed));
    }
    Ok(token)
}

/// Completes a checked sign-in in the browser that began it (its binding cookie, sent on
/// this same-site redirect): once, within two minutes; then `service::complete`.
pub fn complete(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    token: &str,
    browser: Option<&str>,
) -> Result<(String, Principal), AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    if token.is_empty() || token.len() > 128 {
        return Err(Refusal::StateUnknown.error());
    }
    let checked = state.db.tenant_tx(scope, |tx| Ok(store::take_login(tx, &service::sha256(token), now)?));
    let Some(checked) = checked?.filter(|l| l.expires_at > now && l.nonce == CHECKED) else {
        return Err(Refusal::StateUnknown.error());
    };
    if !browser.is_some_and(|b| crate::crypto::constant_time_eq(&service::sha256(b), &checked.browser_hash)) {
        tracing::warn!(reason = "browser_mismatch", "SAML sign-in refused");
        service::record_failure(state, origin, scope, &checked.provider_id, "browser_mismatch")?;
        return Err(Refusal::StateUnknown.error());
    }
    let provider = service::enabled(state, scope, &checked.provider_id, ProviderKind::Saml)?;
    let vouched = {
        let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
        keys.decrypt("sso_logins", "pkce_verifier", &checked.id, &checked.pkce_verifier_ciphertext)?
    };
    let assertion: Assertion =
        serde_json::from_str(&vouched).map_err(|_| AppError::Internal("a checked assertion is not readable".into()))?;
    service::complete(state, origin, scope, &provider, &assertion, None, None)
}

/// "Verbindung testen": the stored metadata still parses, names a signing certificate that
/// is valid today, and a sign-in URL.
pub fn test(state: &AppState, provider: &ProviderRow, lang: &str) -> Result<super::model::TestReport, AppError> {
    use super::model::{TestCheck, TestReport};
    let settings = service::saml_settings(provider)?;
    let mut checks = Vec::new();
    match idp_metadata(state, &settings.metadata_xml) {
        Ok(m) => {
            checks.push(TestCheck {
                check: "metadata".into(),
                ok: true,
                message: text(lang, &format!("Metadaten von {} gelesen.", m.entity_id), &format!("Read the metadata of {}.", m.entity_id)),
            });
            checks.push(TestCheck {
                check: "sign_in_url".into(),
                ok: true,
                message: text(lang, &format!("Anmeldung über {}.", m.sso_url), &format!("Sign-in through {}.", m.sso_url)),
            });
        }
        Err(e) => checks.push(TestCheck {
            check: "metadata".into(),
            ok: false,
            message: text(lang, &format!("Die Metadaten sind nicht brauchbar: {e}"), &format!("The metadata cannot be used: {e}")),
        }),
    }
    Ok(TestReport { ok: checks.iter().all(|c| c.ok), checks })
}
