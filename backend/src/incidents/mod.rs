//! The incident register (TOM BREACH-1, BREACH-2; issue 20): a platform admin records a
//! personal data breach with the facts Art. 33 GDPR asks for, the affected tenants and the
//! approximate numbers of persons and records are computed from the data (counts only),
//! each affected tenant gets a notification (German and English, every Art. 33(3) item)
//! that the admin edits and sends, the tenant's admins acknowledge it on their
//! "Vorfälle" page, follow-up information is added in phases, and the whole incident is
//! exported signed. Every step is on the platform chain and on the tenant's chain.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
pub mod text;
