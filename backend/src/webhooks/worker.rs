//! The webhook outbox worker: a thread that sends due deliveries every
//! `webhooks.poll_seconds`.

use std::time::Duration;

use crate::state::AppState;

pub fn spawn(state: AppState) -> std::io::Result<()> {
    let interval = Duration::from_secs(u64::from(state.config.webhooks.poll_seconds));
    std::thread::Builder::new().name("webhook-outbox".into()).spawn(move || loop {
        // A panic in one run must not end delivery for good.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| super::service::deliver_due(&state))) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(cause = %e, "webhook outbox run failed"),
            Err(_) => tracing::error!("webhook outbox run panicked"),
        }
        std::thread::sleep(interval);
    })?;
    Ok(())
}
