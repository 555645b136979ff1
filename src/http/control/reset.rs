//! `POST /_mirror/reset[?partnerTenantId=&reloadFixtures=]` (control-plane spec §5): the whole mirror or one
//! partner, in one transaction, plus the in-memory journal.

use actix_web::{post, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::field_error;
use crate::domain::ids::Guid;
use crate::http::error::ApiError;
use crate::http::query::QueryParams;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::reset;

/// What a reset removed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RemovedCounts {
    /// Partner registrations (0 for a partner reset).
    pub partners: i64,
    /// Customers.
    pub customers: i64,
    /// Partner–customer relationships.
    pub relationships: i64,
    /// Attestations.
    pub agreements: i64,
    /// Direct acceptances of removed customers.
    pub direct_acceptances: i64,
    /// Orders.
    pub orders: i64,
    /// Outbox messages.
    pub notifications: i64,
    /// Idempotency records.
    pub idempotency_records: i64,
    /// Fault rules.
    pub faults: i64,
    /// Clock offsets.
    pub clocks: i64,
    /// Journal entries of this instance.
    pub journal_entries: i64,
}

/// The answer of a reset.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetDto {
    /// `all` or `partner`.
    pub scope: &'static str,
    /// The partner of a partner reset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_tenant_id: Option<String>,
    /// Counters.
    pub removed: RemovedCounts,
}

fn counts(removed: reset::Removed, journal_entries: usize) -> RemovedCounts {
    RemovedCounts {
        partners: removed.partners,
        customers: removed.customers,
        relationships: removed.relationships,
        agreements: removed.agreements,
        direct_acceptances: removed.direct_acceptances,
        orders: removed.orders,
        notifications: removed.notifications,
        idempotency_records: removed.idempotency_records,
        faults: removed.faults,
        clocks: removed.clocks,
        journal_entries: i64::try_from(journal_entries).unwrap_or(i64::MAX),
    }
}

/// POST /_mirror/reset
#[utoipa::path(
    tag = "mirror",
    params(
        ("partnerTenantId" = Option<String>, Query, description = "Reset only this partner's data"),
        ("reloadFixtures" = Option<bool>, Query, description = "Reload the startup fixture file (whole-mirror scope only)"),
    ),
    responses(
        (status = 200, description = "What was removed", body = ResetDto),
        (status = 400, description = "Invalid query, or no fixture file to reload (990110); invalid fixture file (990120)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/reset")]
pub async fn reset_mirror(_admin: Admin, req: HttpRequest, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let partner = match query.get("partnerTenantId") {
        None => None,
        Some(raw) => Some(Guid::parse(raw).ok_or_else(|| {
            field_error(
                990110,
                "partnerTenantId",
                "invalidFormat",
                "partnerTenantId must be a GUID",
            )
        })?),
    };
    let reload = match query.get("reloadFixtures") {
        None => false,
        Some(raw) if raw.eq_ignore_ascii_case("true") => true,
        Some(raw) if raw.eq_ignore_ascii_case("false") => false,
        Some(_) => {
            return Err(field_error(
                990110,
                "reloadFixtures",
                "invalidFormat",
                "reloadFixtures must be true or false",
            ))
        }
    };
    if let Some(partner) = partner {
        if reload {
            return Err(field_error(
                990110,
                "reloadFixtures",
                "conflictingFields",
                "reloadFixtures is only allowed for a whole-mirror reset, not with partnerTenantId",
            ));
        }
        let tenant = partner.to_string();
        let removed = state
            .store
            .change_control(move |conn| reset::reset_partner(conn, &tenant))
            .await?;
        let journal_entries = state.journal.remove_partner(partner.as_str());
        return ApiReply::ok(&ResetDto {
            scope: "partner",
            partner_tenant_id: Some(partner.into_string()),
            removed: counts(removed, journal_entries),
        });
    }
    let removed = match (reload, state.fixtures_file.clone()) {
        (false, _) => state.store.change_control(reset::reset_all).await?,
        (true, None) => {
            return Err(field_error(
                990110,
                "reloadFixtures",
                "unsupportedValue",
                "no fixtures file is configured",
            ))
        }
        (true, Some(path)) => {
            state
                .store
                .change_control(move |conn| reset::reset_all_and_reload(conn, &path))
                .await?
        }
    };
    let journal_entries = state.journal.clear();
    ApiReply::ok(&ResetDto {
        scope: "all",
        partner_tenant_id: None,
        removed: counts(removed, journal_entries),
    })
}
