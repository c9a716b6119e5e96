//! Signed documents (issue 21): the attendance list of a session and the certificate of
//! attendance, rendered as PDF on the server (`pdf`) and signed by the platform key over
//! their canonical JSON and the PDF's bytes (`signed`), checkable offline by
//! `anwesend document verify` and in the browser on `#/verify`. No table of their own:
//! the content comes from attendance, signatures, closings, absences and events.
pub mod model;
pub mod pdf;
pub mod routes;
pub mod service;
pub mod signed;
