//! Partner tenants as callers: registration on first sight (contract §3.5) and the partner type used by the role matrix.

use chrono::{DateTime, Utc};

use super::clock;
use super::ServiceError;
use crate::db::{self, models::PartnerRow, DbConnection};
use crate::domain::partner::PartnerType;

/// What a validated caller's partner tenant is, with its mirror "now".
#[derive(Debug, Clone)]
pub struct CallerPartner {
    /// The partner's type.
    pub partner_type: PartnerType,
    /// The partner's mirror now.
    pub now: DateTime<Utc>,
}

/// The mirror now of a tenant (global when the token carries no usable tenant).
pub fn now_for(conn: &mut DbConnection, tenant: Option<&str>) -> Result<DateTime<Utc>, ServiceError> {
    clock::now_for(conn, tenant)
}

/// Looks the tenant up, registering it as `directBill` when allowed.
pub fn admit(conn: &mut DbConnection, tenant: &str, auto_register: bool) -> Result<CallerPartner, ServiceError> {
    let now = clock::now_for(conn, Some(tenant))?;
    let row = match db::partners::find(conn, tenant)? {
        Some(row) => row,
        None if auto_register => {
            let row = PartnerRow {
                tenant_id: tenant.to_owned(),
                partner_type: PartnerType::DirectBill.as_str().to_owned(),
                mpn_id: None,
                mpa_signed: true,
                auto_registered: true,
                created_at: clock::to_row_time(now),
            };
            db::partners::insert_if_absent(conn, &row)?;
            db::partners::find(conn, tenant)?.ok_or_else(|| ServiceError::Internal("partner vanished".into()))?
        }
        None => return Err(ServiceError::PartnerNotRegistered),
    };
    let partner_type = PartnerType::parse(&row.partner_type)
        .ok_or_else(|| ServiceError::Internal(format!("stored partner type {} is unknown", row.partner_type)))?;
    Ok(CallerPartner { partner_type, now })
}
