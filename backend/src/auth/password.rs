//! Argon2id password hashing at OWASP parameters (m = 19 MiB, t = 2, p = 1; TOM ACC-1).
//! Hashing is slow by design: call it from a blocking thread, never an async worker.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn check_policy(password: &str) -> Result<(), AppError> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err(AppError::invalid("password", format!("must have at least {MIN_LENGTH} characters")));
    }
    if len > MAX_LENGTH {
        return Err(AppError::invalid("password", format!("must have at most {MAX_LENGTH} characters")));
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

/// Constant-time verification (inside the argon2 crate).
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|parsed| argon2().verify_password(password.as_bytes(), &parsed).is_ok())
}
