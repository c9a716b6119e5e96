//! The live kiosk feed: accepted taps are broadcast in memory to the open kiosk streams
//! of their tenant. Nothing is stored; a kiosk that was offline simply misses them.

use tokio::sync::broadcast;

use super::model::KioskEvent;

pub struct KioskFeed {
    sender: broadcast::Sender<KioskEvent>,
}

impl Default for KioskFeed {
    fn default() -> Self {
        Self { sender: broadcast::channel(1024).0 }
    }
}

impl KioskFeed {
    pub fn publish(&self, event: KioskEvent) {
        // No open kiosk: nobody to tell.
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<KioskEvent> {
        self.sender.subscribe()
    }
}
