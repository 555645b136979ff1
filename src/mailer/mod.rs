//! Optional SMTP delivery of the notification outbox (control-plane spec §11.3): a background task that wakes every
//! 5 s, and at once when signalled (a new message, a clock change), and sends every due message it can claim.

pub mod smtp;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

pub use smtp::Mailer;

use crate::service::delivery::{self, Outgoing};
use crate::service::Store;

/// The longest the dispatcher sleeps without being woken.
pub const TICK: Duration = Duration::from_secs(5);

/// The shortest pause between two rounds, so that a clock skew can never turn the loop into a spin.
const MIN_PAUSE: Duration = Duration::from_millis(5);

/// How long a stop waits for the message in flight before cutting the task off.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// The outbox dispatcher of one instance, not yet running.
#[derive(Debug)]
pub struct Dispatcher {
    store: Store,
    mailer: Mailer,
    wake: Arc<Notify>,
    retry_unit_ms: u64,
}

/// A running dispatcher; stopping or dropping it ends the task.
#[derive(Debug)]
pub struct Running {
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Dispatcher {
    /// A dispatcher sending through `mailer`, woken by `wake`, retrying after min(2^attempts, 300) × `retry_unit_ms`.
    pub fn new(store: Store, mailer: Mailer, wake: Arc<Notify>, retry_unit_ms: u64) -> Dispatcher {
        Dispatcher {
            store,
            mailer,
            wake,
            retry_unit_ms,
        }
    }

    /// Starts the loop on the current tokio runtime.
    pub fn spawn(self) -> Running {
        let (stop, stopped) = watch::channel(false);
        Running {
            stop,
            task: Some(tokio::spawn(self.run(stopped))),
        }
    }

    async fn run(self, mut stopped: watch::Receiver<bool>) {
        tracing::info!("outbox dispatcher started");
        loop {
            let pause = self.round(&stopped).await;
            let stop = tokio::select! {
                _ = self.wake.notified() => false,
                _ = tokio::time::sleep(pause) => false,
                changed = stopped.changed() => changed.is_err() || *stopped.borrow(),
            };
            if stop || *stopped.borrow() {
                break;
            }
        }
        tracing::info!("outbox dispatcher stopped");
    }

    /// Sends what is due now; returns how long to sleep before the next look.
    async fn round(&self, stopped: &watch::Receiver<bool>) -> Duration {
        let round = match self.store.run(delivery::due).await {
            Ok(round) => round,
            Err(error) => {
                tracing::warn!(%error, "outbox dispatcher: the outbox cannot be read");
                return TICK;
            }
        };
        if !round.due.is_empty() {
            for item in round.due {
                if *stopped.borrow() {
                    break;
                }
                self.deliver(item).await;
            }
            // Look again at once: failed messages now carry their retry time, new ones may have arrived.
            return MIN_PAUSE;
        }
        match round.next_at {
            Some(next) => (next - chrono::Utc::now())
                .to_std()
                .unwrap_or(MIN_PAUSE)
                .clamp(MIN_PAUSE, TICK),
            None => TICK,
        }
    }

    /// Claims, sends and records one message.
    async fn deliver(&self, item: Outgoing) {
        let id = item.id.clone();
        match self.store.run(move |conn| delivery::claim(conn, &id)).await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(%error, id = %item.id, "outbox dispatcher: the message cannot be claimed");
                return;
            }
        }
        let id = item.id.clone();
        match self.mailer.send(&item).await {
            Ok(()) => match self.store.run(move |conn| delivery::mark_delivered(conn, &item)).await {
                Ok(at) => tracing::info!(%id, delivered_at = %at, "notification delivered"),
                Err(error) => tracing::warn!(
                    %error,
                    %id,
                    "outbox dispatcher: the server accepted the message but its delivery was not recorded; it will be sent again when its lease ends"
                ),
            },
            Err(failure) => {
                let text = failure.to_string();
                let unit = self.retry_unit_ms;
                match self
                    .store
                    .run(move |conn| delivery::mark_failed(conn, &item, &text, unit))
                    .await
                {
                    Ok(wait) => {
                        tracing::warn!(%id, error = %failure, retry_in_ms = wait.num_milliseconds(), "notification not delivered")
                    }
                    Err(error) => {
                        tracing::warn!(%error, %id, send_error = %failure, "outbox dispatcher: a failed attempt was not recorded")
                    }
                }
            }
        }
    }
}

impl Running {
    /// Asks the loop to stop after the message in flight and waits for it (cut off after a few seconds).
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if let Some(mut task) = self.task.take() {
            if tokio::time::timeout(STOP_GRACE, &mut task).await.is_err() {
                task.abort();
                let _ = task.await;
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
