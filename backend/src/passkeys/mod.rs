//! Passkeys (WebAuthn, TOM ACC-6): registration under "Mein Konto", the second factor after
//! the password, and passwordless sign-in with a discoverable credential where the tenant
//! allows it. Ceremony state lives server-side in `webauthn_ceremonies`, taken once.
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
