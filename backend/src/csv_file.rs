//! Every CSV file the product writes goes through `CsvFile` (TOM PRIV-5, formula
//! injection): a cell that a spreadsheet would run as a formula gets a leading apostrophe,
//! so the value shows as text.

use std::borrow::Cow;

/// A cell a spreadsheet would run as a formula (`= + - @`, or a leading tab or carriage
/// return, which some spreadsheets strip) gets a leading apostrophe.
pub fn defuse(value: &str) -> Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A JSON value as a cell: null is empty, a string its text, anything else its JSON.
pub fn json_cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A CSV file (RFC 4180: CRLF line ends) in memory; every cell is defused.
pub struct CsvFile {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvFile {
    /// A data file (archive, signed exports): fields quoted where needed.
    pub fn new(header: &[&str]) -> Self {
        Self::start(Vec::new(), csv::QuoteStyle::Necessary, header)
    }

    /// A list for spreadsheets: UTF-8 BOM (so they read the umlauts), every field quoted.
    pub fn spreadsheet(header: &[&str]) -> Self {
        Self::start("\u{feff}".as_bytes().to_vec(), csv::QuoteStyle::Always, header)
    }

    fn start(prefix: Vec<u8>, quote: csv::QuoteStyle, header: &[&str]) -> Self {
        let writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).quote_style(quote).from_writer(prefix);
        let mut file = Self { writer };
        file.row(header);
        file
    }

    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let cells: Vec<String> = cells.into_iter().map(|c| defuse(c.as_ref()).into_owned()).collect();
        // Writing into a Vec<u8> cannot fail.
        let _ = self.writer.write_record(&cells);
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.writer.into_inner().unwrap_or_default()
    }
}
