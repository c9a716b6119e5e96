//! Authentication building blocks. Sign-in, sessions and MFA follow with staff auth.
pub mod password;
