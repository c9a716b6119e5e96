//! Keyed rate limits (GCRA, governor) for the endpoints without a session (TOM ACC-4,
//! AVAIL-5). Keys are hashed client networks (an IPv6 /64 by default) and blind indexes of
//! emails, never plaintext. Memory stays bounded: keys whose limit has fully recovered are
//! dropped periodically.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

pub struct Limiter {
    inner: DefaultKeyedRateLimiter<Vec<u8>>,
}

impl Limiter {
    /// `per_minute` requests a minute, all of which may come at once.
    pub fn per_minute(per_minute: u32) -> Self {
        let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self { inner: RateLimiter::keyed(Quota::per_minute(n)) }
    }

    /// `Err(wait)` when `key` is over its limit.
    pub fn check(&self, key: &[u8]) -> Result<(), Duration> {
        self.inner.check_key(&key.to_vec()).map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }

    /// `check` as the error the handlers answer: 429 with `Retry-After`.
    pub fn admit(&self, key: &[u8]) -> Result<(), crate::AppError> {
        self.check(key).map_err(crate::AppError::RateLimited)
    }

    pub fn forget_recovered(&self) {
        self.inner.retain_recent();
        self.inner.shrink_to_fit();
    }
}

/// The limiters of the endpoints without a session (and of sign-in's later steps).
pub struct AuthLimits {
    /// Sign-in attempts per hashed client address.
    pub per_ip: Limiter,
    /// Sign-in attempts and password changes per account (blind index or account id).
    pub per_account: Limiter,
    /// Second-factor codes per account: its own budget, so a password guesser cannot
    /// exhaust it and a code guesser gets no more than a few tries a minute.
    pub second_factor: Limiter,
    /// Token endpoints reachable without a session (invitations) per hashed address.
    pub public_per_ip: Limiter,
    /// Sign-in links per email and tenant (TOM ACC-4).
    pub magic_link_per_email: Limiter,
    /// Password reset links per email (blind index), with the budget of sign-in links.
    pub password_reset_per_email: Limiter,
    /// All unauthenticated work together (`ceiling`).
    unauthenticated: Limiter,
    /// Device endpoints per hashed address, before the signature is checked.
    pub device_per_ip: Limiter,
    /// Refused requests, audited once per kind and window (`audit::refusals`).
    pub refusals: crate::audit::Refusals,
    /// Open kiosk streams per session and per tenant (TOM ACC-8).
    pub kiosk_streams: super::streams::StreamSlots,
}

/// The one key of the ceiling.
const EVERYONE: &[u8] = b"";

impl AuthLimits {
    pub fn new(config: &crate::config::RateLimitConfig) -> Self {
        Self {
            per_ip: Limiter::per_minute(config.sign_in_per_ip_per_minute),
            per_account: Limiter::per_minute(config.sign_in_per_account_per_minute),
            second_factor: Limiter::per_minute(config.mfa_per_account_per_minute),
            public_per_ip: Limiter::per_minute(config.public_per_ip_per_minute),
            magic_link_per_email: Limiter::per_minute(config.magic_link_per_email_per_minute),
            password_reset_per_email: Limiter::per_minute(config.magic_link_per_email_per_minute),
            unauthenticated: Limiter::per_minute(config.unauthenticated_per_minute),
            device_per_ip: Limiter::per_minute(config.device_per_ip_per_minute),
            refusals: crate::audit::Refusals::new(config.refusal_audit_window_seconds),
            kiosk_streams: Default::default(),
        }
    }

    /// The ceiling of all unauthenticated work (public calls, sign-in, device enrolment),
    /// asked after the caller's own limits passed: a spread of addresses, each under its
    /// own limit, still cannot exhaust password hashing or the database.
    pub fn ceiling(&self) -> Result<(), Duration> {
        self.unauthenticated.check(EVERYONE)
    }

    /// A call without a session from `ip_key`: its address's limit, then the ceiling;
    /// 429 with `Retry-After` when either is spent.
    pub fn admit_public(&self, ip_key: &[u8]) -> Result<(), crate::AppError> {
        self.public_per_ip.admit(ip_key)?;
        self.ceiling().map_err(crate::AppError::RateLimited)
    }

    pub fn forget_recovered(&self) {
        for limiter in [
            &self.per_ip,
            &self.per_account,
            &self.second_factor,
            &self.public_per_ip,
            &self.magic_link_per_email,
            &self.password_reset_per_email,
            &self.device_per_ip,
        ] {
            limiter.forget_recovered();
        }
    }
}
