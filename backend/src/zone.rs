//! The tenant's time zone (issue 23): stored times stay UTC (`NaiveDateTime`), what people
//! read (pages, mails, exports, calendar files) is shown in the tenant's zone, an IANA name
//! such as `Europe/Berlin`. The zone database is bundled with the binary (jiff), so a host
//! without tzdata shows the same times.

use chrono::NaiveDateTime;
use jiff::tz::TimeZone;

use crate::error::AppError;

/// What a new tenant has until an admin changes it.
pub const DEFAULT: &str = "Europe/Berlin";

/// A tenant's time zone, looked up once.
#[derive(Clone, Debug)]
pub struct Zone {
    name: String,
    tz: TimeZone,
}

impl Zone {
    /// The zone named (as stored); the default if the name is unknown (it was checked
    /// when it was set, so only a zone dropped from a newer database falls back).
    pub fn named(name: &str) -> Self {
        match TimeZone::get(name) {
            Ok(tz) => Self { name: name.to_owned(), tz },
            Err(_) => Self { name: DEFAULT.to_owned(), tz: TimeZone::get(DEFAULT).unwrap_or(TimeZone::UTC) },
        }
    }

    /// The IANA name, as shown after times (`Europe/Berlin`).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn zoned(&self, t: NaiveDateTime) -> Option<jiff::ZonedDateTime> {
        let utc = t.and_utc();
        let ts = jiff::Timestamp::new(utc.timestamp(), i32::try_from(utc.timestamp_subsec_nanos()).unwrap_or(0)).ok()?;
        Some(ts.to_zoned_datetime(self.tz.clone()))
    }

    /// A UTC time in this zone with `strftime` directives (`%Y-%m-%d %H:%M`).
    pub fn format(&self, t: NaiveDateTime, pattern: &str) -> String {
        match self.zoned(t) {
            Some(z) => z.strftime(pattern).to_string(),
            None => t.format(pattern).to_string(),
        }
    }

    /// RFC 3339 with this zone's offset (`2026-12-05T18:00:00+01:00`): what exports for
    /// people write, unambiguous and in local time.
    pub fn rfc3339(&self, t: NaiveDateTime) -> String {
        self.format(t, "%Y-%m-%dT%H:%M:%S%:z")
    }

    /// A session or deadline as a mail shows it: local date and time and the zone's name,
    /// in the reader's language (`05.12.2026 18:00` / `2026-12-05 18:00`).
    pub fn date_time(&self, t: NaiveDateTime, german: bool) -> String {
        self.format(t, if german { "%d.%m.%Y %H:%M" } else { "%Y-%m-%d %H:%M" })
    }

    /// A session from–to as a mail shows it (the end's date only if it is another day).
    pub fn span(&self, from: NaiveDateTime, to: NaiveDateTime, german: bool) -> String {
        let same_day = self.format(from, "%Y-%m-%d") == self.format(to, "%Y-%m-%d");
        let end = if same_day { self.format(to, "%H:%M") } else { self.date_time(to, german) };
        format!("{} – {end} ({})", self.date_time(from, german), self.name)
    }
}

/// Checks a time zone name an admin typed: an IANA name the bundled database knows,
/// answered in its canonical spelling. Bad input answers 422.
pub fn validate(name: &str) -> Result<String, AppError> {
    let name = name.trim();
    if name.is_empty() || name.len() > 64 || !name.chars().all(|c| c.is_ascii_alphanumeric() || "/_-+".contains(c)) {
        return Err(AppError::invalid("time_zone", "must be an IANA time zone name such as Europe/Berlin"));
    }
    let tz = TimeZone::get(name).map_err(|_| AppError::invalid("time_zone", "is not a known IANA time zone"))?;
    Ok(tz.iana_name().unwrap_or(name).to_owned())
}
