//! The control state every request consults (partner types, clock offsets, fault rules), held in memory and
//! reloaded whenever the database's control version differs from the one it was loaded at.
//!
//! Coherence rule: triggers move `control_version` in the same transaction as any change of partners (update or
//! removal), clock offsets or fault rules. Every database hop of a `/v1` request first reads that version (one
//! indexed row) and reloads when it moved (on SQLite, where this process is the only writer, memory is
//! authoritative and `/v1` hops skip the read); every control-plane hop reads it after its own writes. A partner
//! not in memory is looked up in the database, so new registrations need no version change.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, Utc};

use super::faults::{self, RequestFacts};
use super::ServiceError;
use crate::db::{self, fault_rows::FaultRow, DbConnection};
use crate::domain::partner::PartnerType;

/// One consistent reading of the control state.
#[derive(Debug, Default)]
pub struct ControlSnapshot {
    /// The control version it was read at (0 before the first reading).
    pub version: i64,
    partners: HashMap<String, PartnerType>,
    global_offset_ms: i64,
    partner_offsets_ms: HashMap<String, i64>,
    faults: Vec<FaultRow>,
}

impl ControlSnapshot {
    /// An empty state at `version` (tests).
    #[cfg(test)]
    pub fn empty(version: i64) -> ControlSnapshot {
        ControlSnapshot {
            version,
            ..ControlSnapshot::default()
        }
    }

    /// The mirror now of a partner, or the global now without one.
    pub fn now_for(&self, tenant: Option<&str>) -> DateTime<Utc> {
        let partner_ms = tenant
            .and_then(|t| self.partner_offsets_ms.get(t))
            .copied()
            .unwrap_or(0);
        Utc::now() + Duration::milliseconds(self.global_offset_ms.saturating_add(partner_ms))
    }

    /// The partner type of a registered tenant known to this snapshot.
    pub fn partner_type(&self, tenant: &str) -> Option<PartnerType> {
        self.partners.get(tenant).copied()
    }

    /// True when an active fault rule's criteria match the request (whether it fires is decided in the database).
    pub fn faults_may_match(&self, facts: &RequestFacts) -> bool {
        self.faults.iter().any(|row| faults::criteria_match(row, facts))
    }

    /// The active fault rules, in creation order.
    pub fn faults(&self) -> &[FaultRow] {
        &self.faults
    }

    fn load(conn: &mut DbConnection, version: i64) -> Result<ControlSnapshot, ServiceError> {
        let mut partners = HashMap::new();
        for (tenant, kind) in db::control::partner_types(conn)? {
            let kind = PartnerType::parse(&kind)
                .ok_or_else(|| ServiceError::Internal(format!("stored partner type {kind} is unknown")))?;
            partners.insert(tenant, kind);
        }
        let mut global_offset_ms = 0;
        let mut partner_offsets_ms = HashMap::new();
        for (scope, ms) in db::control::offsets(conn)? {
            if scope == db::clock::GLOBAL_SCOPE {
                global_offset_ms = ms;
            } else {
                partner_offsets_ms.insert(scope, ms);
            }
        }
        Ok(ControlSnapshot {
            version,
            partners,
            global_offset_ms,
            partner_offsets_ms,
            faults: db::control::active_faults(conn)?,
        })
    }
}

/// The instance's control state.
#[derive(Debug, Default)]
pub struct ControlState {
    current: RwLock<Arc<ControlSnapshot>>,
}

impl ControlState {
    /// The state as last read (no database access).
    pub fn current(&self) -> Arc<ControlSnapshot> {
        Arc::clone(&self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Reads the control version and, when it moved, reloads the state: one small query when nothing changed.
    pub fn sync(&self, conn: &mut DbConnection) -> Result<Arc<ControlSnapshot>, ServiceError> {
        let current = self.current();
        let version = db::control::version(conn)?;
        if version == current.version {
            return Ok(current);
        }
        // One consistent snapshot (PostgreSQL: REPEATABLE READ; SQLite: a read transaction, never the write
        // lock), so a crowd of control writes cannot keep the reading from finishing. Inside a caller's
        // transaction the snapshot is not guaranteed: a moved version then starts the reading again.
        for _ in 0..5 {
            let (snapshot, after) = db::consistent_read(conn, |conn| {
                let version = db::control::version(conn)?;
                let snapshot = ControlSnapshot::load(conn, version)?;
                Ok::<_, ServiceError>((snapshot, db::control::version(conn)?))
            })?;
            if after == snapshot.version {
                return Ok(self.install(snapshot));
            }
        }
        Err(ServiceError::Busy(
            "the control state kept changing while it was read".into(),
        ))
    }

    /// Adds a registration found or made in the database at control version `version`, unless the state moved
    /// since (then the next reading has it).
    pub fn remember_partner(&self, tenant: &str, kind: PartnerType, version: i64) {
        let mut slot = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        if slot.version != version || slot.partners.get(tenant) == Some(&kind) {
            return;
        }
        let mut partners = slot.partners.clone();
        partners.insert(tenant.to_owned(), kind);
        *slot = Arc::new(ControlSnapshot {
            version: slot.version,
            partners,
            global_offset_ms: slot.global_offset_ms,
            partner_offsets_ms: slot.partner_offsets_ms.clone(),
            faults: slot.faults.clone(),
        });
    }

    fn install(&self, snapshot: ControlSnapshot) -> Arc<ControlSnapshot> {
        let snapshot = Arc::new(snapshot);
        let mut slot = self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Two hops may reload at once; the higher version wins.
        if snapshot.version >= slot.version {
            *slot = Arc::clone(&snapshot);
        }
        snapshot
    }
}
