//! Attendance: card taps from enrolled devices, manual check-ins, corrections that
//! supersede (never delete), the live kiosk feed, lists and exports (TOM INPUT-4,
//! PSEUDO-1: cards only as keyed HMACs).
pub mod kiosk;
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
