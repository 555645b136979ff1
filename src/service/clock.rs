//! The mirror clock: real time plus the global offset plus the partner's own offset.

use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};

use super::ServiceError;
use crate::db::{self, DbConnection};

/// "Now" for a partner (or the global now without one).
pub fn now_for(conn: &mut DbConnection, partner: Option<&str>) -> Result<DateTime<Utc>, ServiceError> {
    let (global_ms, partner_ms) = db::clock::offsets(conn, partner)?;
    Ok(Utc::now() + Duration::milliseconds(global_ms + partner_ms))
}

/// A timestamp as stored: UTC without zone, truncated to microseconds so both backends keep it exactly.
pub fn to_row_time(value: DateTime<Utc>) -> NaiveDateTime {
    let naive = value.naive_utc();
    naive.with_nanosecond(naive.nanosecond() / 1000 * 1000).unwrap_or(naive)
}

/// A stored timestamp read back as UTC.
pub fn from_row_time(value: NaiveDateTime) -> DateTime<Utc> {
    value.and_utc()
}

/// A change of one clock (control-plane spec §14).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockChange {
    /// Move forward by milliseconds (never negative).
    Advance(i64),
    /// Jump to an instant (not earlier than the clock's now), then flow on.
    Set(DateTime<Utc>),
    /// Remove the offset.
    Reset,
}

/// The state of the clocks, read at one real instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockState {
    /// Real time.
    pub real_now: DateTime<Utc>,
    /// Global offset in milliseconds.
    pub global_offset_ms: i64,
    /// Offsets of partners that have one, by tenant id.
    pub partner_offsets_ms: Vec<(String, i64)>,
}

impl ClockState {
    /// The global now.
    pub fn global_now(&self) -> DateTime<Utc> {
        self.real_now + Duration::milliseconds(self.global_offset_ms)
    }

    /// A partner's own offset.
    pub fn partner_offset_ms(&self, tenant: &str) -> i64 {
        self.partner_offsets_ms
            .iter()
            .find(|(t, _)| t == tenant)
            .map_or(0, |(_, ms)| *ms)
    }

    /// A partner's now.
    pub fn partner_now(&self, tenant: &str) -> DateTime<Utc> {
        self.global_now() + Duration::milliseconds(self.partner_offset_ms(tenant))
    }
}

/// Reads every offset.
pub fn state(conn: &mut DbConnection) -> Result<ClockState, ServiceError> {
    let rows = db::clock::all(conn)?;
    let global_offset_ms = rows
        .iter()
        .find(|(scope, _)| scope == db::clock::GLOBAL_SCOPE)
        .map_or(0, |(_, ms)| *ms);
    Ok(ClockState {
        real_now: Utc::now(),
        global_offset_ms,
        partner_offsets_ms: rows
            .into_iter()
            .filter(|(scope, _)| scope != db::clock::GLOBAL_SCOPE)
            .collect(),
    })
}

/// Applies a change to the global clock (`partner` `None`) or to a registered partner's clock.
pub fn change(conn: &mut DbConnection, partner: Option<&str>, change: ClockChange) -> Result<ClockState, ServiceError> {
    db::transaction(conn, |conn| {
        if let Some(tenant) = partner {
            if db::partners::find(conn, tenant)?.is_none() {
                return Err(ServiceError::UnknownPartner(tenant.to_owned()));
            }
        }
        let current = state(conn)?;
        let (scope, offset, now) = match partner {
            None => (db::clock::GLOBAL_SCOPE, current.global_offset_ms, current.global_now()),
            Some(tenant) => (tenant, current.partner_offset_ms(tenant), current.partner_now(tenant)),
        };
        let new_offset = match change {
            ClockChange::Advance(ms) => offset.saturating_add(ms),
            ClockChange::Reset => 0,
            ClockChange::Set(instant) if instant < now => return Err(ServiceError::ClockBackwards),
            // Offsets are whole milliseconds: round up so that the clock reads the instant or just after it.
            ClockChange::Set(instant) => offset + (instant - now + Duration::nanoseconds(999_999)).num_milliseconds(),
        };
        db::clock::set(conn, scope, new_offset)?;
        state(conn)
    })
}
