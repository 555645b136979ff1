//! Admission of a validated caller's partner tenant (contract §3.5, control-plane spec §13.3) against the
//! instance's control state: registration, partner type, the partner's now, and the fault rules.

use chrono::{DateTime, Utc};

use super::control_state::{ControlSnapshot, ControlState};
use super::faults::{self, RequestFacts};
use super::{clock, ServiceError};
use crate::auth::claims::TokenWindow;
use crate::db::{self, models::PartnerRow, DbConnection};
use crate::domain::partner::PartnerType;

/// A caller admitted at one control version; a database hop that finds the version moved admits it again.
#[derive(Debug, Clone)]
pub struct Admission {
    /// Partner tenant id.
    pub tenant: String,
    /// The partner's type.
    pub partner_type: PartnerType,
    /// The partner's mirror now.
    pub now: DateTime<Utc>,
    /// The control version the decision was made at.
    pub version: i64,
    /// The request, as fault rules see it.
    pub facts: RequestFacts,
    /// Indirect resellers may use the operation.
    pub resellers_allowed: bool,
    /// Unknown partner tenants are registered as `directBill`.
    pub auto_register: bool,
    /// When the caller's token is valid, on the partner's clock.
    pub token_window: TokenWindow,
}

/// Finds the tenant's registration in the database, registering it as `directBill` when allowed, and remembers
/// it in the control state.
pub fn register(
    conn: &mut DbConnection,
    control: &ControlState,
    tenant: &str,
    auto_register: bool,
) -> Result<PartnerType, ServiceError> {
    let version = control.sync(conn)?.version;
    let row = match db::partners::find(conn, tenant)? {
        Some(row) => row,
        None if auto_register => {
            let row = PartnerRow {
                tenant_id: tenant.to_owned(),
                partner_type: PartnerType::DirectBill.as_str().to_owned(),
                mpn_id: None,
                mpa_signed: true,
                auto_registered: true,
                integration_sandbox: false,
                created_at: clock::to_row_time(control.current().now_for(Some(tenant))),
            };
            db::partners::insert_if_absent(conn, &row)?;
            db::partners::find(conn, tenant)?.ok_or_else(|| ServiceError::Internal("partner vanished".into()))?
        }
        None => return Err(ServiceError::PartnerNotRegistered),
    };
    let kind = PartnerType::parse(&row.partner_type)
        .ok_or_else(|| ServiceError::Internal(format!("stored partner type {} is unknown", row.partner_type)))?;
    control.remember_partner(tenant, kind, version);
    Ok(kind)
}

/// Admits `admission`'s caller again at a newer control state, inside a database hop: the registration may be
/// gone or changed, the clock moved, a fault rule added. A fault that fires delays this hop or answers for it.
pub fn readmit(
    conn: &mut DbConnection,
    control: &ControlState,
    snapshot: &ControlSnapshot,
    admission: &Admission,
) -> Result<Admission, ServiceError> {
    let now = snapshot.now_for(Some(&admission.tenant));
    admission.token_window.check(now).map_err(ServiceError::TokenRefused)?;
    let partner_type = match snapshot.partner_type(&admission.tenant) {
        Some(kind) => kind,
        None => register(conn, control, &admission.tenant, admission.auto_register)?,
    };
    if partner_type == PartnerType::IndirectReseller && !admission.resellers_allowed {
        return Err(ServiceError::ResellerRefused);
    }
    if snapshot.faults_may_match(&admission.facts) {
        if let Some(firing) = faults::evaluate_among(conn, snapshot.faults(), &admission.facts)? {
            if firing.latency_ms > 0 {
                std::thread::sleep(std::time::Duration::from_millis(firing.latency_ms));
            }
            if firing.respond.is_some() {
                return Err(ServiceError::FaultFired(Box::new(firing)));
            }
        }
    }
    Ok(Admission {
        partner_type,
        now,
        version: snapshot.version,
        ..admission.clone()
    })
}
