//! The outbox worker: a thread that delivers due mail every `mail.poll_seconds`, and at
//! once when a service has queued something (`wake`).

use std::sync::Arc;
use std::time::Duration;

use crate::runtime::Wakeup;
use crate::state::AppState;

pub fn spawn(state: AppState) -> std::io::Result<()> {
    let wakeup: Arc<Wakeup> = state.mail_wakeup.clone();
    let interval = Duration::from_secs(u64::from(state.config.mail.poll_seconds));
    std::thread::Builder::new().name("mail-outbox".into()).spawn(move || loop {
        // A panic in one run must not end delivery for good.
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| super::deliver_due(&state))) {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(cause = %e, "mail outbox run failed"),
            Err(_) => tracing::error!("mail outbox run panicked"),
        }
        wakeup.wait(interval);
    })?;
    Ok(())
}
