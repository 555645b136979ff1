//! Rows as stored: read and insert shapes of every table. Never serialized to clients.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    agreement_templates, agreements, clock_offsets, continuation_tokens, customer_relationships, customers,
    idempotency_records, notifications, partners,
};

/// A fixed agreement template.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreement_templates)]
pub struct TemplateRow {
    pub template_id: String,
    pub agreement_type: String,
    pub agreement_link: String,
    pub version_rank: i32,
    pub display_order: i32,
}

/// A registered partner tenant.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = partners)]
pub struct PartnerRow {
    pub tenant_id: String,
    pub partner_type: String,
    pub mpn_id: Option<String>,
    pub mpa_signed: bool,
    pub auto_registered: bool,
    pub created_at: NaiveDateTime,
    pub integration_sandbox: bool,
}

/// A customer tenant with its billing profile and admin credentials.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customers)]
pub struct CustomerRow {
    pub id: String,
    pub owner_partner_tenant_id: Option<String>,
    pub domain: String,
    pub domain_key: String,
    pub company_name: String,
    pub commerce_id: String,
    pub billing_profile_id: String,
    pub billing_etag: String,
    pub billing_email: String,
    pub billing_culture: String,
    pub billing_language: String,
    pub billing_company_name: String,
    pub address_country: String,
    pub address_city: String,
    pub address_state: Option<String>,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub address_postal_code: String,
    pub address_first_name: Option<String>,
    pub address_last_name: Option<String>,
    pub address_phone_number: Option<String>,
    pub admin_user_name: String,
    pub admin_password_hash: String,
    pub has_legacy_purchases: bool,
    pub direct_acceptance_at: Option<String>,
    pub created_at: NaiveDateTime,
}

/// A partner's relationship to a customer.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_relationships)]
pub struct RelationshipRow {
    pub customer_id: String,
    pub partner_tenant_id: String,
    pub relationship: String,
    pub since: NaiveDateTime,
    pub lock_version: i64,
}

/// A recorded attestation (or seeded history item).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct AgreementRow {
    pub id: i64,
    pub partner_tenant_id: String,
    pub customer_id: String,
    pub template_id: String,
    pub agreement_type: String,
    pub user_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub date_agreed: String,
    pub recorded_at: NaiveDateTime,
}

/// A new attestation; the id is assigned by the database.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = agreements)]
pub struct NewAgreementRow {
    pub partner_tenant_id: String,
    pub customer_id: String,
    pub template_id: String,
    pub agreement_type: String,
    pub user_id: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone_number: Option<String>,
    pub date_agreed: String,
    pub recorded_at: NaiveDateTime,
}

/// An outbox message.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub kind: String,
    pub recipient: String,
    pub recipient_name: String,
    pub partner_tenant_id: String,
    pub customer_tenant_id: String,
    pub template_id: String,
    pub agreement_type: String,
    pub subject: String,
    pub created_at: NaiveDateTime,
    pub due_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
}

/// An idempotency record: in flight while `status` is `None`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_records)]
pub struct IdempotencyRow {
    pub partner_tenant_id: String,
    pub request_id: String,
    pub fingerprint: String,
    pub status: Option<i32>,
    pub response_body: Option<String>,
    pub claimed_at: NaiveDateTime,
    pub stored_at: Option<NaiveDateTime>,
}

/// A customer-list continuation token and the position it continues after.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = continuation_tokens)]
pub struct ContinuationRow {
    pub token: String,
    pub partner_tenant_id: String,
    pub after_created_at: NaiveDateTime,
    pub after_id: String,
    pub created_at: NaiveDateTime,
    pub page_size: i64,
    pub filter_field: Option<String>,
    pub filter_value: Option<String>,
}

/// A clock offset: scope `*` is the global clock, otherwise a partner tenant id.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = clock_offsets)]
pub struct ClockOffsetRow {
    pub scope: String,
    pub offset_ms: i64,
}
