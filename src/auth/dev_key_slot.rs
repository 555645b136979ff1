//! The development key as an instance holds it: known at start when the database or the data directory has
//! one, or filled in the background on a fresh data directory, so start-up never waits for RSA key generation.

use std::sync::Arc;

use tokio::sync::{watch, Notify};

use super::dev_key::DevKey;

type Slot = Option<Result<Arc<DevKey>, String>>;

/// A development key that is ready or will be; cheap to clone.
#[derive(Debug, Clone)]
pub struct DevKeySlot {
    receiver: watch::Receiver<Slot>,
    demand: Arc<Notify>,
}

/// The side that fills a pending slot, once.
#[derive(Debug)]
pub struct DevKeyFiller {
    sender: watch::Sender<Slot>,
    demand: Arc<Notify>,
}

impl DevKeySlot {
    /// A slot holding `key` already.
    pub fn ready(key: DevKey) -> DevKeySlot {
        let (_, receiver) = watch::channel(Some(Ok(Arc::new(key))));
        DevKeySlot {
            receiver,
            demand: Arc::new(Notify::new()),
        }
    }

    /// An empty slot and the filler that completes it.
    pub fn pending() -> (DevKeySlot, DevKeyFiller) {
        let (sender, receiver) = watch::channel(None);
        let demand = Arc::new(Notify::new());
        (
            DevKeySlot {
                receiver,
                demand: demand.clone(),
            },
            DevKeyFiller { sender, demand },
        )
    }

    /// The key, waiting for it when it is still being made; the reason when making it failed.
    pub async fn get(&self) -> Result<Arc<DevKey>, String> {
        let mut receiver = self.receiver.clone();
        if receiver.borrow().is_none() {
            self.demand.notify_one();
        }
        let filled = receiver.wait_for(Option::is_some).await;
        match filled.as_deref() {
            Ok(Some(result)) => result.clone(),
            _ => Err("the development key was never made".to_owned()),
        }
    }
}

impl DevKeyFiller {
    /// Returns when someone waits for the key or after `idle`, whichever comes first, so that making the key
    /// does not compete with start-up unless it is needed at once.
    pub async fn wanted(&self, idle: std::time::Duration) {
        tokio::select! {
            () = self.demand.notified() => {}
            () = tokio::time::sleep(idle) => {}
        }
    }

    /// Completes the slot with the key or the reason it could not be made.
    pub fn fill(self, result: Result<DevKey, String>) {
        self.sender.send_replace(Some(result.map(Arc::new)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_get_the_key_once_it_is_filled_and_failures_are_reported() {
        let (slot, filler) = DevKeySlot::pending();
        let waiter = tokio::spawn({
            let slot = slot.clone();
            async move { slot.get().await.map(|k| k.kid.clone()) }
        });
        filler.fill(Err("no entropy".to_owned()));
        assert_eq!(waiter.await.unwrap(), Err("no entropy".to_owned()));
        assert_eq!(slot.get().await.map(|k| k.kid.clone()), Err("no entropy".to_owned()));

        let (slot, filler) = DevKeySlot::pending();
        let started = std::time::Instant::now();
        let waiter = tokio::spawn({
            let slot = slot.clone();
            async move { slot.get().await.is_err() }
        });
        filler.wanted(std::time::Duration::from_secs(60)).await;
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "a waiter asks for the key at once"
        );
        drop(filler);
        assert!(waiter.await.unwrap());
        assert!(slot.get().await.is_err());
    }
}
