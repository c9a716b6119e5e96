//! The service-level error. Routes turn it into problem+json (see `http::error`).

use std::time::Duration;

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::problem::ProblemCode;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("configuration: {0}")]
    Config(String),
    /// Input that breaks a rule; `field` names the offending field.
    #[error("invalid {field}: {message}")]
    Invalid { field: &'static str, message: String },
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(String),
    /// A rule of the domain refuses the change; `code` is the stable problem code.
    #[error("{code}: {message}")]
    Rule { code: ProblemCode, message: String },
    /// A new password the policy refuses (TOM ACC-1).
    #[error("weak password: {0}")]
    Weak(String),
    /// The caller's role does not allow this; the denial is already audited.
    #[error("forbidden")]
    Forbidden,
    /// Too many attempts; the caller may try again after the wait (TOM ACC-4).
    #[error("rate limited for {0:?}")]
    RateLimited(Duration),
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("cryptography: {0}")]
    Crypto(#[from] CryptoError),
    #[error("database: {0}")]
    Database(DieselError),
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    pub fn rule(code: ProblemCode, message: impl Into<String>) -> Self {
        Self::Rule { code, message: message.into() }
    }

    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid { field, message: message.into() }
    }

    /// True when the database refused the change because of a constraint, e.g. a
    /// foreign key into another tenant (SEP-2) or a duplicate unique value.
    pub fn is_constraint_violation(&self) -> bool {
        matches!(
            self,
            Self::Database(DieselError::DatabaseError(
                DatabaseErrorKind::ForeignKeyViolation
                    | DatabaseErrorKind::UniqueViolation
                    | DatabaseErrorKind::CheckViolation
                    | DatabaseErrorKind::NotNullViolation,
                _
            ))
        )
    }
}

impl From<DieselError> for AppError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            // The database went away under a query: as unavailable as a failed connection.
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => Self::Unavailable(info.message().to_owned()),
            other => Self::Database(other),
        }
    }
}

/// A key or ciphertext that cannot be used. Defined here, beside the error that carries
/// it, so this module depends on no capability; `crypto` re-exports it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("ciphertext cannot be opened with this key and context")]
    Decrypt,
    #[error("ciphertext has an unknown format")]
    Format,
    #[error("the key has been destroyed")]
    KeyDestroyed,
    #[error("key material is invalid: {0}")]
    BadKey(String),
}
