//! The journal's storage: a ring of raw recordings bounded in entries and in bytes; entries are rendered
//! (headers listed, bodies redacted and cut) only when the journal is read.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::Method;
use chrono::{DateTime, Utc};

use super::render::{recorded_headers, render_body, Captured, JournalEntry};
use crate::domain::datetime;

/// Bytes counted for an entry besides its headers, bodies and texts.
const ENTRY_OVERHEAD: usize = 512;

/// One request as recorded, before rendering.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Real arrival time, to the millisecond.
    pub arrived: DateTime<Utc>,
    /// The partner's mirror now used for the request.
    pub mirror_now: Option<DateTime<Utc>>,
    /// HTTP method.
    pub method: Method,
    /// Path and query as received.
    pub path_and_query: String,
    /// Status answered.
    pub status: u16,
    /// Time to answer in milliseconds.
    pub duration_ms: u64,
    /// Partner tenant of the request.
    pub partner_tenant_id: Option<String>,
    /// Effective `MS-RequestId`.
    pub request_id: Option<String>,
    /// Effective `MS-CorrelationId`.
    pub correlation_id: Option<String>,
    /// Idempotent replay.
    pub replayed: bool,
    /// Fault rule that answered or delayed the request.
    pub fault_id: Option<String>,
    /// Request headers, without `Authorization` and `Cookie`.
    pub request_headers: HeaderMap,
    /// Request body as captured.
    pub request_body: Captured,
    /// Response body as captured.
    pub response_body: Captured,
    /// Response `Content-Type`.
    pub response_content_type: Option<HeaderValue>,
}

impl Recorded {
    /// Bytes this recording holds, as counted against the journal's byte bound.
    fn weight(&self) -> usize {
        let texts = [
            &self.partner_tenant_id,
            &self.request_id,
            &self.correlation_id,
            &self.fault_id,
        ]
        .iter()
        .map(|t| t.as_ref().map_or(0, String::len))
        .sum::<usize>();
        let headers = self
            .request_headers
            .iter()
            .map(|(name, value)| name.as_str().len() + value.len() + 32)
            .sum::<usize>();
        ENTRY_OVERHEAD
            + self.path_and_query.len()
            + texts
            + headers
            + self.request_body.bytes.len()
            + self.response_body.bytes.len()
    }

    fn render(&self, id: u64, instance_id: &str) -> JournalEntry {
        let content_type = |value: Option<&HeaderValue>| value.and_then(|v| v.to_str().ok()).map(str::to_owned);
        let (request_body, request_body_truncated) = render_body(
            &self.request_body,
            content_type(self.request_headers.get(header::CONTENT_TYPE)).as_deref(),
        );
        let (response_body, response_body_truncated) = render_body(
            &self.response_body,
            content_type(self.response_content_type.as_ref()).as_deref(),
        );
        JournalEntry {
            id,
            instance_id: instance_id.to_owned(),
            time: datetime::format_utc(&self.arrived),
            mirror_now: self.mirror_now.as_ref().map(datetime::format_utc),
            method: self.method.to_string(),
            path_and_query: self.path_and_query.clone(),
            status: self.status,
            duration_ms: self.duration_ms,
            partner_tenant_id: self.partner_tenant_id.clone(),
            request_id: self.request_id.clone(),
            correlation_id: self.correlation_id.clone(),
            replayed: self.replayed,
            fault_id: self.fault_id.clone(),
            request_headers: recorded_headers(&self.request_headers),
            request_body,
            request_body_truncated,
            response_body,
            response_body_truncated,
        }
    }
}

/// Criteria of a journal query; every given one must hold.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// Exact `MS-CorrelationId`.
    pub correlation_id: Option<String>,
    /// Exact `MS-RequestId`.
    pub request_id: Option<String>,
    /// Partner tenant, any case.
    pub partner_tenant_id: Option<String>,
}

impl JournalFilter {
    fn admits(&self, entry: &Recorded) -> bool {
        let same = |wanted: &Option<String>, actual: &Option<String>| {
            wanted.as_ref().is_none_or(|w| actual.as_ref() == Some(w))
        };
        same(&self.correlation_id, &entry.correlation_id)
            && same(&self.request_id, &entry.request_id)
            && self.partner_tenant_id.as_ref().is_none_or(|w| {
                entry
                    .partner_tenant_id
                    .as_ref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(w))
            })
    }
}

#[derive(Debug)]
struct Ring {
    entries: VecDeque<(u64, usize, Recorded)>,
    next_id: u64,
    dropped: u64,
    bytes: usize,
}

impl Ring {
    fn empty() -> Ring {
        Ring {
            entries: VecDeque::new(),
            next_id: 1,
            dropped: 0,
            bytes: 0,
        }
    }
}

/// What a query found.
#[derive(Debug)]
pub struct JournalPage {
    /// Matching entries, newest first.
    pub items: Vec<JournalEntry>,
    /// Entries pushed out since the last clear.
    pub dropped: u64,
    /// Bytes held now.
    pub bytes: usize,
}

/// The journal of one instance.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    max_bytes: usize,
    instance_id: String,
    ring: Mutex<Ring>,
}

impl Journal {
    /// A journal keeping at most `capacity` entries (0 turns it off) and about `max_bytes` bytes.
    pub fn new(capacity: usize, max_bytes: usize, instance_id: &str) -> Journal {
        Journal {
            capacity,
            max_bytes,
            instance_id: instance_id.to_owned(),
            ring: Mutex::new(Ring::empty()),
        }
    }

    /// The bound in entries.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bound in bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// False when the capacity is 0.
    pub fn enabled(&self) -> bool {
        self.capacity > 0
    }

    fn ring(&self) -> MutexGuard<'_, Ring> {
        // A panic while holding the lock cannot leave the ring inconsistent; keep serving.
        self.ring.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Appends a recording, giving it the next id and pushing out the oldest while either bound is exceeded.
    pub fn push(&self, recorded: Recorded) {
        if !self.enabled() {
            return;
        }
        let weight = recorded.weight();
        let mut ring = self.ring();
        let id = ring.next_id;
        ring.next_id += 1;
        ring.bytes += weight;
        ring.entries.push_back((id, weight, recorded));
        while ring.entries.len() > self.capacity || (ring.bytes > self.max_bytes && ring.entries.len() > 1) {
            if let Some((_, dropped_weight, _)) = ring.entries.pop_front() {
                ring.bytes -= dropped_weight;
                ring.dropped += 1;
            }
        }
    }

    /// Matching entries, newest first, at most `limit`; rendered outside the lock.
    pub fn query(&self, filter: &JournalFilter, limit: usize) -> JournalPage {
        let (picked, dropped, bytes) = {
            let ring = self.ring();
            let picked: Vec<(u64, Recorded)> = ring
                .entries
                .iter()
                .rev()
                .filter(|(_, _, e)| filter.admits(e))
                .take(limit)
                .map(|(id, _, e)| (*id, e.clone()))
                .collect();
            (picked, ring.dropped, ring.bytes)
        };
        JournalPage {
            items: picked.iter().map(|(id, e)| e.render(*id, &self.instance_id)).collect(),
            dropped,
            bytes,
        }
    }

    /// Empties the journal; ids start at 1 again and `dropped` at 0. Returns the number of entries removed.
    pub fn clear(&self) -> usize {
        let mut ring = self.ring();
        let removed = ring.entries.len();
        *ring = Ring::empty();
        removed
    }

    /// Removes one partner's entries; returns how many.
    pub fn remove_partner(&self, tenant: &str) -> usize {
        let mut ring = self.ring();
        let before = ring.entries.len();
        ring.entries.retain(|(_, _, e)| {
            !e.partner_tenant_id
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(tenant))
        });
        ring.bytes = ring.entries.iter().map(|(_, weight, _)| weight).sum();
        before - ring.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use actix_web::web::Bytes;

    use super::*;

    fn recorded(tenant: Option<&str>, body: usize) -> Recorded {
        Recorded {
            arrived: Utc::now(),
            mirror_now: None,
            method: Method::GET,
            path_and_query: "/v1/agreements".into(),
            status: 200,
            duration_ms: 0,
            partner_tenant_id: tenant.map(str::to_owned),
            request_id: None,
            correlation_id: None,
            replayed: false,
            fault_id: None,
            request_headers: HeaderMap::new(),
            request_body: Captured::default(),
            response_body: Captured::kept(Bytes::from(vec![b'a'; body]), body, true),
            response_content_type: None,
        }
    }

    #[test]
    fn the_ring_keeps_its_bound_and_counts_what_it_pushed_out() {
        let journal = Journal::new(3, 1 << 20, "i");
        for _ in 0..10 {
            journal.push(recorded(None, 0));
        }
        let page = journal.query(&JournalFilter::default(), 100);
        assert_eq!(page.items.iter().map(|e| e.id).collect::<Vec<_>>(), [10, 9, 8]);
        assert_eq!(page.dropped, 7);
        assert_eq!(journal.clear(), 3);
        journal.push(recorded(None, 0));
        let page = journal.query(&JournalFilter::default(), 100);
        assert_eq!((page.items.len(), page.items[0].id, page.dropped), (1, 1, 0));
    }

    #[test]
    fn the_byte_bound_pushes_out_old_entries_and_keeps_big_bodies_to_the_window() {
        let journal = Journal::new(1000, 100_000, "i");
        for _ in 0..20 {
            journal.push(recorded(Some("t"), 10_000));
        }
        let page = journal.query(&JournalFilter::default(), 1000);
        assert!(page.bytes <= 100_000, "{}", page.bytes);
        assert_eq!(page.items.len(), 9);
        assert_eq!(page.dropped, 11);
        assert!(page.items[0].response_body_truncated);
        assert_eq!(page.items[0].response_body.as_ref().map(String::len), Some(4096));

        let huge = Captured::kept(Bytes::from(vec![b'b'; 1 << 20]), 1 << 20, true);
        assert_eq!(huge.bytes.len(), 64 * 1024);
        assert!(!huge.complete);

        assert_eq!(journal.remove_partner("T"), 9);
        assert_eq!(journal.query(&JournalFilter::default(), 10).bytes, 0);
    }
}
