//! Hands freed heap memory back to the operating system once the server goes idle.
//!
//! glibc keeps memory freed in the middle of its heaps for reuse, so after a burst of requests the process
//! would keep the peak as resident memory. When a second passes without a request, the heap is trimmed once;
//! under steady load nothing is trimmed, so no page is given back only to be faulted in again. Other
//! allocators return memory themselves and need nothing.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long the server must see no request before the heap is trimmed.
const IDLE_BEFORE_TRIM: Duration = Duration::from_secs(1);

/// Requests seen, counted by [`note_request`].
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Counts one request (a relaxed increment).
pub fn note_request() {
    REQUESTS.fetch_add(1, Ordering::Relaxed);
}

/// Trims the heap once after each burst of requests, until the returned task is aborted.
pub fn spawn_trimmer() -> tokio::task::JoinHandle<()> {
    tokio::spawn(async {
        let mut ticks = tokio::time::interval(IDLE_BEFORE_TRIM);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut seen = REQUESTS.load(Ordering::Relaxed);
        let mut trimmed = true;
        loop {
            ticks.tick().await;
            let now = REQUESTS.load(Ordering::Relaxed);
            if now != seen {
                seen = now;
                trimmed = false;
            } else if !trimmed {
                trim();
                trimmed = true;
            }
        }
    })
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim() {
    // SAFETY: malloc_trim only walks and releases the allocator's own free lists; it takes the arena locks itself.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim() {}
