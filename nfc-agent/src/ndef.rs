//! Secure cards (NTAG 424 DNA): the NDEF file read with ISO 7816-4 commands (NFC Forum
//! Type 4 Tag), and the URL in it that carries the card's Secure Unique NFC message. The
//! agent forwards the URL as it is; only the server has the keys to check it.

/// SELECT the NDEF application by its name (D2760000850101).
pub const SELECT_NDEF_APP: [u8; 13] = [0x00, 0xA4, 0x04, 0x00, 0x07, 0xD2, 0x76, 0x00, 0x00, 0x85, 0x01, 0x01, 0x00];
/// SELECT the NDEF file E104 by its file id, no answer data.
pub const SELECT_NDEF_FILE: [u8; 7] = [0x00, 0xA4, 0x00, 0x0C, 0x02, 0xE1, 0x04];
/// How much one READ BINARY asks for.
const CHUNK: u16 = 0x80;
/// The largest NDEF message read (the NTAG 424 DNA's NDEF file has 256 bytes).
const NDEF_MAX: u16 = 1024;

/// READ BINARY of `len` bytes at `offset` of the selected file.
pub fn read_binary(offset: u16, len: u8) -> [u8; 5] {
    let [hi, lo] = offset.to_be_bytes();
    [0x00, 0xB0, hi, lo, len]
}

/// The answer's data when its status is 90 00.
fn ok(answer: &[u8]) -> Option<&[u8]> {
    match answer.split_last_chunk::<2>() {
        Some((data, [0x90, 0x00])) => Some(data),
        _ => None,
    }
}

/// Reads the NDEF message over `transmit` (one command APDU in, the answer out). `None`:
/// the card has no NDEF application or file, as every card that is not a Type 4 Tag.
pub fn read_ndef(mut transmit: impl FnMut(&[u8]) -> Option<Vec<u8>>) -> Option<Vec<u8>> {
    ok(&transmit(&SELECT_NDEF_APP)?)?;
    ok(&transmit(&SELECT_NDEF_FILE)?)?;
    let head = transmit(&read_binary(0, 2))?;
    let length = match ok(&head)? {
        [hi, lo] => u16::from_be_bytes([*hi, *lo]),
        _ => return None,
    };
    if length > NDEF_MAX {
        return None;
    }
    let mut message = Vec::with_capacity(usize::from(length));
    while message.len() < usize::from(length) {
        let done = u16::try_from(message.len()).ok()?;
        let want = (length - done).min(CHUNK);
        let answer = transmit(&read_binary(2 + done, u8::try_from(want).ok()?))?;
        let data = ok(&answer)?;
        if data.is_empty() || data.len() > usize::from(want) {
            return None;
        }
        message.extend_from_slice(data);
    }
    Some(message)
}

/// URI identifier codes of the NFC Forum URI record type (the ones a card would use).
fn uri_prefix(code: u8) -> Option<&'static str> {
    Some(match code {
        0x00 => "",
        0x01 => "http://www.",
        0x02 => "https://www.",
        0x03 => "http://",
        0x04 => "https://",
        _ => return None,
    })
}

/// The URL of the message's first record if it is a well-known URI record ("U").
pub fn url_of(message: &[u8]) -> Option<String> {
    let (&header, rest) = message.split_first()?;
    let tnf = header & 0x07;
    let short = header & 0x10 != 0;
    let has_id = header & 0x08 != 0;
    let (&type_len, rest) = rest.split_first()?;
    let (payload_len, rest) = if short {
        let (&len, rest) = rest.split_first()?;
        (usize::from(len), rest)
    } else {
        let (len, rest) = rest.split_first_chunk::<4>()?;
        (usize::try_from(u32::from_be_bytes(*len)).ok()?, rest)
    };
    let (id_len, rest) = if has_id {
        let (&len, rest) = rest.split_first()?;
        (usize::from(len), rest)
    } else {
        (0, rest)
    };
    let (record_type, rest) = rest.split_at_checked(usize::from(type_len))?;
    let (_, rest) = rest.split_at_checked(id_len)?;
    let payload = rest.get(..payload_len)?;
    if tnf != 0x01 || record_type != b"U" {
        return None;
    }
    let (&code, uri) = payload.split_first()?;
    let uri = std::str::from_utf8(uri).ok()?;
    Some(format!("{}{uri}", uri_prefix(code)?))
}

/// The Secure Unique NFC message of a card, if it carries one: its NDEF URL, when the
/// URL's query holds `picc_data`.
pub fn sun_message(transmit: impl FnMut(&[u8]) -> Option<Vec<u8>>) -> Option<String> {
    read_ndef(transmit).and_then(|m| url_of(&m)).filter(|url| url.contains("picc_data="))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The NDEF message of one URI record with `url` after the `https://` prefix code, as a
    /// secure card's NDEF file holds it (a short record up to 255 bytes of payload).
    fn uri_message(url_after_https: &str) -> Vec<u8> {
        let payload = url_after_https.len() + 1;
        let mut message = match u8::try_from(payload) {
            Ok(short) => vec![0xD1, 0x01, short],
            Err(_) => [&[0xC1, 0x01][..], &u32::try_from(payload).expect("fits").to_be_bytes()].concat(),
        };
        message.extend_from_slice(&[b'U', 0x04]);
        message.extend_from_slice(url_after_https.as_bytes());
        message
    }

    const URL: &str = "anwesend.example/k?picc_data=EF963FF7828658A599F3041510671E88&cmac=94EED9EE65337086";

    /// A Type 4 Tag holding `message`, answering as a card does.
    fn card(message: Vec<u8>) -> impl FnMut(&[u8]) -> Option<Vec<u8>> {
        let mut file = u16::try_from(message.len()).expect("short").to_be_bytes().to_vec();
        file.extend(message);
        move |apdu: &[u8]| {
            Some(match apdu {
                a if a == SELECT_NDEF_APP || a == SELECT_NDEF_FILE => vec![0x90, 0x00],
                [0x00, 0xB0, hi, lo, le] => {
                    let at = usize::from(u16::from_be_bytes([*hi, *lo]));
                    let mut data = file.get(at..(at + usize::from(*le)).min(file.len())).unwrap_or_default().to_vec();
                    data.extend([0x90, 0x00]);
                    data
                }
                _ => vec![0x6D, 0x00],
            })
        }
    }

    #[test]
    fn trans_2_the_sun_url_is_read_from_the_ndef_file() {
        assert_eq!(sun_message(card(uri_message(URL))), Some(format!("https://{URL}")));
    }

    #[test]
    fn cards_without_a_sun_url_give_none() {
        // A plain card: no NDEF application.
        assert_eq!(sun_message(|_: &[u8]| Some(vec![0x6A, 0x82])), None);
        // A URL without the message, a text record, a truncated message.
        assert_eq!(sun_message(card(uri_message("example.org/"))), None);
        assert_eq!(sun_message(card(vec![0xD1, 0x01, 0x03, b'T', 0x02, b'd', b'e'])), None);
        let mut cut = uri_message(URL);
        cut.truncate(20);
        assert_eq!(url_of(&cut), None);
        // The reader loses the card mid-read.
        assert_eq!(sun_message(|_: &[u8]| None), None);
    }

    #[test]
    fn long_messages_are_read_in_chunks() {
        let long = format!("{URL}&pad={}", "x".repeat(200));
        let mut reads = 0;
        let mut inner = card(uri_message(&long));
        let url = sun_message(|apdu: &[u8]| {
            reads += usize::from(apdu[1] == 0xB0);
            inner(apdu)
        });
        assert_eq!(url, Some(format!("https://{long}")));
        assert!(reads >= 3, "{reads} reads");
    }
}
