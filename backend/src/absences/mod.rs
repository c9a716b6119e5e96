//! Absences (issue 21): staff mark a booked person's absence from a session as excused
//! (reason category, short encrypted note) or unexcused; participants report one ahead in
//! the portal. Absence rates per person and course, a per-course threshold that flags
//! people in the lists, and one mail per flagged person to the course's organiser when
//! turned on.
pub mod model;
pub mod routes;
pub mod service;
pub mod store;
