//! Provisioning an NTAG 424 DNA as a secure card (`anwesend-agent card provision`): the
//! card's native commands wrapped in ISO 7816-4 APDUs (CLA 90), AuthenticateEV2First with
//! the factory key, and EV2 secure messaging (CommMode.Full) for ChangeFileSettings and
//! ChangeKey, after NXP AN12196 (NTAG 424 DNA features and hints) and AN12343 (EV2
//! secure messaging). The unit tests replay the application notes' examples byte for byte.
//!
//! What a card gets: key 1 = `SDMFileReadKey` (this card's, diversified on the server),
//! key 2 = `SDMMetaReadKey` (the tenant's); the NDEF file (02, E104) holds the URL
//! `<server>/k?picc_data=<32 zeros>&cmac=<16 zeros>`, and its settings turn on Secure
//! Dynamic Messaging: UID and read counter encrypted with key 2 into the PICC data, the
//! SDMMAC with key 1 over an empty input, the file readable by anyone and writable and
//! changeable with key 0 only. Key 0 (the application master key) stays the factory
//! key: the server does not hand one out. Whoever holds the card can therefore change its
//! settings or keys and so break it, but never read keys 1 and 2 out, so no one can make
//! a message the server accepts.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes128;
use cmac::{Cmac, Mac};

/// An AES-128 key of the card.
pub type Key = [u8; 16];

/// The factory key of a blank card (all five keys).
pub const FACTORY_KEY: Key = [0; 16];
/// The key slot of `SDMFileReadKey` (also allowed to read the counter).
pub const KEY_FILE_READ: u8 = 1;
/// The key slot of `SDMMetaReadKey`.
pub const KEY_META_READ: u8 = 2;
/// The version written with each new key.
const KEY_VERSION: u8 = 1;
/// The NDEF file's number in the NDEF application.
const NDEF_FILE: u8 = 0x02;
/// The NDEF file's size on an NTAG 424 DNA.
const NDEF_FILE_SIZE: usize = 256;
/// How many bytes one ISOUpdateBinary writes (well under the card's frame size).
const WRITE_CHUNK: usize = 48;

const INS_AUTHENTICATE_EV2_FIRST: u8 = 0x71;
const INS_ADDITIONAL_FRAME: u8 = 0xAF;
const INS_CHANGE_KEY: u8 = 0xC4;
const INS_CHANGE_FILE_SETTINGS: u8 = 0x5F;

fn cmac(key: &Key, message: &[u8]) -> [u8; 16] {
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("AES-128 takes 16-byte keys"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `MACt`: the CMAC truncated to its bytes 1, 3, …, 15.
fn mac_t(key: &Key, message: &[u8]) -> [u8; 8] {
    let full = cmac(key, message);
    std::array::from_fn(|i| full[2 * i + 1])
}

fn ecb(key: &Key, block: [u8; 16]) -> [u8; 16] {
    let mut block = aes::Block::from(block);
    Aes128::new(key.into()).encrypt_block(&mut block);
    block.into()
}

fn cbc_encrypt(key: &Key, iv: [u8; 16], data: &[u8]) -> Vec<u8> {
    debug_assert!(data.len().is_multiple_of(16));
    let cipher = Aes128::new(key.into());
    let mut previous = iv;
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(16) {
        let mut block = aes::Block::default();
        for (b, (c, p)) in block.iter_mut().zip(chunk.iter().zip(previous)) {
            *b = c ^ p;
        }
        cipher.encrypt_block(&mut block);
        previous.copy_from_slice(&block);
        out.extend_from_slice(&block);
    }
    out
}

fn cbc_decrypt(key: &Key, iv: [u8; 16], data: &[u8]) -> Vec<u8> {
    let cipher = Aes128::new(key.into());
    let mut previous = iv;
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(16) {
        let mut block = aes::Block::clone_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        out.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    out
}

/// ISO/IEC 9797-1 padding method 2: 80, then zeros to the next full block (always added).
fn pad(data: &[u8]) -> Vec<u8> {
    let mut padded = data.to_vec();
    padded.push(0x80);
    while !padded.len().is_multiple_of(16) {
        padded.push(0);
    }
    padded
}

/// The card's CRC32 (IEEE 802.3 polynomial, reflected, preset FFFFFFFF, no final
/// complement), little-endian: ChangeKey's check of a new key.
fn crc32(data: &[u8]) -> [u8; 4] {
    let mut crc: u32 = 0xFFFF_FFFF;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    crc.to_le_bytes()
}

fn rotate_left(x: &[u8; 16]) -> [u8; 16] {
    std::array::from_fn(|i| x[(i + 1) % 16])
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A native command wrapped in an ISO 7816-4 APDU: `90 INS 00 00 Lc data 00`.
fn wrap(ins: u8, data: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x90, ins, 0x00, 0x00];
    if !data.is_empty() {
        apdu.push(u8::try_from(data.len()).unwrap_or_else(|_| unreachable!("native commands here are short")));
        apdu.extend_from_slice(data);
    }
    apdu.push(0x00);
    apdu
}

/// Why provisioning stopped. The card is left as far as it got; a card that is no longer
/// blank (keys changed) is refused by the card itself at the next attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The card left the reader (or the reader failed) mid-way.
    Lost,
    /// The card answered a step with an error status.
    Card { step: &'static str, sw1: u8, sw2: u8 },
    /// The card's proof of the key was wrong, or an answer's MAC did not verify.
    Integrity(&'static str),
    /// The URL does not fit a template.
    Template(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Lost => write!(f, "the card left the reader; put it back and try again"),
            Error::Card { step: "authenticate", sw1: 0x91, sw2: 0xAE } => {
                write!(f, "the card refuses the factory key: it is not a blank NTAG 424 DNA (set up already?)")
            }
            Error::Card { step: "change key", sw1: 0x91, sw2: 0x1E } => {
                write!(f, "the card refuses the key change: its keys are not the factory keys (set up already?)")
            }
            Error::Card { step: "writing the NDEF file", sw1: 0x69, sw2: 0x82 } => {
                write!(f, "the card's NDEF file is locked: the card was set up already")
            }
            Error::Card { step, sw1, sw2 } => write!(f, "the card refused {step} (status {sw1:02X}{sw2:02X}); is it an NTAG 424 DNA?"),
            Error::Integrity(what) => write!(f, "{what}"),
            Error::Template(why) => write!(f, "{why}"),
        }
    }
}

/// Sends one APDU; `Err(Lost)` when there is no answer.
fn send(transmit: &mut impl FnMut(&[u8]) -> Option<Vec<u8>>, apdu: &[u8]) -> Result<Vec<u8>, Error> {
    match transmit(apdu) {
        Some(answer) if answer.len() >= 2 => Ok(answer),
        _ => Err(Error::Lost),
    }
}

/// The answer's data if its status is `expected`.
fn expect(answer: Vec<u8>, expected: [u8; 2], step: &'static str) -> Result<Vec<u8>, Error> {
    let mut data = answer;
    let status = data.split_off(data.len() - 2);
    if status == expected {
        Ok(data)
    } else {
        Err(Error::Card { step, sw1: status[0], sw2: status[1] })
    }
}

/// An authenticated EV2 session: transaction id, command counter and the two session keys.
pub struct Session {
    key_no: u8,
    ti: [u8; 4],
    counter: u16,
    enc: Key,
    mac: Key,
}

/// SV1 / SV2 of AN12196 §4.4 (32 bytes): prefix, RndA[15..14], RndA[13..8] ⊕ RndB[15..10],
/// RndB[9..0], RndA[7..0] (byte 15 first).
fn session_vector(prefix: [u8; 2], rnd_a: &[u8; 16], rnd_b: &[u8; 16]) -> [u8; 32] {
    let mut sv = [0u8; 32];
    sv[..6].copy_from_slice(&[prefix[0], prefix[1], 0x00, 0x01, 0x00, 0x80]);
    sv[6..8].copy_from_slice(&rnd_a[..2]);
    for i in 0..6 {
        sv[8 + i] = rnd_a[2 + i] ^ rnd_b[i];
    }
    sv[14..24].copy_from_slice(&rnd_b[6..]);
    sv[24..].copy_from_slice(&rnd_a[8..]);
    sv
}

impl Session {
    /// The session after an AuthenticateEV2First with `key` and the two random numbers.
    pub fn new(key_no: u8, key: &Key, ti: [u8; 4], rnd_a: &[u8; 16], rnd_b: &[u8; 16]) -> Session {
        Session {
            key_no,
            ti,
            counter: 0,
            enc: cmac(key, &session_vector([0xA5, 0x5A], rnd_a, rnd_b)),
            mac: cmac(key, &session_vector([0x5A, 0xA5], rnd_a, rnd_b)),
        }
    }

    /// The IV of a command (`A5 5A`) or a response (`5A A5`): E(KSesAuthENC, prefix ‖ TI ‖
    /// CmdCtr ‖ 8 zero bytes).
    fn iv(&self, prefix: [u8; 2]) -> [u8; 16] {
        let mut input = [0u8; 16];
        input[..2].copy_from_slice(&prefix);
        input[2..6].copy_from_slice(&self.ti);
        input[6..8].copy_from_slice(&self.counter.to_le_bytes());
        ecb(&self.enc, input)
    }

    /// A command in CommMode.Full: the data padded and encrypted, then `MACt(KSesAuthMAC,
    /// Cmd ‖ CmdCtr ‖ TI ‖ CmdHeader ‖ E(data))` appended.
    pub fn full_command(&self, ins: u8, header: &[u8], data: &[u8]) -> Vec<u8> {
        let encrypted = cbc_encrypt(&self.enc, self.iv([0xA5, 0x5A]), &pad(data));
        let mut input = vec![ins];
        input.extend_from_slice(&self.counter.to_le_bytes());
        input.extend_from_slice(&self.ti);
        input.extend_from_slice(header);
        input.extend_from_slice(&encrypted);
        let mut body = header.to_vec();
        body.extend_from_slice(&encrypted);
        body.extend_from_slice(&mac_t(&self.mac, &input));
        wrap(ins, &body)
    }

    /// Checks an answer to a Full or MAC command (`91 00` and `MACt(KSesAuthMAC, 00 ‖
    /// CmdCtr+1 ‖ TI)`, no response data here) and counts the command.
    fn check_answer(&mut self, answer: Vec<u8>, step: &'static str) -> Result<(), Error> {
        let data = expect(answer, [0x91, 0x00], step)?;
        self.counter = self.counter.wrapping_add(1);
        let mut input = vec![0x00];
        input.extend_from_slice(&self.counter.to_le_bytes());
        input.extend_from_slice(&self.ti);
        if data.len() != 8 || !constant_time_eq(&data, &mac_t(&self.mac, &input)) {
            return Err(Error::Integrity("the card's answer carries a wrong MAC; provisioning stopped"));
        }
        Ok(())
    }

    /// ChangeKey of `key_no`: another key than the session's gets `(new ⊕ old) ‖ version ‖
    /// CRC32(new)`, the session's own key `new ‖ version`.
    pub fn change_key_command(&self, key_no: u8, new: &Key, old: &Key, version: u8) -> Vec<u8> {
        let mut data = Vec::with_capacity(21);
        if key_no == self.key_no {
            data.extend_from_slice(new);
            data.push(version);
        } else {
            data.extend(new.iter().zip(old).map(|(n, o)| n ^ o));
            data.push(version);
            data.extend_from_slice(&crc32(new));
        }
        self.full_command(INS_CHANGE_KEY, &[key_no], &data)
    }

    /// ChangeKey of a key other than the session's (the card answers with a MAC).
    pub fn change_key(
        &mut self,
        transmit: &mut impl FnMut(&[u8]) -> Option<Vec<u8>>,
        key_no: u8,
        new: &Key,
        old: &Key,
    ) -> Result<(), Error> {
        let apdu = self.change_key_command(key_no, new, old, KEY_VERSION);
        let answer = send(transmit, &apdu)?;
        self.check_answer(answer, "change key")
    }

    pub fn change_file_settings(
        &mut self,
        transmit: &mut impl FnMut(&[u8]) -> Option<Vec<u8>>,
        file_no: u8,
        settings: &[u8],
    ) -> Result<(), Error> {
        let apdu = self.full_command(INS_CHANGE_FILE_SETTINGS, &[file_no], settings);
        let answer = send(transmit, &apdu)?;
        self.check_answer(answer, "change file settings")
    }
}

/// AuthenticateEV2First with `key` in slot `key_no` and our random `rnd_a`. The card
/// proves that it holds the key by returning RndA rotated; a card that does not is refused.
pub fn authenticate_ev2_first(
    transmit: &mut impl FnMut(&[u8]) -> Option<Vec<u8>>,
    key_no: u8,
    key: &Key,
    rnd_a: &[u8; 16],
) -> Result<Session, Error> {
    let answer = send(transmit, &wrap(INS_AUTHENTICATE_EV2_FIRST, &[key_no, 0x00]))?;
    let encrypted_b = expect(answer, [0x91, 0xAF], "authenticate")?;
    let rnd_b: [u8; 16] =
        cbc_decrypt(key, [0; 16], &encrypted_b).try_into().map_err(|_| Error::Integrity("the card's challenge is not 16 bytes"))?;
    let mut both = rnd_a.to_vec();
    both.extend_from_slice(&rotate_left(&rnd_b));
    let answer = send(transmit, &wrap(INS_ADDITIONAL_FRAME, &cbc_encrypt(key, [0; 16], &both)))?;
    let proof = expect(answer, [0x91, 0x00], "authenticate")?;
    if proof.len() != 32 {
        return Err(Error::Integrity("the card's answer to the authentication is not 32 bytes"));
    }
    let plain = cbc_decrypt(key, [0; 16], &proof);
    if !constant_time_eq(&plain[4..20], &rotate_left(rnd_a)) {
        return Err(Error::Integrity("the card did not prove that it holds the key; provisioning stopped"));
    }
    let ti = [plain[0], plain[1], plain[2], plain[3]];
    Ok(Session::new(key_no, key, ti, rnd_a, &rnd_b))
}

/// The NDEF file to write and where the card mirrors its message into it (offsets in the
/// file, its 2-byte length included, as ChangeFileSettings counts them).
#[derive(Debug, PartialEq, Eq)]
pub struct Template {
    pub file: Vec<u8>,
    pub picc_data_offset: u32,
    pub mac_offset: u32,
}

/// The template for `base` (`https://host/path` or `http://…`): one URI record with
/// `base?picc_data=<32 zeros>&cmac=<16 zeros>`.
pub fn template(base: &str) -> Result<Template, Error> {
    let (code, rest) = if let Some(rest) = base.strip_prefix("https://") {
        (0x04, rest)
    } else if let Some(rest) = base.strip_prefix("http://") {
        (0x03, rest)
    } else {
        return Err(Error::Template(format!("the card's URL must start with https:// or http://, not {base:?}")));
    };
    if !rest.is_ascii() || rest.contains(['?', '#', ' ']) {
        return Err(Error::Template("the card's URL must be plain ASCII without a query".into()));
    }
    let url = format!("{rest}?picc_data={}&cmac={}", "0".repeat(32), "0".repeat(16));
    let record_head = 5; // D1 01 <payload length> 'U' <prefix code>
    if 2 + record_head + url.len() > NDEF_FILE_SIZE {
        return Err(Error::Template(format!("the card's URL is too long for its {NDEF_FILE_SIZE}-byte NDEF file")));
    }
    let payload = u8::try_from(url.len() + 1).map_err(|_| Error::Template("the card's URL is too long".into()))?;
    let mut record = vec![0xD1, 0x01, payload, b'U', code];
    record.extend_from_slice(url.as_bytes());
    let mut file = u16::try_from(record.len()).unwrap_or_else(|_| unreachable!("checked above")).to_be_bytes().to_vec();
    file.extend_from_slice(&record);
    let at = |marker: &str| {
        let found = url.find(marker).unwrap_or_else(|| unreachable!("the marker was just written"));
        u32::try_from(2 + record_head + found + marker.len()).unwrap_or_else(|_| unreachable!("a short file"))
    };
    Ok(Template { picc_data_offset: at("?picc_data="), mac_offset: at("&cmac="), file })
}

/// ChangeFileSettings data for the NDEF file with SDM on: FileOption 40 (SDM, plain
/// communication), access rights 00 E0 (read free; write, read-write and change with key
/// 0), SDMOptions C1 (UID and read counter mirrored, ASCII), SDM access rights F1 21
/// (counter retrieval key 1, `SDMMetaReadKey` key 2, `SDMFileReadKey` key 1), then the
/// PICC data offset, the MAC input offset (= the MAC offset: an empty MAC input, as the
/// server checks it) and the MAC offset, 3 bytes little-endian each.
pub fn sdm_file_settings(picc_data_offset: u32, mac_offset: u32) -> Vec<u8> {
    let mut data = vec![0x40, 0x00, 0xE0, 0xC1, 0xF1, (KEY_META_READ << 4) | KEY_FILE_READ];
    for offset in [picc_data_offset, mac_offset, mac_offset] {
        data.extend_from_slice(&offset.to_le_bytes()[..3]);
    }
    data
}

/// SELECT of the NDEF application by its name, and of its NDEF file (E104).
const SELECT_NDEF_APP: [u8; 13] = crate::ndef::SELECT_NDEF_APP;
const SELECT_NDEF_FILE: [u8; 7] = crate::ndef::SELECT_NDEF_FILE;

/// Writes `data` at `offset` of the selected file with ISOUpdateBinary (`00 D6`).
fn update_binary(transmit: &mut impl FnMut(&[u8]) -> Option<Vec<u8>>, offset: usize, data: &[u8]) -> Result<(), Error> {
    for (n, chunk) in data.chunks(WRITE_CHUNK).enumerate() {
        let at = u16::try_from(offset + n * WRITE_CHUNK).unwrap_or_else(|_| unreachable!("a short file"));
        let mut apdu = vec![0x00, 0xD6];
        apdu.extend_from_slice(&at.to_be_bytes());
        apdu.push(u8::try_from(chunk.len()).unwrap_or_else(|_| unreachable!("short chunks")));
        apdu.extend_from_slice(chunk);
        expect(send(transmit, &apdu)?, [0x90, 0x00], "writing the NDEF file")?;
    }
    Ok(())
}

/// The keys a card is given, as the server hands them out for that one card.
pub struct CardKeys {
    pub meta_read: Key,
    pub file_read: Key,
}

/// Turns the blank NTAG 424 DNA behind `transmit` into a secure card: writes the NDEF
/// template (the file is writable by anyone while blank), authenticates with the factory
/// key 0, turns SDM on with the template's offsets (write access to key 0 from then on),
/// and sets keys 1 and 2. `rnd_a` is the random number of the authentication.
pub fn provision(mut transmit: impl FnMut(&[u8]) -> Option<Vec<u8>>, keys: &CardKeys, url: &str, rnd_a: &[u8; 16]) -> Result<(), Error> {
    let template = template(url)?;
    let transmit = &mut transmit;
    expect(send(transmit, &SELECT_NDEF_APP)?, [0x90, 0x00], "selecting the NDEF application")?;
    expect(send(transmit, &SELECT_NDEF_FILE)?, [0x90, 0x00], "selecting the NDEF file")?;
    // The message first, its length last: a card pulled away mid-write holds no half URL.
    update_binary(transmit, 0, &[0, 0])?;
    update_binary(transmit, 2, &template.file[2..])?;
    update_binary(transmit, 0, &template.file[..2])?;
    let mut session = authenticate_ev2_first(transmit, 0, &FACTORY_KEY, rnd_a)?;
    session.change_file_settings(transmit, NDEF_FILE, &sdm_file_settings(template.picc_data_offset, template.mac_offset))?;
    session.change_key(transmit, KEY_FILE_READ, &keys.file_read, &FACTORY_KEY)?;
    session.change_key(transmit, KEY_META_READ, &keys.meta_read, &FACTORY_KEY)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
    }

    fn k(s: &str) -> Key {
        h(s).try_into().expect("16 bytes")
    }

    fn session(key_no: u8, ti: &str, counter: u16, enc: &str, mac: &str) -> Session {
        Session { key_no, ti: h(ti).try_into().expect("4"), counter, enc: k(enc), mac: k(mac) }
    }

    /// A card that answers each expected APDU with the recorded answer, in order.
    fn script(exchanges: Vec<(Vec<u8>, Vec<u8>)>) -> impl FnMut(&[u8]) -> Option<Vec<u8>> {
        let mut exchanges = exchanges.into_iter();
        move |apdu: &[u8]| {
            let (expected, answer) = exchanges.next().expect("no more APDUs expected");
            assert_eq!(apdu, expected.as_slice(), "APDU");
            Some(answer)
        }
    }

    /// AN12196 table 14 (AuthenticateEV2First with key 0x00, the factory key).
    #[test]
    fn trans_2_an12196_authenticate_ev2_first() {
        let mut card = script(vec![
            (h("9071000002000000"), h("A04C124213C186F22399D33AC2A3021591AF")),
            (
                h("90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00"),
                h("3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206639100"),
            ),
        ]);
        let s = authenticate_ev2_first(&mut card, 0, &FACTORY_KEY, &k("13C5DB8A5930439FC3DEF9A4C675360F")).expect("authenticated");
        assert_eq!(s.ti.to_vec(), h("9D00C4DF"));
        assert_eq!(s.counter, 0);
        assert_eq!(s.enc, k("1309C877509E5A215007FF0ED19CA564"));
        assert_eq!(s.mac, k("4C6626F5E72EA694202139295C7A7FC7"));
    }

    /// A card that does not return our RndA (it does not hold the key) opens no session.
    #[test]
    fn trans_2_a_card_without_the_key_is_refused() {
        let mut card = script(vec![
            (h("9071000002000000"), h("A04C124213C186F22399D33AC2A3021591AF")),
            (
                h("90AF00002035C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D00"),
                h("3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F081206649100"),
            ),
        ]);
        let refused = authenticate_ev2_first(&mut card, 0, &FACTORY_KEY, &k("13C5DB8A5930439FC3DEF9A4C675360F"));
        assert!(matches!(refused, Err(Error::Integrity(_))));
        let mut provisioned = script(vec![(h("9071000002000000"), h("91AE"))]);
        let refused = authenticate_ev2_first(&mut provisioned, 0, &FACTORY_KEY, &[7; 16]).err().expect("refused");
        assert!(refused.to_string().contains("not a blank NTAG 424 DNA"), "{refused}");
    }

    /// AN12196 table 20: the session keys of an authentication with RndA, RndB.
    #[test]
    fn trans_2_an12196_session_keys() {
        let s = Session::new(3, &FACTORY_KEY, [0; 4], &k("B98F4C50CF1C2E084FD150E33992B048"), &k("91517975190DCEA6104948EFA3085C1B"));
        assert_eq!(s.enc, k("7A93D6571E4B180FCA6AC90C9A7488D4"));
        assert_eq!(s.mac, k("FC4AF159B62E549B5812394CAB1918CC"));
    }

    /// AN12196 table 19: ChangeFileSettings of the NDEF file with SDM (CommMode.Full), and
    /// the MAC of the card's answer.
    #[test]
    fn trans_2_an12196_change_file_settings() {
        let settings = sdm_file_settings(0x20, 0x43);
        assert_eq!(settings, h("4000E0C1F121200000430000430000"));
        let mut s = session(0, "9D00C4DF", 1, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7");
        let mut card = script(vec![(h("905F0000190261B6D97903566E84C3AE5274467E89EAD799B7C1A0EF7A0400"), h("57BFF87B1241E93D9100"))]);
        s.change_file_settings(&mut card, 2, &settings).expect("the card's MAC verifies");
        assert_eq!(s.counter, 2);
        // The same answer with one bit changed is refused.
        let mut s = session(0, "9D00C4DF", 1, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7");
        let mut card = script(vec![(h("905F0000190261B6D97903566E84C3AE5274467E89EAD799B7C1A0EF7A0400"), h("57BFF87B1241E93C9100"))]);
        assert!(matches!(s.change_file_settings(&mut card, 2, &settings), Err(Error::Integrity(_))));
    }

    /// AN12196 tables 26 and 27: ChangeKey of another key (XOR with the old key and CRC32
    /// of the new one) and of the session's own key.
    #[test]
    fn trans_2_an12196_change_key() {
        let enc = "4CF3CB41A22583A61E89B158D252FC53";
        let mac = "5529860B2FC5FB6154B7F28361D30BF9";
        let mut s = session(0, "7614281A", 2, enc, mac);
        let mut card = script(vec![(
            h("90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600"),
            h("203BB55D1089D5879100"),
        )]);
        s.change_key(&mut card, 2, &k("F3847D627727ED3BC9C4CC050489B966"), &FACTORY_KEY).expect("changed");
        assert_eq!(s.counter, 3);
        assert_eq!(
            s.change_key_command(0, &k("5004BF991F408672B1EF00F08F9E8647"), &FACTORY_KEY, 1),
            h("90C400002900C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FDA6610234BDED643200")
        );
    }

    /// The offsets count from the start of the NDEF file, its length bytes included, and
    /// land on the placeholders (as AN12196's example: PICC data at 0x20, MAC at 0x43 for
    /// `https://choose.url.com/ntag424?e=…&c=…`).
    #[test]
    fn trans_2_the_template_offsets_land_on_the_placeholders() {
        let t = template("https://anwesend.example/k").expect("template");
        let p = usize::try_from(t.picc_data_offset).expect("usize");
        let m = usize::try_from(t.mac_offset).expect("usize");
        assert_eq!(&t.file[p - 11..p], b"?picc_data=");
        assert_eq!(&t.file[p..p + 32], "0".repeat(32).as_bytes());
        assert_eq!(&t.file[m - 6..m], b"&cmac=");
        assert_eq!(&t.file[m..m + 16], "0".repeat(16).as_bytes());
        assert_eq!(usize::from(u16::from_be_bytes([t.file[0], t.file[1]])), t.file.len() - 2);
        assert_eq!(
            crate::ndef::url_of(&t.file[2..]).as_deref(),
            Some(&*format!("https://anwesend.example/k?picc_data={}&cmac={}", "0".repeat(32), "0".repeat(16)))
        );
        assert_eq!(template("http://127.0.0.1:8080/k").expect("dev").file[6], 0x03);
        assert!(template("ftp://x").is_err());
        assert!(template(&format!("https://{}", "x".repeat(200))).is_err());
    }

    #[test]
    fn crc32_is_the_cards() {
        // The reflected IEEE CRC of "123456789" (CBF43926) without its final complement;
        // the AN12196 ChangeKey example above carries it for its new key.
        assert_eq!(u32::from_le_bytes(crc32(b"123456789")), !0xCBF4_3926);
    }
}
