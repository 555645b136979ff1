//! Shared readings of the control version (PostgreSQL): one reading serves every request that arrived before it
//! started, so a crowd of requests that need nothing else from the database shares round trips instead of
//! queueing for a connection each. Coherence is unchanged: each request still sees a version read after it
//! arrived, which is what another instance's committed control write needs.

use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use super::control_state::ControlSnapshot;
use super::ServiceError;

/// What one reading found; every waiter of a failed reading answers with its error.
pub type Reading = Result<Arc<ControlSnapshot>, ReadingFailure>;

/// Why a shared reading failed, in a form each waiter can turn back into its own error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadingFailure {
    /// The database could not be reached in time.
    Unavailable(String),
    /// The database was busy (locks, a crowd of control writes).
    Busy(String),
    /// Anything else.
    Internal(String),
}

impl From<ServiceError> for ReadingFailure {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Unavailable(message) => ReadingFailure::Unavailable(message),
            ServiceError::Busy(message) => ReadingFailure::Busy(message),
            other => ReadingFailure::Internal(other.to_string()),
        }
    }
}

impl From<ReadingFailure> for ServiceError {
    fn from(failure: ReadingFailure) -> Self {
        match failure {
            ReadingFailure::Unavailable(message) => ServiceError::Unavailable(message),
            ReadingFailure::Busy(message) => ServiceError::Busy(message),
            ReadingFailure::Internal(message) => ServiceError::Internal(message),
        }
    }
}

/// Numbers the readings, starts one when a request needs it, and hands its outcome to every waiter.
#[derive(Debug)]
pub struct VersionProbe {
    state: Mutex<ProbeState>,
    done: watch::Sender<(u64, Reading)>,
}

#[derive(Debug, Default)]
struct ProbeState {
    /// Number of the last reading started.
    started: u64,
    /// Highest reading number a waiter needs.
    wanted: u64,
    /// Whether a reading is in flight.
    running: bool,
}

/// A waiter's place: the reading it needs, and whether the waiter must start it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    /// The first reading that starts after the waiter arrived.
    pub reading: u64,
    /// True when no reading was in flight: the waiter starts this one.
    pub start: bool,
}

impl Default for VersionProbe {
    fn default() -> Self {
        VersionProbe {
            state: Mutex::new(ProbeState::default()),
            done: watch::Sender::new((0, Err(ReadingFailure::Internal("no reading yet".into())))),
        }
    }
}

impl VersionProbe {
    /// Joins the first reading that starts from now on. A reading already in flight began before this call, so it
    /// cannot serve it: the waiter needs the next one, started when the current one ends.
    pub fn join(&self) -> Ticket {
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let reading = state.started + 1;
        state.wanted = state.wanted.max(reading);
        if state.running {
            return Ticket { reading, start: false };
        }
        state.running = true;
        state.started = reading;
        Ticket { reading, start: true }
    }

    /// Publishes the outcome of reading `number` and gives the number of the next reading to start, if a waiter
    /// needs one (the caller runs it).
    pub fn publish(&self, number: u64, reading: Reading) -> Option<u64> {
        let _previous = self.done.send_replace((number, reading));
        let mut state = self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if state.wanted > number {
            state.started = number + 1;
            return Some(number + 1);
        }
        state.running = false;
        None
    }

    /// Waits for reading `number` (or a later one) and gives what it found.
    pub async fn outcome(&self, number: u64) -> Reading {
        let mut receiver = self.done.subscribe();
        let reading = match receiver.wait_for(|(done, _)| *done >= number).await {
            Ok(value) => value.1.clone(),
            Err(_) => Err(ReadingFailure::Internal("the control version reading ended".into())),
        };
        reading
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(version: i64) -> Reading {
        Ok(Arc::new(ControlSnapshot::empty(version)))
    }

    #[test]
    fn the_first_waiter_starts_a_reading_and_later_ones_need_the_next() {
        let probe = VersionProbe::default();
        assert_eq!(
            probe.join(),
            Ticket {
                reading: 1,
                start: true
            }
        );
        // Reading 1 is in flight: it started before these waiters arrived.
        assert_eq!(
            probe.join(),
            Ticket {
                reading: 2,
                start: false
            }
        );
        assert_eq!(
            probe.join(),
            Ticket {
                reading: 2,
                start: false
            }
        );
        assert_eq!(probe.publish(1, snapshot(7)), Some(2));
        assert_eq!(
            probe.join(),
            Ticket {
                reading: 3,
                start: false
            }
        );
        assert_eq!(probe.publish(2, snapshot(7)), Some(3));
        assert_eq!(probe.publish(3, snapshot(8)), None);
        assert_eq!(
            probe.join(),
            Ticket {
                reading: 4,
                start: true
            }
        );
    }

    #[tokio::test]
    async fn every_waiter_gets_the_outcome_of_its_reading_or_a_later_one() {
        let probe = Arc::new(VersionProbe::default());
        let first = probe.join();
        let second = probe.join();
        let waiter = {
            let probe = Arc::clone(&probe);
            tokio::spawn(async move { probe.outcome(second.reading).await })
        };
        assert_eq!(probe.publish(first.reading, snapshot(1)), Some(2));
        assert_eq!(probe.outcome(first.reading).await.map(|s| s.version), Ok(1));
        assert_eq!(probe.publish(2, snapshot(5)), None);
        assert_eq!(waiter.await.unwrap().map(|s| s.version), Ok(5));
        // A failed reading reaches its waiters with its failure.
        let third = probe.join();
        assert!(third.start);
        let failure = ReadingFailure::Unavailable("connect timeout".into());
        assert_eq!(probe.publish(third.reading, Err(failure.clone())), None);
        assert_eq!(probe.outcome(third.reading).await.map(|s| s.version), Err(failure));
    }
}
