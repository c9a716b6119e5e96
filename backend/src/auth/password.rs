//! Argon2id password hashing (TOM ACC-1) and the password policy. Parameters come from
//! `auth.password_hash` with the OWASP floors (m = 19 MiB, t = 2, p = 1) that config
//! validation enforces. Hashing is slow by design: call it from a blocking thread, never
//! an async worker.

use std::collections::HashSet;
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

/// Argon2id cost parameters of new hashes. Existing hashes keep theirs (they are in the
/// PHC string) and still verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashParams {
    pub const FLOOR: Self = Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };

    pub fn below_floor(&self) -> bool {
        self.memory_kib < Self::FLOOR.memory_kib || self.iterations < Self::FLOOR.iterations || self.parallelism < Self::FLOOR.parallelism
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::FLOOR
    }
}

static PARAMS: OnceLock<HashParams> = OnceLock::new();

/// Sets the parameters for this process from config; the first call wins.
pub fn configure(params: HashParams) {
    let _ = PARAMS.set(params);
}

fn argon2() -> Argon2<'static> {
    let p = PARAMS.get().copied().unwrap_or_default();
    let params = Params::new(p.memory_kib, p.iterations, p.parallelism, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common_passwords.txt").lines().filter(|l| !l.starts_with('#')).collect())
}

fn weak(reason: &str) -> AppError {
    AppError::Weak(reason.to_owned())
}

/// Length 12..=128; not a common password, not one with a few digits or symbols added,
/// not built from few characters, not containing the email's name (TOM ACC-1).
pub fn check_policy(password: &str, email: Option<&str>) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(weak(&format!("must have at least {MIN_LENGTH} characters")));
    }
    if len > MAX_LENGTH {
        return Err(weak(&format!("must have at most {MAX_LENGTH} characters")));
    }
    let lower = password.to_lowercase();
    let core = lower.trim_end_matches(|c: char| !c.is_alphabetic()).trim_start_matches(|c: char| !c.is_alphabetic());
    let list = common_passwords();
    if list.contains(lower.as_str()) || (core.chars().count() >= 4 && list.contains(core)) {
        return Err(weak("is on the list of common or leaked passwords"));
    }
    if lower.chars().collect::<HashSet<_>>().len() < 5 {
        return Err(weak("uses too few different characters"));
    }
    let name = email.and_then(|e| e.split('@').next()).map(str::to_lowercase).unwrap_or_default();
    if name.chars().count() >= 4 && lower.contains(&name) {
        return Err(weak("must not contain the name of the email address"));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Constant-time verification (inside the argon2 crate), with the hash's own parameters.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}
