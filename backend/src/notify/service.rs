use std::collections::hash_map::{Entry, HashMap};

use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::model::{Attachment, Envelope, MailStatus, Message, OutboxRow};
use super::store;
use super::transport::Transport;
use crate::audit::{self, Action, AuditContext, Event, Outcome};
use crate::crypto::{normalize_email, TenantKeys};
use crate::db::{DbConnection, TenantScope, Tx};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenants::service::load_keys;

/// Queues `message` inside the caller's transaction: the mail exists exactly when the
/// change that causes it commits. `keys` are the tenant's (or the platform's) keys.
pub fn enqueue(
    conn: &mut DbConnection,
    keys: &TenantKeys,
    tenant_id: Option<&str>,
    purpose: &str,
    message: &Message,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    enqueue_with(conn, keys, tenant_id, purpose, message, Vec::new(), now)
}

/// `enqueue` with files attached (encrypted with the message).
pub fn enqueue_with(
    conn: &mut DbConnection,
    keys: &TenantKeys,
    tenant_id: Option<&str>,
    purpose: &str,
    message: &Message,
    attachments: Vec<Attachment>,
    now: NaiveDateTime,
) -> Result<String, AppError> {
    let id = Uuid::now_v7().to_string();
    let envelope = Envelope { message: message.clone(), attachments };
    let payload = serde_json::to_string(&envelope).map_err(|e| AppError::Internal(e.to_string()))?;
    store::insert(
        conn,
        &OutboxRow {
            payload_ciphertext: Some(keys.encrypt("mail_outbox", "payload", &id, &payload)),
            recipient_index: keys.blind_index("mail_outbox", "recipient", &normalize_email(&message.to)),
            id: id.clone(),
            sender_tenant_id: tenant_id.map(str::to_owned),
            purpose: purpose.to_owned(),
            status: MailStatus::Queued.code().to_owned(),
            attempts: 0,
            next_attempt_at: now,
            last_error: None,
            created_at: now,
            sent_at: None,
        },
    )?;
    Ok(id)
}

pub fn status(conn: &mut crate::db::DbConnection, id: &str) -> Result<Option<MailStatus>, AppError> {
    Ok(store::find(conn, id)?.map(|row| MailStatus::from_code(&row.status)))
}

/// 30 s, 1 min, 2 min … capped at 6 h.
fn backoff(attempts: i32) -> Duration {
    Duration::seconds(30 * 2i64.pow(attempts.clamp(1, 10) as u32 - 1)).min(Duration::hours(6))
}

/// Messages claimed at once.
const BATCH: usize = 50;

/// Sends every due message once, a batch at a time; returns how many went out. Blocking.
pub fn deliver_due(state: &AppState) -> Result<usize, AppError> {
    let transport = Transport::from_config(&state.config.mail, &state.config.data_dir).map_err(AppError::Config)?;
    let mut sent = 0;
    loop {
        let now = state.clock.now().naive_utc();
        // A message whose sender dies after the claim waits until the claim has passed.
        let due = state.db.platform_tx(|tx| Ok(store::claim_due(tx, now, BATCH as i64, now + Duration::minutes(10))?))?;
        let full = due.len() == BATCH;
        sent += deliver(state, &transport, now, due)?;
        if !full {
            return Ok(sent);
        }
    }
}

fn deliver(state: &AppState, transport: &Transport, now: NaiveDateTime, due: Vec<OutboxRow>) -> Result<usize, AppError> {
    let mut sent = 0;
    // Keys per sender tenant, unwrapped once per run.
    let mut keys: HashMap<Option<String>, TenantKeys> = HashMap::new();
    for row in due {
        let attempts = row.attempts + 1;
        let message = row
            .payload_ciphertext
            .as_deref()
            .ok_or(AppError::Internal("queued mail without payload".into()))
            .and_then(|c| {
                let keys = match keys.entry(row.sender_tenant_id.clone()) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(match &row.sender_tenant_id {
                        None => state.master.platform_keys(),
                        Some(id) => load_keys(&state.db, &state.master, &TenantScope::named_by_operator(id.as_str()))?,
                    }),
                };
                Ok(keys.decrypt("mail_outbox", "payload", &row.id, c)?)
            })
            .and_then(|json| serde_json::from_str::<Envelope>(&json).map_err(|e| AppError::Internal(e.to_string())));
        let result = match message {
            Ok(envelope) => transport.send(&state.config.mail.from, &row.id, &envelope.message, &envelope.attachments),
            // A payload that no longer decrypts (tenant key destroyed) will never send.
            Err(e) => Err(super::transport::SendError { message: format!("payload: {e}"), permanent: true, bounced: false }),
        };
        let give_up = match &result {
            Ok(()) => false,
            Err(e) => e.permanent || attempts >= state.config.mail.max_attempts as i32,
        };
        let ctx = AuditContext::system(state.clock.now());
        let record = |tx: &mut Tx<'_>| -> Result<(), AppError> {
            match &result {
                Ok(()) => {
                    store::mark_sent(tx, &row.id, now, attempts)?;
                    audit::record(tx, &ctx, Event::new(Action::MailSent, "mail", Some(&row.id)).detail("purpose", row.purpose.as_str()))?;
                }
                Err(e) => {
                    let status = match (give_up, e.bounced) {
                        (false, _) => MailStatus::Queued,
                        (true, true) => MailStatus::Bounced,
                        (true, false) => MailStatus::Failed,
                    };
                    store::mark_attempt_failed(tx, &row.id, attempts, now + backoff(attempts), &e.message, status)?;
                    if give_up {
                        audit::record(
                            tx,
                            &ctx,
                            Event::new(Action::MailFailed, "mail", Some(&row.id))
                                .outcome(Outcome::Failure)
                                .detail("purpose", row.purpose.as_str())
                                .detail("status", status.code()),
                        )?;
                    }
                }
            }
            Ok(())
        };
        let sender = row.sender_tenant_id.as_deref().map(TenantScope::named_by_operator);
        state.db.tx_in(sender.as_ref(), record)?;
        match result {
            Ok(()) => sent += 1,
            Err(e) => tracing::warn!(mail_id = %row.id, attempts, give_up, cause = %e.message, "mail not sent"),
        }
    }
    Ok(sent)
}
