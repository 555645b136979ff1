//! Partner tenants' clocks for callers outside `/v1` (registration on first sight lives in `service::admission`).

use chrono::{DateTime, Utc};

use super::clock;
use super::ServiceError;
use crate::db::DbConnection;

/// The mirror now of a tenant (global when the token carries no usable tenant).
pub fn now_for(conn: &mut DbConnection, tenant: Option<&str>) -> Result<DateTime<Utc>, ServiceError> {
    clock::now_for(conn, tenant)
}
