//! MPA status of a partner (contract §4.8): lookups by MPN id or tenant id across every registered partner.

use super::ServiceError;
use crate::db::{self, DbConnection};
use crate::domain::partner::PartnerType;

/// Why an MPA lookup fails (contract §4.8 codes 2200–2206).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MpaRefusal {
    /// 2200: no partner has this MPN id.
    UnknownMpnId,
    /// 2204: the partner with this MPN id is not an indirect reseller.
    NotIndirectReseller,
    /// 2203: MPN id lookup, MPA not signed.
    MpnNotSigned,
    /// 2205: no partner has this tenant id.
    UnknownTenant,
    /// 2206: tenant id lookup, MPA not signed.
    TenantNotSigned,
}

/// Checks the partner with this MPN id: unknown, then not an indirect reseller, then MPA not signed.
pub fn by_mpn_id(conn: &mut DbConnection, mpn_id: &str) -> Result<Result<(), MpaRefusal>, ServiceError> {
    let Some(partner) = db::partners::find_by_mpn_id(conn, mpn_id)? else {
        return Ok(Err(MpaRefusal::UnknownMpnId));
    };
    if PartnerType::parse(&partner.partner_type) != Some(PartnerType::IndirectReseller) {
        return Ok(Err(MpaRefusal::NotIndirectReseller));
    }
    Ok(if partner.mpa_signed {
        Ok(())
    } else {
        Err(MpaRefusal::MpnNotSigned)
    })
}

/// Checks the partner with this tenant id: unknown, then MPA not signed.
pub fn by_tenant_id(conn: &mut DbConnection, tenant_id: &str) -> Result<Result<(), MpaRefusal>, ServiceError> {
    let Some(partner) = db::partners::find(conn, tenant_id)? else {
        return Ok(Err(MpaRefusal::UnknownTenant));
    };
    Ok(if partner.mpa_signed {
        Ok(())
    } else {
        Err(MpaRefusal::TenantNotSigned)
    })
}
