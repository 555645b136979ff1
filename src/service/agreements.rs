//! Agreement rules: metadata listing, partner attestation with the duplicate rule and its outbox message, history, direct-sign status.

use chrono::{DateTime, Duration, Utc};

use super::{clock, ServiceError};
use crate::db::{
    self,
    models::{AgreementRow, CustomerRow, NewAgreementRow, NotificationRow, RelationshipRow},
    DbConnection,
};
use crate::domain::contact::Contact;
use crate::domain::customer::Relationship;
use crate::domain::ids::{CustomerId, Guid, TenantId};
use crate::domain::templates::{self, Template, TypeFilter};
use crate::domain::{datetime, FieldErrors};

/// Kind of the outbox message written for every new attestation.
pub const NOTIFICATION_KIND: &str = "AgreementAttestationNotification";
/// Subject of that message.
pub const NOTIFICATION_SUBJECT: &str = "Your partner confirmed your acceptance of the Microsoft Customer Agreement";
/// Delay between an attestation and its notification.
pub const NOTIFICATION_DELAY_MINUTES: i64 = 30;

/// Agreement metadata of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementMetadata {
    /// Template id.
    pub template_id: String,
    /// Agreement type.
    pub agreement_type: String,
    /// Link to the agreement.
    pub agreement_link: String,
    /// Version rank.
    pub version_rank: i32,
}

/// A validated attestation request.
#[derive(Debug, Clone)]
pub struct NewAttestation {
    /// The customer's primary contact.
    pub contact: Contact,
    /// The template (never the legacy one).
    pub template: &'static Template,
    /// When the customer agreed.
    pub date_agreed: DateTime<Utc>,
}

/// A recorded attestation as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    /// The partner user who attested, if known.
    pub user_id: Option<String>,
    /// The customer's primary contact.
    pub contact: Contact,
    /// Template id.
    pub template_id: String,
    /// When the customer agreed.
    pub date_agreed: DateTime<Utc>,
    /// Agreement type from the template.
    pub agreement_type: String,
    /// Link from the template.
    pub agreement_link: String,
    /// When the mirror recorded it.
    pub recorded_at: DateTime<Utc>,
}

/// Metadata of the templates the filter selects.
pub fn metadata(filter: &TypeFilter) -> Vec<AgreementMetadata> {
    crate::domain::templates::TEMPLATES
        .iter()
        .filter(|t| filter.admits(t.agreement_type))
        .map(|t| AgreementMetadata {
            template_id: t.template_id.to_owned(),
            agreement_type: t.agreement_type.to_owned(),
            agreement_link: t.agreement_link.to_owned(),
            version_rank: t.version_rank,
        })
        .collect()
}

/// The customer as known by the partner, refusing unknown customers and removed relationships (contract §3.6).
pub fn known_customer(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
) -> Result<(CustomerRow, RelationshipRow), ServiceError> {
    let (row, relationship) =
        db::customers::find_known(conn, partner.as_str(), customer.as_str())?.ok_or(ServiceError::CustomerNotFound)?;
    admits(&relationship.relationship)?;
    Ok((row, relationship))
}

/// The visibility rule of [`known_customer`] without reading the customer.
pub fn ensure_known_customer(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
) -> Result<(), ServiceError> {
    let relationship = db::customers::relationship(conn, partner.as_str(), customer.as_str())?
        .ok_or(ServiceError::CustomerNotFound)?;
    admits(&relationship)
}

fn admits(relationship: &str) -> Result<(), ServiceError> {
    if relationship != Relationship::Reseller.as_str() {
        return Err(ServiceError::RelationshipRemoved);
    }
    Ok(())
}

/// Records a partner attestation (contract §4.2): visibility, then validation, then the duplicate rule,
/// then the record and its outbox message in one transaction. Attestations for one partner and customer
/// are serialised by a row lock taken first, and recorded in that order: a record is never older than the
/// partner's newest one for the customer.
pub fn attest(
    conn: &mut DbConnection,
    partner: &TenantId,
    user_id: Option<&str>,
    customer: &CustomerId,
    input: Result<NewAttestation, FieldErrors>,
    now: DateTime<Utc>,
) -> Result<Attestation, ServiceError> {
    db::transaction(conn, |conn| {
        if !db::customers::lock_relationship(conn, partner.as_str(), customer.as_str())? {
            return Err(ServiceError::CustomerNotFound);
        }
        ensure_known_customer(conn, partner, customer)?;
        let input = input?;
        let template = input.template;
        if let Some(latest) =
            db::agreements::latest_of_type(conn, partner.as_str(), customer.as_str(), template.agreement_type)?
        {
            if contact_of(&latest).same_person_as(&input.contact) {
                return Err(ServiceError::DuplicateAttestation);
            }
        }
        // The time was read when the request arrived, before the lock; a request that waited behind a later one
        // must not be recorded before it, or "latest" and the history order would no longer be the lock's order.
        let arrived = clock::to_row_time(now);
        let recorded_at = db::agreements::last_recorded_at(conn, partner.as_str(), customer.as_str())?
            .filter(|last| *last > arrived)
            .unwrap_or(arrived);
        let contact = input.contact;
        db::agreements::insert(
            conn,
            &NewAgreementRow {
                partner_tenant_id: partner.to_string(),
                customer_id: customer.to_string(),
                template_id: template.template_id.to_owned(),
                agreement_type: template.agreement_type.to_owned(),
                user_id: user_id.map(str::to_owned),
                first_name: contact.first_name.clone(),
                last_name: contact.last_name.clone(),
                email: contact.email.clone(),
                phone_number: contact.phone_number.clone(),
                date_agreed: datetime::to_storage(&input.date_agreed),
                recorded_at,
            },
        )?;
        db::notifications::insert(
            conn,
            &NotificationRow {
                id: Guid::new_random().into_string(),
                kind: NOTIFICATION_KIND.to_owned(),
                recipient: contact.email.clone(),
                recipient_name: contact.display_name(),
                partner_tenant_id: partner.to_string(),
                customer_tenant_id: customer.to_string(),
                template_id: template.template_id.to_owned(),
                agreement_type: template.agreement_type.to_owned(),
                subject: NOTIFICATION_SUBJECT.to_owned(),
                created_at: recorded_at,
                due_at: recorded_at + Duration::minutes(NOTIFICATION_DELAY_MINUTES),
                delivered_at: None,
                attempts: 0,
                last_error: None,
                lease_until: None,
            },
        )?;
        Ok(Attestation {
            user_id: user_id.map(str::to_owned),
            contact,
            template_id: template.template_id.to_owned(),
            date_agreed: input.date_agreed,
            agreement_type: template.agreement_type.to_owned(),
            agreement_link: template.agreement_link.to_owned(),
            recorded_at: clock::from_row_time(recorded_at),
        })
    })
}

/// The partner's attestations for a customer of the selected types, newest recorded first (contract §4.3).
pub fn history(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    filter: &TypeFilter,
) -> Result<Vec<Attestation>, ServiceError> {
    let (relationship, rows) = db::agreements::history_of_known(conn, partner.as_str(), customer.as_str())?
        .ok_or(ServiceError::CustomerNotFound)?;
    admits(&relationship)?;
    rows.into_iter()
        .filter(|row| filter.admits(&row.agreement_type))
        .map(attestation_of)
        .collect()
}

/// Whether the customer accepted the Customer Agreement directly (contract §4.4).
pub fn direct_signed(conn: &mut DbConnection, partner: &TenantId, customer: &CustomerId) -> Result<bool, ServiceError> {
    let (row, _) = known_customer(conn, partner, customer)?;
    Ok(row.direct_acceptance_at.is_some())
}

fn contact_of(row: &AgreementRow) -> Contact {
    contact_from(
        row.first_name.clone(),
        row.last_name.clone(),
        row.email.clone(),
        row.phone_number.clone(),
    )
}

/// A stored contact; an empty stored phone number means none.
fn contact_from(first_name: String, last_name: String, email: String, phone_number: Option<String>) -> Contact {
    Contact {
        first_name,
        last_name,
        email,
        phone_number: phone_number.filter(|p| !p.is_empty()),
    }
}

fn attestation_of(row: AgreementRow) -> Result<Attestation, ServiceError> {
    let date_agreed = datetime::from_storage(&row.date_agreed)
        .ok_or_else(|| ServiceError::Internal(format!("stored dateAgreed {} is unreadable", row.date_agreed)))?;
    let agreement_link = templates::by_id(&row.template_id)
        .map(|t| t.agreement_link.to_owned())
        .unwrap_or_default();
    Ok(Attestation {
        contact: contact_from(row.first_name, row.last_name, row.email, row.phone_number),
        user_id: row.user_id,
        template_id: row.template_id,
        date_agreed,
        agreement_type: row.agreement_type,
        agreement_link,
        recorded_at: clock::from_row_time(row.recorded_at),
    })
}

/// Every record of a partner for a customer, newest recorded first, without visibility checks (control plane).
pub fn all_records(conn: &mut DbConnection, partner: &str, customer: &str) -> Result<Vec<Attestation>, ServiceError> {
    db::agreements::history(conn, partner, customer)?
        .into_iter()
        .map(attestation_of)
        .collect()
}
