//! The notification outbox (control-plane spec §11): read without consuming, clear.

use actix_web::{delete, get, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::field_error;
use super::faults::Removed;
use crate::domain::datetime;
use crate::domain::ids::Guid;
use crate::http::error::ApiError;
use crate::http::query::QueryParams;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::clock;
use crate::service::notifications::{self, DeliveryStatus, Notification, OutboxFilter};

/// An outbox message.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationDto {
    /// Message id.
    pub id: String,
    /// `AgreementAttestationNotification`.
    pub kind: String,
    /// Recipient address.
    pub to: String,
    /// Recipient name.
    pub to_name: String,
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// Customer tenant id.
    pub customer_tenant_id: String,
    /// Template id.
    pub template_id: String,
    /// Agreement type.
    pub agreement_type: String,
    /// Subject.
    pub subject: String,
    /// When the attestation was recorded.
    pub created_at: String,
    /// `createdAt` + 30 minutes.
    pub due_at: String,
    /// `scheduled`, `pending` or `delivered`.
    pub status: &'static str,
    /// When it was delivered, or null.
    pub delivered_at: Option<String>,
    /// Delivery attempts.
    pub attempts: i32,
    /// Last delivery error, or null.
    pub last_error: Option<String>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        let row = n.row;
        NotificationDto {
            id: row.id,
            kind: row.kind,
            to: row.recipient,
            to_name: row.recipient_name,
            partner_tenant_id: row.partner_tenant_id,
            customer_tenant_id: row.customer_tenant_id,
            template_id: row.template_id,
            agreement_type: row.agreement_type,
            subject: row.subject,
            created_at: datetime::format_utc(&clock::from_row_time(row.created_at)),
            due_at: datetime::format_utc(&clock::from_row_time(row.due_at)),
            status: n.status.as_str(),
            delivered_at: n.delivered_at.map(|at| datetime::format_utc(&at)),
            attempts: row.attempts,
            last_error: row.last_error,
        }
    }
}

/// The outbox listing.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationList {
    /// Number of items.
    pub total_count: usize,
    /// Messages ordered by creation.
    pub items: Vec<NotificationDto>,
}

fn guid_param(query: &QueryParams, name: &str) -> Result<Option<String>, ApiError> {
    match query.get(name) {
        None => Ok(None),
        Some(raw) => Guid::parse(raw)
            .map(|g| Some(g.into_string()))
            .ok_or_else(|| field_error(990110, name, "invalidFormat", &format!("{name} must be a GUID"))),
    }
}

/// GET /_mirror/notifications
#[utoipa::path(
    tag = "mirror",
    params(
        ("partnerTenantId" = Option<String>, Query, description = "Filter by partner"),
        ("customerTenantId" = Option<String>, Query, description = "Filter by customer"),
        ("to" = Option<String>, Query, description = "Filter by recipient (case-insensitive)"),
        ("status" = Option<String>, Query, description = "scheduled, pending or delivered"),
    ),
    responses(
        (status = 200, description = "Messages ordered by creation", body = NotificationList),
        (status = 400, description = "Invalid filter (990110)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/notifications")]
pub async fn list_notifications(
    _admin: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let filter = OutboxFilter {
        partner_tenant_id: guid_param(&query, "partnerTenantId")?,
        customer_tenant_id: guid_param(&query, "customerTenantId")?,
        to: query.get("to").map(str::to_owned),
        status: match query.get("status") {
            None => None,
            Some(raw) => Some(DeliveryStatus::parse(raw).ok_or_else(|| {
                field_error(
                    990110,
                    "status",
                    "unsupportedValue",
                    "status must be scheduled, pending or delivered",
                )
            })?),
        },
    };
    let mode = state.outbox_mode;
    let items: Vec<NotificationDto> = state
        .store
        .run(move |conn| notifications::list(conn, &filter, mode))
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    ApiReply::ok(&NotificationList {
        total_count: items.len(),
        items,
    })
}

/// DELETE /_mirror/notifications
#[utoipa::path(
    tag = "mirror",
    params(("partnerTenantId" = Option<String>, Query, description = "Only this partner's messages")),
    responses(
        (status = 200, description = "Messages removed", body = Removed),
        (status = 400, description = "Invalid filter (990110)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[delete("/_mirror/notifications")]
pub async fn clear_notifications(
    _admin: Admin,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let query = QueryParams::parse(req.query_string());
    let partner = guid_param(&query, "partnerTenantId")?;
    let removed = state
        .store
        .run(move |conn| notifications::clear(conn, partner.as_deref()))
        .await?;
    ApiReply::ok(&Removed { removed })
}
