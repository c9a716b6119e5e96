//! The request context (request id, client IP, arrival time) and the middleware that
//! builds it, sets the security headers and writes one log line per request.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::IpHash;
use crate::error::AppError;
use crate::state::AppState;

/// Per-request facts. The raw client IP stays in memory; only its keyed hash may be
/// stored (TOM INPUT-2).
#[derive(Clone, Debug)]
pub struct RequestContext {
    pub request_id: String,
    client_ip: Option<IpAddr>,
    pub received_at: DateTime<Utc>,
}

impl RequestContext {
    /// The client IP hashed under the current period's key. Blocking (may create the
    /// key): call from `web::block`, before any write transaction.
    /// Its network, the rate-limit key, is an IPv6 address's first `rate_limit.ipv6_prefix`
    /// bits (TOM ACC-4).
    pub fn ip_hash(&self, state: &AppState) -> Result<Option<IpHash>, AppError> {
        let prefix = state.config.rate_limit.ipv6_prefix;
        self.client_ip.map(|ip| state.ip_hasher.hash_client(ip, prefix, self.received_at)).transpose()
    }
}

impl RequestContext {
    /// The context the middleware attached to this request.
    pub fn of(req: &HttpRequest) -> Result<Self, AppError> {
        req.extensions().get::<RequestContext>().cloned().ok_or_else(|| AppError::Internal("request context missing".into()))
    }
}

/// The client address: the peer, or, when the peer is a trusted proxy, the right-most
/// `X-Forwarded-For` entry that is not itself a trusted proxy. Untrusted peers cannot
/// choose their own address by sending the header.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded =
        headers.get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).map(str::trim).collect::<Vec<_>>();
    for entry in forwarded.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => return Some(peer),
        }
    }
    Some(peer)
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (trusted, hsts, now) = match &state {
        Some(s) => (s.config.proxy.trusted.as_slice(), s.config.serves_tls(), s.clock.now()),
        None => (&[][..], false, Utc::now()),
    };
    let ctx = RequestContext {
        request_id: Uuid::now_v7().to_string(),
        client_ip: client_ip(req.peer_addr().map(|a| a.ip()), req.headers(), trusted),
        received_at: now,
    };
    let request_id = ctx.request_id.clone();
    req.extensions_mut().insert(ctx);
    let api = is_api_path(req.path());
    let embedded = req.path().starts_with(super::embed::PREFIX);
    let method = req.method().clone();
    let started = Instant::now();

    let mut res = next.call(req).await?;

    // The embeddable page (`embed`) sets its own policy, whose frame-ancestors are the
    // tenant's origins; every other answer may be framed by no one.
    let embeddable = embedded && res.status().is_success() && res.headers().contains_key(header::CONTENT_SECURITY_POLICY);
    let headers = res.headers_mut();
    let mut set = |name: HeaderName, value: &'static str| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    if !embeddable {
        set(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
        set(header::X_FRAME_OPTIONS, "DENY");
    }
    set(header::REFERRER_POLICY, "no-referrer");
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    if hsts {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
    }
    if api {
        set(header::CACHE_CONTROL, "no-store");
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(HeaderName::from_static("x-request-id"), value);
    }

    // The route pattern, never the concrete path or query: they may carry ids or tokens.
    let route = res.request().match_pattern().filter(|p| !p.is_empty());
    let route = route.as_deref().unwrap_or(if api { "(unmatched)" } else { "(static)" });
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_millis() as u64;
    if let Some(state) = &state {
        let config = &state.config.metrics;
        if let Some(detected) = state.metrics.request(method.as_str(), route, status, started.elapsed(), state.clock.now(), config) {
            // Written before the answer goes out, once per window: an attack shows on the
            // platform chain (TOM AVAIL-3); a failure to write it does not change the answer.
            let state = state.clone();
            match actix_web::web::block(move || crate::metrics::record_detected(&state, &detected)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(cause = %e, "recording a security event failed"),
                Err(_) => tracing::error!("recording a security event panicked"),
            }
        }
    }
    // Polled every few seconds by every open tab: only worth a line when it fails.
    if matches!(route, "/api/v1/status" | "/healthz" | "/readyz") && status < 400 {
        tracing::debug!(%request_id, %method, route, status, elapsed_ms, "request");
    } else {
        tracing::info!(%request_id, %method, route, status, elapsed_ms, "request");
    }
    Ok(res)
}
