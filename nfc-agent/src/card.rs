//! Card ids: reading them from a Get-Data answer, refusing random ones, masking them.

/// PC/SC Get-Data: the card's UID (PC/SC part 3, supported by every contactless reader).
pub const GET_UID: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

/// Why a card could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 4-byte UIDs starting `08` are random (ISO 14443-3): a new id on every tap.
    RandomId,
    /// The reader answered the Get-Data command with an error status word.
    NotAnswered(u8, u8),
    /// No or an implausible UID.
    Malformed,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::RandomId => {
                write!(f, "this card shows a new random id on every tap and cannot identify anyone; use a card with a fixed id")
            }
            Refusal::NotAnswered(sw1, sw2) => write!(f, "the reader could not read the card id (status {sw1:02X}{sw2:02X})"),
            Refusal::Malformed => write!(f, "the reader returned no usable card id"),
        }
    }
}

/// The UID in a Get-Data answer (`UID… 90 00`), as upper-case hex.
pub fn uid_from_answer(answer: &[u8]) -> Result<String, Refusal> {
    let Some((uid, status)) = answer.split_last_chunk::<2>() else { return Err(Refusal::Malformed) };
    if *status != [0x90, 0x00] {
        return Err(Refusal::NotAnswered(status[0], status[1]));
    }
    // ISO 14443 UIDs have 4, 7 or 10 bytes.
    if !(4..=10).contains(&uid.len()) {
        return Err(Refusal::Malformed);
    }
    if uid.len() == 4 && uid[0] == 0x08 {
        return Err(Refusal::RandomId);
    }
    Ok(uid.iter().map(|b| format!("{b:02X}")).collect())
}

/// Card ids appear masked: the last four hex digits only (TOM TRANS-1).
pub fn masked(card: &str) -> String {
    let tail = card.get(card.len().saturating_sub(4)..).unwrap_or_default();
    format!("…{tail}")
}

/// The console line of an answered tap: the card as `label` shows it and what happened.
/// Never the person's first name, which the server sends for a display: the console is a
/// log, kept and copied (TOM AVAIL-3).
pub fn answered(label: &str, answer: &anwesend_protocol::TapResponse) -> String {
    let outcome = serde_json::to_value(answer.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    let late = if answer.late_upload { ", late upload" } else { "" };
    format!("card {label}: {outcome}{late}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_read_from_a_get_data_answer() {
        assert_eq!(uid_from_answer(&[0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x90, 0x00]), Ok("04A1B2C3D4E5F6".into()));
        assert_eq!(uid_from_answer(&[0xDE, 0xAD, 0xBE, 0xEF, 0x90, 0x00]), Ok("DEADBEEF".into()));
        assert_eq!(uid_from_answer(&[0x6A, 0x81]), Err(Refusal::NotAnswered(0x6A, 0x81)));
        assert_eq!(uid_from_answer(&[0x90, 0x00]), Err(Refusal::Malformed));
        assert_eq!(uid_from_answer(&[0x90]), Err(Refusal::Malformed));
        assert_eq!(uid_from_answer(&[0x01, 0x02, 0x03, 0x90, 0x00]), Err(Refusal::Malformed));
        assert_eq!(uid_from_answer(&[0x01; 13]), Err(Refusal::NotAnswered(1, 1)));
    }

    #[test]
    fn random_ids_are_refused_only_for_four_byte_uids() {
        assert_eq!(uid_from_answer(&[0x08, 0x12, 0x34, 0x56, 0x90, 0x00]), Err(Refusal::RandomId));
        // A 7-byte UID may start with 08 (manufacturer byte): a fixed id.
        assert_eq!(uid_from_answer(&[0x08, 0x12, 0x34, 0x56, 0x78, 0x9A, 0xBC, 0x90, 0x00]), Ok("08123456789ABC".into()));
    }

    #[test]
    fn trans_1_card_ids_are_masked_to_four_digits() {
        assert_eq!(masked("04A1B2C3D4E5F6"), "…E5F6");
        assert_eq!(masked("AB"), "…AB");
    }
}
