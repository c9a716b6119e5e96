//! Shared declarative macros.

/// A closed set of stable string codes as a Rust enum: serialised as its code, listed in
/// the OpenAPI document (so the UI's typed client gets a union, not a `string`), with
/// `ALL` for tests and matrices and `as_str` for logs and audit details.
macro_rules! closed_set {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$doc:meta])* $variant:ident = $code:tt,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $($(#[$doc])* #[serde(rename = $code)] $variant,)*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// The member with this code; `None` for anything outside the set.
            pub fn from_code(code: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == code)
            }

            /// The member a stored column holds; a value outside the set is a fault of the
            /// stored data, not of the caller.
            pub fn from_stored(code: &str) -> Result<Self, crate::error::AppError> {
                Self::from_code(code).ok_or_else(|| {
                    crate::error::AppError::Internal(format!("stored {} `{}` is not in the set", stringify!($name), code))
                })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// Runs `$body` on the connection's own backend: `$c` is the `PgConnection` or the
/// `SqliteConnection` inside a `DbConnection`, the statement written once for both. Through
/// `DbConnection` itself diesel writes a statement's whole SQL text anew on every execution
/// (the multi-backend wrapper serialises the query in each of its passes, also when the
/// statement is cached); on the backend's own connection a cached statement is found by its
/// type and only its parameters are bound. For the statements every card tap runs: the
/// rewriting took 13 % of a tap's server time on SQLite (issue #16).
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
