//! Reading and clearing the request journal (control-plane spec §12): `GET` and `DELETE /_mirror/requests`.

use actix_web::{delete, get, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::field_error;
use super::faults::Removed;
use crate::http::error::ApiError;
use crate::http::journal::{JournalEntry, JournalFilter};
use crate::http::query::QueryParams;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;

/// Default number of entries answered.
const DEFAULT_LIMIT: usize = 100;

/// Journal entries, newest first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JournalList {
    /// Number of items.
    pub total_count: usize,
    /// The journal's bound (0: off).
    pub capacity: usize,
    /// The journal's bound in bytes.
    pub max_bytes: usize,
    /// Bytes the journal holds now.
    pub bytes: usize,
    /// Entries pushed out of the ring since the last clear.
    pub dropped: u64,
    /// Entries, newest first.
    pub items: Vec<JournalEntry>,
}

/// GET /_mirror/requests
#[utoipa::path(
    tag = "mirror",
    params(
        ("correlationId" = Option<String>, Query, description = "Only entries with this MS-CorrelationId"),
        ("requestId" = Option<String>, Query, description = "Only entries with this MS-RequestId"),
        ("partnerTenantId" = Option<String>, Query, description = "Only entries of this partner tenant"),
        ("limit" = Option<u64>, Query, description = "At most this many entries (default 100, at most the capacity)"),
    ),
    responses(
        (status = 200, description = "Matching entries, newest first", body = JournalList),
        (status = 400, description = "Invalid limit (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/requests")]
pub async fn list_requests(_admin: Admin, req: HttpRequest, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| {
            field_error(
                990110,
                "limit",
                "outOfRange",
                "limit must be a whole number of at least 1",
            )
        })?,
    };
    let filter = JournalFilter {
        correlation_id: query.get("correlationId").map(str::to_owned),
        request_id: query.get("requestId").map(str::to_owned),
        partner_tenant_id: query.get("partnerTenantId").map(str::to_owned),
    };
    let journal = &state.journal;
    let page = journal.query(&filter, limit.min(journal.capacity()));
    ApiReply::ok(&JournalList {
        total_count: page.items.len(),
        capacity: journal.capacity(),
        max_bytes: journal.max_bytes(),
        bytes: page.bytes,
        dropped: page.dropped,
        items: page.items,
    })
}

/// DELETE /_mirror/requests
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "The journal is empty; ids start at 1 again", body = Removed),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[delete("/_mirror/requests")]
pub async fn clear_requests(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    ApiReply::ok(&Removed {
        removed: state.journal.clear(),
    })
}
