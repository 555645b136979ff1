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
