//! The partner registry of the control plane (control-plane spec §8): register or replace a partner, read registrations.

use chrono::{DateTime, Utc};

use super::{clock, ServiceError};
use crate::db::{self, models::PartnerRow, DbConnection};
use crate::domain::ids::TenantId;
use crate::domain::partner::PartnerType;

/// A registration as the control plane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    /// Partner tenant id.
    pub tenant_id: String,
    /// Partner type.
    pub partner_type: PartnerType,
    /// MPN id.
    pub mpn_id: Option<String>,
    /// MPA signed.
    pub mpa_signed: bool,
    /// An integration sandbox: its customers can be deleted.
    pub integration_sandbox: bool,
    /// Registered by a `/v1` call rather than the control plane.
    pub auto_registered: bool,
    /// Customers the partner knows.
    pub customer_count: i64,
    /// The partner's own clock offset in milliseconds.
    pub clock_offset_ms: i64,
    /// The partner's mirror now.
    pub now: DateTime<Utc>,
}

/// What `PUT /_mirror/partners/{tenantId}` sets.
#[derive(Debug, Clone)]
pub struct PartnerSettings {
    /// Partner type.
    pub partner_type: PartnerType,
    /// MPN id (1 to 12 digits).
    pub mpn_id: Option<String>,
    /// MPA signed.
    pub mpa_signed: bool,
    /// An integration sandbox.
    pub integration_sandbox: bool,
}

/// Creates or replaces a registration; `true` when it was created.
pub fn put(
    conn: &mut DbConnection,
    tenant: &TenantId,
    settings: PartnerSettings,
) -> Result<(Registration, bool), ServiceError> {
    db::transaction(conn, |conn| {
        if let Some(mpn) = &settings.mpn_id {
            if let Some(holder) = db::partners::find_by_mpn_id(conn, mpn)? {
                if holder.tenant_id != tenant.as_str() {
                    return Err(ServiceError::MpnIdInUse(mpn.clone(), holder.tenant_id));
                }
            }
        }
        let now = clock::now_for(conn, Some(tenant.as_str()))?;
        let row = PartnerRow {
            tenant_id: tenant.to_string(),
            partner_type: settings.partner_type.as_str().to_owned(),
            mpn_id: settings.mpn_id.clone(),
            mpa_signed: settings.mpa_signed,
            auto_registered: false,
            created_at: clock::to_row_time(now),
            integration_sandbox: settings.integration_sandbox,
        };
        let created = db::partners::update(conn, &row)? == 0;
        if created {
            db::partners::insert(conn, &row)?;
        }
        let registration = get(conn, tenant)?.ok_or_else(|| ServiceError::UnknownPartner(tenant.to_string()))?;
        Ok((registration, created))
    })
}

/// One registration.
pub fn get(conn: &mut DbConnection, tenant: &TenantId) -> Result<Option<Registration>, ServiceError> {
    Ok(list(conn)?.into_iter().find(|r| r.tenant_id == tenant.as_str()))
}

/// Every registration, ordered by tenant id.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Registration>, ServiceError> {
    let counts = db::partners::customer_counts(conn)?;
    let offsets = db::clock::all(conn)?;
    let global_now = clock::now_for(conn, None)?;
    db::partners::all(conn)?
        .into_iter()
        .map(|row| {
            let offset = offsets
                .iter()
                .find(|(scope, _)| *scope == row.tenant_id)
                .map_or(0, |(_, ms)| *ms);
            Ok(Registration {
                partner_type: PartnerType::parse(&row.partner_type)
                    .ok_or_else(|| ServiceError::Internal(format!("unknown partner type {}", row.partner_type)))?,
                customer_count: counts.iter().find(|(t, _)| *t == row.tenant_id).map_or(0, |(_, n)| *n),
                clock_offset_ms: offset,
                now: global_now + chrono::Duration::milliseconds(offset),
                tenant_id: row.tenant_id,
                mpn_id: row.mpn_id,
                mpa_signed: row.mpa_signed,
                integration_sandbox: row.integration_sandbox,
                auto_registered: row.auto_registered,
            })
        })
        .collect()
}
