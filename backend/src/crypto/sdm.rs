//! NTAG 424 DNA Secure Dynamic Messaging (SDM, "Secure Unique NFC"), as NXP AN12196
//! describes it: the card mirrors its UID and read counter encrypted into its NDEF URL
//! (`SDMMetaReadKey`, AES-128 CBC, zero IV) and appends a truncated AES-CMAC under a
//! session key derived per read from `SDMFileReadKey`. Only who holds the keys (the
//! server) can read or check it; a copied message carries an old counter.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::Aes128;
use cmac::{Cmac, Mac};

use super::CryptoError;

/// An AES-128 key of the card.
pub type CardKey = [u8; 16];

/// The PICC data tag of a message that mirrors a 7-byte UID and the read counter.
const TAG_UID_AND_COUNTER: u8 = 0xC7;
/// Session vector prefixes (AN12196 §3.3): SV1 for the encryption key, SV2 for the MAC key.
const SV1_PREFIX: [u8; 6] = [0xC3, 0x3C, 0x00, 0x01, 0x00, 0x80];
const SV2_PREFIX: [u8; 6] = [0x3C, 0xC3, 0x00, 0x01, 0x00, 0x80];

/// What the encrypted PICC data says: the card's UID and how often it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiccData {
    pub uid: [u8; 7],
    /// `SDMReadCtr`, 24 bits.
    pub counter: u32,
}

impl PiccData {
    /// The counter as the card stores it: 3 bytes, little-endian.
    pub fn counter_bytes(&self) -> [u8; 3] {
        let [a, b, c, _] = self.counter.to_le_bytes();
        [a, b, c]
    }
}

fn cmac(key: &CardKey, message: &[u8]) -> [u8; 16] {
    let mut mac = <Cmac<Aes128> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("AES-128 takes 16-byte keys"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

fn cbc_decrypt(key: &CardKey, iv: [u8; 16], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if data.is_empty() || !data.len().is_multiple_of(16) {
        return Err(CryptoError::Format);
    }
    let cipher = Aes128::new(key.into());
    let mut previous = iv;
    let mut out = Vec::with_capacity(data.len());
    for chunk in data.chunks_exact(16) {
        let mut block = aes::Block::clone_from_slice(chunk);
        cipher.decrypt_block(&mut block);
        out.extend(block.iter().zip(previous).map(|(b, p)| b ^ p));
        previous.copy_from_slice(chunk);
    }
    Ok(out)
}

/// AES-128 of one block (ECB), the primitive of the card's IVs and of the encryption the
/// card does.
pub fn encrypt_block(key: &CardKey, block: [u8; 16]) -> [u8; 16] {
    let mut block = aes::Block::from(block);
    Aes128::new(key.into()).encrypt_block(&mut block);
    block.into()
}

/// Decrypts the 16 bytes of PICC data with `SDMMetaReadKey`. A wrong key or a forged
/// message gives another tag (or garbage) and is refused.
pub fn decrypt_picc_data(meta_read_key: &CardKey, encrypted: &[u8]) -> Result<PiccData, CryptoError> {
    if encrypted.len() != 16 {
        return Err(CryptoError::Format);
    }
    let plain = cbc_decrypt(meta_read_key, [0; 16], encrypted)?;
    if plain[0] != TAG_UID_AND_COUNTER {
        return Err(CryptoError::Decrypt);
    }
    let mut uid = [0u8; 7];
    uid.copy_from_slice(&plain[1..8]);
    Ok(PiccData { uid, counter: u32::from_le_bytes([plain[8], plain[9], plain[10], 0]) })
}

fn session_vector(prefix: [u8; 6], picc: &PiccData) -> [u8; 16] {
    let mut sv = [0u8; 16];
    sv[..6].copy_from_slice(&prefix);
    sv[6..13].copy_from_slice(&picc.uid);
    sv[13..].copy_from_slice(&picc.counter_bytes());
    sv
}

/// `KSesSDMFileReadMAC = CMAC(SDMFileReadKey, SV2)`.
pub fn session_mac_key(file_read_key: &CardKey, picc: &PiccData) -> CardKey {
    cmac(file_read_key, &session_vector(SV2_PREFIX, picc))
}

/// `KSesSDMFileReadENC = CMAC(SDMFileReadKey, SV1)`.
pub fn session_enc_key(file_read_key: &CardKey, picc: &PiccData) -> CardKey {
    cmac(file_read_key, &session_vector(SV1_PREFIX, picc))
}

/// The full CMAC of `mac_input` under the session MAC key.
pub fn full_mac(file_read_key: &CardKey, picc: &PiccData, mac_input: &[u8]) -> [u8; 16] {
    cmac(&session_mac_key(file_read_key, picc), mac_input)
}

/// `SDMMAC`: the full CMAC truncated to its bytes 1, 3, …, 15 (counting from 0).
pub fn sdm_mac(file_read_key: &CardKey, picc: &PiccData, mac_input: &[u8]) -> [u8; 8] {
    let full = full_mac(file_read_key, picc, mac_input);
    std::array::from_fn(|i| full[2 * i + 1])
}

/// Checks a message's `SDMMAC` in constant time.
pub fn verify_sdm_mac(file_read_key: &CardKey, picc: &PiccData, mac_input: &[u8], mac: &[u8]) -> bool {
    super::constant_time_eq(&sdm_mac(file_read_key, picc, mac_input), mac)
}

/// Decrypts `SDMENCFileData`: AES-128 CBC under the session encryption key, IV =
/// AES-ECB(session key, counter || 13 zero bytes).
pub fn decrypt_file_data(file_read_key: &CardKey, picc: &PiccData, encrypted: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let key = session_enc_key(file_read_key, picc);
    let mut iv_input = [0u8; 16];
    iv_input[..3].copy_from_slice(&picc.counter_bytes());
    cbc_decrypt(&key, encrypt_block(&key, iv_input), encrypted)
}

/// A card's `SDMFileReadKey`, diversified from the tenant's master key by the card's UID
/// (AES-CMAC as the PRF, after NXP AN10922): `CMAC(master, 0x01 || UID || "anwesend-sdm")`.
/// A key read from one card opens no other card.
pub fn diversify(master: &CardKey, uid: &[u8; 7]) -> CardKey {
    let mut input = Vec::with_capacity(1 + 7 + 12);
    input.push(0x01);
    input.extend_from_slice(uid);
    input.extend_from_slice(b"anwesend-sdm");
    cmac(master, &input)
}
