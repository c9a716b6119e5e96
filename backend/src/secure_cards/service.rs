//! The tenant's card keys, the check of a tap's Secure Unique NFC message, and the keys
//! handed out for provisioning one card.
//!
//! Keys: `SDMMetaReadKey` is one random AES-128 key per tenant (it only has to hide the
//! UID from other readers); each card's `SDMFileReadKey` is diversified from a random
//! tenant master by the card's UID (`crypto::sdm::diversify`), so the key read out of one
//! card forges no other. Both are stored encrypted with the tenant's data key and die
//! with it (TOM DEL-4).

use zeroize::Zeroizing;

use super::model::*;
use super::store;
use crate::audit::{self, Action, Event};
use crate::auth::service::Principal;
use crate::crypto::sdm::{self, CardKey};
use crate::crypto::{random_bytes, TenantKeys};
use crate::db::{TenantScope, TenantTx};
use crate::devices::signed::DeviceRequest;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service::keys;

const TABLE: &str = "secure_card_settings";
/// The longest URL a tap may carry (an NDEF file of an NTAG 424 DNA holds 256 bytes).
const SUN_MAX: usize = 512;

struct TenantCardKeys {
    meta_read: Zeroizing<CardKey>,
    file_read_master: Zeroizing<CardKey>,
}

fn open_key(keys: &TenantKeys, column: &str, ciphertext: &[u8]) -> Result<Zeroizing<CardKey>, AppError> {
    let text = keys.decrypt(TABLE, column, keys.tenant_id(), ciphertext)?;
    let bytes = Zeroizing::new(hex::decode(text.as_bytes()).map_err(|_| AppError::Internal("stored card key is not hex".into()))?);
    Ok(Zeroizing::new(CardKey::try_from(bytes.as_slice()).map_err(|_| AppError::Internal("stored card key is not 16 bytes".into()))?))
}

fn open_card_keys(keys: &TenantKeys, row: &SettingsRow) -> Result<TenantCardKeys, AppError> {
    Ok(TenantCardKeys {
        meta_read: open_key(keys, "meta_read_key", &row.meta_read_key_ciphertext)?,
        file_read_master: open_key(keys, "file_read_master", &row.file_read_master_ciphertext)?,
    })
}

fn tenant_card_keys(tx: &mut TenantTx<'_>, keys: &TenantKeys) -> Result<Option<TenantCardKeys>, AppError> {
    store::settings(tx)?.map(|row| open_card_keys(keys, &row)).transpose()
}

/// A Secure Unique NFC message as the card writes it into its NDEF URL:
/// `…?picc_data=<32 hex>&cmac=<16 hex>`, or with encrypted file data
/// `…?picc_data=…&enc=<hex>&cmac=…`, where the MAC covers the URL from the start of
/// `enc`'s value up to and including `&cmac=` (NXP AN12196's layout; without `enc` the
/// MAC covers nothing but its session key, which holds UID and counter).
pub struct SunMessage {
    picc_data: Vec<u8>,
    mac: Vec<u8>,
    mac_input: Vec<u8>,
}

fn hex_of(value: &str, lengths: impl Fn(usize) -> bool) -> Option<Vec<u8>> {
    hex::decode(value).ok().filter(|b| lengths(b.len()))
}

/// Reads the message out of the URL; anything else is refused as `invalid_field`.
pub fn parse_sun(url: &str) -> Result<SunMessage, AppError> {
    let invalid = || AppError::invalid("sun", "must be a secure card's URL with picc_data and cmac in its query");
    if url.len() > SUN_MAX || !url.is_ascii() {
        return Err(invalid());
    }
    let (path, query) = url.split_once('?').ok_or_else(invalid)?;
    let (mut picc_data, mut enc_at, mut mac) = (None, None, None);
    let mut at = path.len() + 1;
    for part in query.split('&') {
        let (name, value) = part.split_once('=').unwrap_or((part, ""));
        let value_at = at + name.len() + 1;
        let twice = match name {
            "picc_data" => picc_data.replace(hex_of(value, |n| n == 16).ok_or_else(invalid)?).is_some(),
            "enc" => {
                hex_of(value, |n| n > 0 && n % 16 == 0).ok_or_else(invalid)?;
                enc_at.replace(value_at).is_some()
            }
            "cmac" => mac.replace((hex_of(value, |n| n == 8).ok_or_else(invalid)?, value_at)).is_some(),
            _ => false,
        };
        if twice {
            return Err(invalid());
        }
        at += part.len() + 1;
    }
    let (Some(picc_data), Some((mac, mac_at))) = (picc_data, mac) else { return Err(invalid()) };
    let mac_input = match enc_at {
        Some(start) if start < mac_at => url.as_bytes()[start..mac_at].to_vec(),
        Some(_) => return Err(invalid()),
        None => Vec::new(),
    };
    Ok(SunMessage { picc_data, mac, mac_input })
}

/// What a tap presents, once checked.
pub struct Checked {
    /// The card's read counter from a genuine message; `None`: the UID alone.
    pub counter: Option<i64>,
    /// The tenant refuses taps by UID alone.
    pub required: bool,
}

/// Checks a tap in its read: the message must decrypt under the tenant's key to this
/// card's UID and carry its MAC (compared in constant time). `Ok(Err(code))`: refused.
/// Whether the counter is new is decided where it is stored (`attendance::store::advance_counter`).
pub fn check(
    settings: Option<&SettingsRow>,
    keys: &TenantKeys,
    uid: &str,
    sun: Option<&SunMessage>,
) -> Result<Result<Checked, ProblemCode>, AppError> {
    let required = settings.is_some_and(|s| s.required);
    let Some(sun) = sun else { return Ok(Ok(Checked { counter: None, required })) };
    let Some(tenant) = settings.map(|row| open_card_keys(keys, row)).transpose()? else { return Ok(Err(ProblemCode::SecureCardInvalid)) };
    let Ok(picc) = sdm::decrypt_picc_data(&tenant.meta_read, &sun.picc_data) else { return Ok(Err(ProblemCode::SecureCardInvalid)) };
    if !crate::crypto::constant_time_eq(hex::encode_upper(picc.uid).as_bytes(), uid.as_bytes()) {
        return Ok(Err(ProblemCode::SecureCardInvalid));
    }
    let file_read_key = Zeroizing::new(sdm::diversify(&tenant.file_read_master, &picc.uid));
    if !sdm::verify_sdm_mac(&file_read_key, &picc, &sun.mac_input, &sun.mac) {
        return Ok(Err(ProblemCode::SecureCardInvalid));
    }
    Ok(Ok(Checked { counter: Some(i64::from(picc.counter)), required }))
}

/// What each refusal means, for the answer.
pub fn refusal(code: ProblemCode) -> AppError {
    let message = match code {
        ProblemCode::SecureCardReplayed => "this secure card message was seen before: a copy of an earlier tap",
        ProblemCode::SecureCardRequired => "this card must be read as a secure card; its UID alone is not accepted",
        _ => "this secure card message does not verify with the tenant's keys",
    };
    AppError::rule(code, message)
}

pub fn settings(state: &AppState, scope: &TenantScope) -> Result<SecureCardSettings, AppError> {
    state.db.tenant_read(scope, |tx| {
        let row = store::settings(tx)?;
        Ok(SecureCardSettings { enabled: row.is_some(), required: row.is_some_and(|r| r.required) })
    })
}

/// Turns secure cards on (the tenant's card keys are made at the first save) and sets
/// whether UID-only taps are refused; audited.
pub fn set_settings(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    input: &SecureCardSettingsChange,
) -> Result<SecureCardSettings, AppError> {
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let created = if store::settings(tx)?.is_some() {
            store::set_required(tx, input.required, now)?;
            false
        } else {
            let keys = keys(tx, &state.master)?;
            let tenant = scope.tenant_id();
            let meta = keys.encrypt(TABLE, "meta_read_key", tenant, &hex::encode(Zeroizing::new(random_bytes(16)).as_slice()));
            let master = keys.encrypt(TABLE, "file_read_master", tenant, &hex::encode(Zeroizing::new(random_bytes(16)).as_slice()));
            store::insert(tx, &store::new_row(tenant, input.required, meta, master, now))?;
            true
        };
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SecureCardSettingsChanged, "tenant", Some(scope.tenant_id()))
                .detail("required", input.required)
                .detail("keys_created", created),
        )?;
        Ok(SecureCardSettings { enabled: true, required: input.required })
    })
}

/// The keys for the one card on the device's reader, for `anwesend-agent card provision`.
/// Only while an admin has the device in "enrol card" mode (the card is then bound to
/// that person by its first tap); audited with the person.
pub fn card_keys(state: &AppState, req: &DeviceRequest, input: &CardKeysRequest) -> Result<CardKeys, AppError> {
    let uid: [u8; 7] = hex::decode(&input.card_id)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| AppError::invalid("card_id", "must be the 7-byte UID of an NTAG 424 DNA, hex"))?;
    let now = req.audit.at.naive_utc();
    req.write(state, |tx| {
        let pending = crate::devices::store::card_enrolment(tx, &req.device.id)?
            .filter(|c| c.expires_at > now)
            .ok_or_else(|| AppError::rule(ProblemCode::NoEnrolment, "start \"enrol card\" for this device first"))?;
        let tenant = tenant_card_keys(tx, &req.keys)?
            .ok_or_else(|| AppError::rule(ProblemCode::SecureCardsOff, "this tenant has not turned on secure cards"))?;
        let file_read_key = Zeroizing::new(sdm::diversify(&tenant.file_read_master, &uid));
        audit::record(
            tx,
            &req.audit,
            Event::new(Action::SecureCardKeysIssued, "device", Some(&req.device.id)).subject(&pending.participant_id, None),
        )?;
        Ok(CardKeys { meta_read_key: hex::encode(tenant.meta_read.as_slice()), file_read_key: hex::encode(file_read_key.as_slice()) })
    })
}
