//! What `backend/build.rs` collected at build time: the rows of `docs/toms.md` and the
//! tests whose names start with TOM ids (TOM REVIEW-1).

/// One TOM id of `docs/toms.md`: its documented status and the first sentence of its control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Documented {
    pub id: &'static str,
    pub status: &'static str,
    pub control: &'static str,
}

/// A test named with the ids it proves: `integration` (backend/tests/it), `unit`
/// (backend/src, nfc-agent/src) or `browser` (tests/browser, the test's title).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProvingTest {
    pub ids: &'static [&'static str],
    pub kind: &'static str,
    pub file: &'static str,
    pub name: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/toms_catalogue.rs"));

/// The tests that name `id`.
pub fn tests_of(id: &str) -> impl Iterator<Item = &'static ProvingTest> + '_ {
    TESTS.iter().filter(move |t| t.ids.contains(&id))
}
