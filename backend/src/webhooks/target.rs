//! Where a delivery may go (TOM TRANS-2, server-side request forgery): checked when an
//! admin saves the URL and again at every send, after DNS resolution. The connection is
//! made to the address that was checked (the client is pinned to it), so a name that
//! resolves differently a moment later (DNS rebinding) cannot redirect it; redirects are
//! never followed, and no proxy from the environment is used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::time::Duration;

use url::Url;

/// The URL's longest accepted length.
pub const MAX_URL_LEN: usize = 2048;

/// What the checks allow besides public addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    /// Production: https only.
    pub https_only: bool,
    /// Loopback addresses (tests and development only; production refuses the setting).
    pub allow_loopback: bool,
}

impl Policy {
    pub fn of(config: &crate::config::Config) -> Self {
        Self { https_only: config.is_prod(), allow_loopback: config.webhooks.allow_loopback && !config.is_prod() }
    }
}

/// Why a target was refused (said to the admin and kept with the delivery).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("not a valid URL")]
    Malformed,
    #[error("only https URLs are allowed")]
    NotHttps,
    #[error("the URL may not carry a user name, password or fragment")]
    Credentials,
    #[error("the host name does not resolve")]
    Unresolved,
    #[error("the address {0} is private, loopback, link-local or reserved")]
    PrivateAddress(IpAddr),
}

/// Checks a URL's form (no DNS): http(s), a host, no user info or fragment.
pub fn check_form(text: &str, policy: Policy) -> Result<Url, Refusal> {
    if text.len() > MAX_URL_LEN || text.chars().any(char::is_control) {
        return Err(Refusal::Malformed);
    }
    let url = Url::parse(text).map_err(|_| Refusal::Malformed)?;
    match url.scheme() {
        "https" => {}
        "http" if !policy.https_only => {}
        "http" => return Err(Refusal::NotHttps),
        _ => return Err(Refusal::Malformed),
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(Refusal::Credentials);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Refusal::Malformed);
    }
    // An IP literal is checked now already.
    if let Some(ip) = literal(&url) {
        check_address(ip, policy)?;
    }
    Ok(url)
}

fn literal(url: &Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(ip) => Some(IpAddr::V4(ip)),
        url::Host::Ipv6(ip) => Some(IpAddr::V6(ip)),
        url::Host::Domain(_) => None,
    }
}

/// Whether an address may be a target.
pub fn check_address(ip: IpAddr, policy: Policy) -> Result<(), Refusal> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    if ip.is_loopback() && policy.allow_loopback {
        return Ok(());
    }
    let public = match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => public_v6(v6),
    };
    if public {
        Ok(())
    } else {
        Err(Refusal::PrivateAddress(ip))
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240) // reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b) // NAT64: an IPv4 address inside
        || (s[0] == 0x2002) // 6to4: an IPv4 address inside
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0 && (s[5] == 0 || s[5] == 0xffff)))
    // IPv4-compatible and mapped
}

/// Resolves the URL's host and checks every address it names; returns the one to connect to.
pub fn resolve(url: &Url, policy: Policy) -> Result<SocketAddr, Refusal> {
    let port = url.port_or_known_default().ok_or(Refusal::Malformed)?;
    if let Some(ip) = literal(url) {
        check_address(ip, policy)?;
        return Ok(SocketAddr::new(ip, port));
    }
    let host = url.host_str().ok_or(Refusal::Malformed)?;
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().map_err(|_| Refusal::Unresolved)?.collect();
    if addrs.is_empty() {
        return Err(Refusal::Unresolved);
    }
    // Every address must pass: a name with one private address among public ones is refused.
    for addr in &addrs {
        check_address(addr.ip(), policy)?;
    }
    Ok(addrs[0])
}

/// What came back from one attempt.
#[derive(Debug)]
pub enum Answer {
    /// The receiver's status (2xx delivered; 3xx a redirect, not followed).
    Status(u16, Option<String>),
    /// Refused before sending.
    Refused(Refusal),
    /// No answer (connection, TLS, timeout).
    Failed(String),
}

/// Posts `body` to `url` once, to the checked address only.
pub fn post(url: &Url, policy: Policy, headers: &[(&str, String)], body: Vec<u8>, timeout: Duration) -> Answer {
    let addr = match resolve(url, policy) {
        Ok(addr) => addr,
        Err(refusal) => return Answer::Refused(refusal),
    };
    let mut builder = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("anwesend-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some(url::Host::Domain(domain)) = url.host() {
        builder = builder.resolve(domain, addr);
    }
    let client = match builder.build() {
        Ok(client) => client,
        Err(e) => return Answer::Failed(e.to_string()),
    };
    let mut request = client.post(url.clone()).header("content-type", "application/json").body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    match request.send() {
        Ok(response) => {
            let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
            Answer::Status(response.status().as_u16(), location)
        }
        Err(e) => Answer::Failed(without_url(&e)),
    }
}

/// reqwest's message without the URL (a Teams URL is a credential).
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {}", detail.chars().take(200).collect::<String>())
    }
}
