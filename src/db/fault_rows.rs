//! Rows of the fault-injection tables (control-plane spec §13). Never serialized to clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::faults;

/// A stored fault rule with its counters.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = faults)]
pub struct FaultRow {
    pub id: String,
    pub position: i64,
    pub preset: Option<String>,
    pub match_method: Option<String>,
    pub match_path: Option<String>,
    pub match_partner_tenant_id: Option<String>,
    pub match_customer_tenant_id: Option<String>,
    pub respond_status: Option<i32>,
    pub respond_shape: Option<String>,
    pub respond_code: Option<i64>,
    pub respond_error_name: Option<String>,
    pub respond_description: Option<String>,
    pub respond_retry_after_seconds: Option<i64>,
    pub latency_ms: i64,
    pub times: Option<i64>,
    pub probability: f64,
    pub seed: i64,
    pub matched: i64,
    pub fired: i64,
    pub active: bool,
    pub created_at: NaiveDateTime,
}
