//! The process's allocator, and handing freed heap memory back to the operating system once the server goes idle.
//!
//! Rust allocations go to mimalloc: a request makes many short-lived allocations, and mimalloc serves them from
//! per-thread free lists without locks. It is built without transparent huge pages, which would round resident
//! memory up in 2 MiB steps. SQLite and other C code keep using glibc's malloc.
//!
//! Both allocators keep freed memory for reuse, so after a burst of requests the process would keep the peak as
//! resident memory: mimalloc purges only when the thread owning the memory next allocates, and glibc keeps
//! memory freed in the middle of its heaps. When a second passes without a request, both are trimmed once;
//! under steady load nothing is trimmed, so no page is given back only to be faulted in again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The global allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn trim() {
    // SAFETY: mi_collect only returns the allocator's own free memory; it is safe to call from any thread.
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
    trim_libc();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_libc() {
    // SAFETY: malloc_trim only walks and releases the allocator's own free lists; it takes the arena locks itself.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_libc() {}
