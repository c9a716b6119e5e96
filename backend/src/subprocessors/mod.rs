//! The sub-processor register (TOM SUB-1, TRANS-5, RIGHTS-3; issue 20): platform admins keep
//! the list of sub-processors (name, address, service, data categories, processing location
//! with the transfer mechanism outside the EU/EEA, since when), versioned by effective
//! dates so the register of any day can be shown; a planned change takes effect at least
//! every tenant's notice period (14 or 30 days) later, every tenant's admins are told by
//! mail and on their page "Unterauftragsverarbeiter", and may object with a reason until
//! the day before. The tenant's processing record lists the register in force.

pub mod model;
pub mod routes;
pub mod service;
pub mod store;
pub mod text;
