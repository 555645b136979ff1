//! The customer's side as the control plane sees it (control-plane spec §9): the internal view across partners,
//! the legacy-purchases scenario flag, direct acceptance and relationships set without the admin-center pages.

use chrono::{DateTime, Duration, Utc};

use super::agreements::Attestation;
use super::orders::gate_open;
use super::{clock, ServiceError};
use crate::db::{self, models::RelationshipRow, orders::OrderRow, DbConnection};
use crate::domain::customer::Relationship;
use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::{datetime, FieldError, FieldErrors, Reason};

/// One partner's view of a customer.
#[derive(Debug, Clone)]
pub struct PartnerLink {
    /// Partner tenant.
    pub partner_tenant_id: String,
    /// Relationship.
    pub relationship: Relationship,
    /// Since when.
    pub since: DateTime<Utc>,
    /// The purchase gate of contract §4.7 for this partner.
    pub purchase_gate_open: bool,
    /// Orders, oldest first.
    pub orders: Vec<OrderRow>,
    /// Attestations, newest recorded first.
    pub attestations: Vec<Attestation>,
}

/// Everything the mirror knows about a customer.
#[derive(Debug, Clone)]
pub struct CustomerRecord {
    /// Customer tenant id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Commerce id.
    pub commerce_id: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// The partner that created it.
    pub owner_partner_tenant_id: Option<String>,
    /// Admin sign-in name (`<userName>@<domain>`).
    pub admin_sign_in_name: String,
    /// Scenario flag.
    pub has_legacy_purchases: bool,
    /// Direct acceptance time.
    pub direct_acceptance: Option<DateTime<Utc>>,
    /// Partners that know the customer.
    pub partners: Vec<PartnerLink>,
}

/// A line of the customer list.
#[derive(Debug, Clone)]
pub struct CustomerSummary {
    /// Customer tenant id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Owner.
    pub owner_partner_tenant_id: Option<String>,
    /// Scenario flag.
    pub has_legacy_purchases: bool,
    /// Direct acceptance recorded.
    pub is_signed: bool,
}

/// The outcome of a direct acceptance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectAcceptance {
    /// When the customer accepted.
    pub accepted_at: DateTime<Utc>,
    /// True when it had accepted before.
    pub already_accepted: bool,
}

/// The sign-in name of a customer admin.
pub fn sign_in_name(user_name: &str, domain: &str) -> String {
    if user_name.contains('@') {
        user_name.to_owned()
    } else {
        format!("{user_name}@{domain}")
    }
}

/// Customers ordered by creation, optionally only those a partner knows.
pub fn list(conn: &mut DbConnection, partner: Option<&TenantId>) -> Result<Vec<CustomerSummary>, ServiceError> {
    Ok(db::customers::all(conn, partner.map(TenantId::as_str))?
        .into_iter()
        .map(|row| CustomerSummary {
            is_signed: row.direct_acceptance_at.is_some(),
            id: row.id,
            domain: row.domain,
            company_name: row.company_name,
            owner_partner_tenant_id: row.owner_partner_tenant_id,
            has_legacy_purchases: row.has_legacy_purchases,
        })
        .collect())
}

/// The internal view of one customer.
pub fn record(conn: &mut DbConnection, customer: &CustomerId) -> Result<CustomerRecord, ServiceError> {
    let row = db::customers::find(conn, customer.as_str())?
        .ok_or_else(|| ServiceError::UnknownCustomer(customer.to_string()))?;
    let mut partners = Vec::new();
    for link in db::customers::relationships_of(conn, customer.as_str())? {
        partners.push(partner_link(conn, link)?);
    }
    Ok(CustomerRecord {
        admin_sign_in_name: sign_in_name(&row.admin_user_name, &row.domain),
        direct_acceptance: row.direct_acceptance_at.as_deref().and_then(datetime::from_storage),
        created_at: clock::from_row_time(row.created_at),
        id: row.id,
        domain: row.domain,
        company_name: row.company_name,
        commerce_id: row.commerce_id,
        owner_partner_tenant_id: row.owner_partner_tenant_id,
        has_legacy_purchases: row.has_legacy_purchases,
        partners,
    })
}

fn partner_link(conn: &mut DbConnection, link: RelationshipRow) -> Result<PartnerLink, ServiceError> {
    let attestations = super::agreements::all_records(conn, &link.partner_tenant_id, &link.customer_id)?;
    Ok(PartnerLink {
        relationship: Relationship::parse(&link.relationship).unwrap_or(Relationship::None),
        since: clock::from_row_time(link.since),
        purchase_gate_open: gate_open(conn, &link.partner_tenant_id, &link.customer_id)?,
        orders: db::orders::for_customer(conn, &link.partner_tenant_id, &link.customer_id)?,
        attestations,
        partner_tenant_id: link.partner_tenant_id,
    })
}

/// Sets the legacy-purchases flag and answers the internal view.
pub fn set_scenario(
    conn: &mut DbConnection,
    customer: &CustomerId,
    legacy: bool,
) -> Result<CustomerRecord, ServiceError> {
    if db::customers::set_legacy_purchases(conn, customer.as_str(), legacy)? == 0 {
        return Err(ServiceError::UnknownCustomer(customer.to_string()));
    }
    record(conn, customer)
}

/// Records the customer's direct acceptance of the Customer Agreement (at most once; never with legacy purchases).
pub fn accept_directly(
    conn: &mut DbConnection,
    customer: &CustomerId,
    accepted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<DirectAcceptance, ServiceError> {
    db::transaction(conn, |conn| {
        let row = db::customers::find(conn, customer.as_str())?
            .ok_or_else(|| ServiceError::UnknownCustomer(customer.to_string()))?;
        if let Some(existing) = row.direct_acceptance_at.as_deref().and_then(datetime::from_storage) {
            return Ok(DirectAcceptance {
                accepted_at: existing,
                already_accepted: true,
            });
        }
        if row.has_legacy_purchases {
            return Err(ServiceError::LegacyPurchases(customer.to_string()));
        }
        let at = accepted_at.unwrap_or(now);
        if at > now + Duration::hours(14) {
            return Err(ServiceError::Validation(FieldErrors::from(FieldError::new(
                "acceptedAt",
                Reason::FutureDate,
                "acceptedAt must not be in the future",
            ))));
        }
        db::customers::record_direct_acceptance(conn, customer.as_str(), &datetime::to_storage(&at))?;
        Ok(DirectAcceptance {
            accepted_at: at,
            already_accepted: false,
        })
    })
}

/// Creates or changes a partner's relationship to a customer and answers the internal view.
pub fn set_relationship(
    conn: &mut DbConnection,
    customer: &CustomerId,
    partner: &TenantId,
    relationship: Relationship,
) -> Result<CustomerRecord, ServiceError> {
    db::transaction(conn, |conn| {
        if db::customers::find(conn, customer.as_str())?.is_none() {
            return Err(ServiceError::UnknownCustomer(customer.to_string()));
        }
        if db::partners::find(conn, partner.as_str())?.is_none() {
            return Err(ServiceError::UnknownPartner(partner.to_string()));
        }
        if db::customers::set_relationship(conn, partner.as_str(), customer.as_str(), relationship.as_str())? == 0 {
            let now = clock::now_for(conn, Some(partner.as_str()))?;
            db::customers::insert_relationship(
                conn,
                &RelationshipRow {
                    customer_id: customer.to_string(),
                    partner_tenant_id: partner.to_string(),
                    relationship: relationship.as_str().to_owned(),
                    since: clock::to_row_time(now),
                    lock_version: 0,
                },
            )?;
        }
        record(conn, customer)
    })
}
