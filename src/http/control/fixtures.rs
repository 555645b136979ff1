//! Fixtures and snapshots (control-plane spec §6): `POST /_mirror/fixtures`, `GET`/`PUT /_mirror/snapshot`.
//! The fixture format's DTOs below are what the snapshot writes and what the OpenAPI document shows; reading a
//! fixture (lenient, every error collected) is the service's job, because the startup file uses it too.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest};
use serde::Serialize;
use utoipa::ToSchema;

use super::admin::Admin;
use super::body::field_error;
use super::faults::FaultDto;
use super::partners::seconds;
use crate::domain::contact::Contact;
use crate::domain::customer::{Address, BillingProfile};
use crate::domain::datetime::format_utc;
use crate::http::error::ApiError;
use crate::http::json_body;
use crate::http::reply::ApiReply;
use crate::http::state::AppState;
use crate::service::fixtures::{
    self, AgreementSeed, CustomerSeed, LoadSummary, NotificationSeed, OrderSeed, PartnerSeed, RelationshipSeed,
    Snapshot,
};
use crate::service::orders::LineItem;

/// Largest fixture or snapshot body.
pub const FIXTURE_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// A fixture document (spec §6.1); `GET /_mirror/snapshot` writes every member.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureDocument {
    /// Always 1.
    pub format_version: i64,
    /// Partners, created or replaced; the snapshot orders them by `tenantId`.
    pub partners: Vec<FixturePartner>,
    /// Customers, which must be new; the snapshot orders them by `id`.
    pub customers: Vec<FixtureCustomer>,
    /// Clock offsets; the named ones replace the current ones.
    pub clock: FixtureClock,
    /// Fault rules in creation order: `POST /_mirror/faults` bodies plus `id`, `remaining`, `matched`, `fired`;
    /// the snapshot writes the stored-fault shape of `GET /_mirror/faults/{id}`, whose `active` and `createdAt`
    /// are read back too (`active` must agree with `times` and `fired`).
    pub faults: Vec<FaultDto>,
    /// Outbox messages (spec §11, without `status`).
    pub notifications: Vec<FixtureNotification>,
}

/// A partner registration.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixturePartner {
    /// Partner tenant id (GUID).
    pub tenant_id: String,
    /// `directBill` (default), `indirectProvider` or `indirectReseller`.
    pub partner_type: &'static str,
    /// 1 to 12 digits, unique; or null.
    pub mpn_id: Option<String>,
    /// Microsoft Partner Agreement signed (default true).
    pub mpa_signed: bool,
    /// An integration sandbox, whose customers can be deleted (default false).
    pub integration_sandbox: bool,
}

/// A further partner that knows the customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureRelationship {
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// `reseller` or `none`.
    pub relationship_to_partner: &'static str,
    /// When the relationship began (default: load time).
    pub since: String,
}

/// The customer's admin: `{userName, password}` or `{userName, passwordHash}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureAdmin {
    /// User name; without `@` it signs in as `<userName>@<domain>`.
    pub user_name: String,
    /// Clear-text password, stored only as an argon2id hash (never written by the snapshot).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// argon2id PHC string.
    pub password_hash: Option<String>,
}

/// `{"acceptedAt": …}`: the customer accepted the Customer Agreement in the admin center.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureDirectAcceptance {
    /// When.
    pub accepted_at: String,
}

/// The customer-side person of an agreement record (contract §4.2).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Phone number or null.
    pub phone_number: Option<String>,
}

impl From<Contact> for FixtureContact {
    fn from(c: Contact) -> Self {
        FixtureContact {
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone_number: c.phone_number,
        }
    }
}

/// An agreement record; both templates are allowed.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureAgreement {
    /// The attesting partner (default: the owner); it must know the customer.
    pub partner_tenant_id: String,
    /// Template id.
    pub template_id: String,
    /// When the customer agreed (no future-date rule).
    pub date_agreed: String,
    /// The customer's primary contact.
    pub primary_contact: FixtureContact,
    /// Partner user (GUID) or null.
    pub user_id: Option<String>,
    /// Recording order (default: `dateAgreed`; ties keep array order).
    pub recorded_at: String,
}

/// A billing address.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureAddress {
    /// Two letters (default `US`).
    pub country: String,
    /// City (default `Not provided`).
    pub city: String,
    /// State or region.
    pub state: Option<String>,
    /// First line (default `Not provided`).
    pub address_line1: String,
    /// Second line.
    pub address_line2: Option<String>,
    /// Postal code (default `00000`).
    pub postal_code: String,
    /// Contact first name.
    pub first_name: Option<String>,
    /// Contact last name.
    pub last_name: Option<String>,
    /// Contact phone number.
    pub phone_number: Option<String>,
}

/// The billing profile of the (f3) response without `attributes`, plus its `etag` (mirror choice).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureBillingProfile {
    /// Id (default: UUIDv5 of `urn:partner-center-mirror:billing:<customer id>`).
    pub id: String,
    /// Etag (default: a decimal derived from the customer id).
    pub etag: String,
    /// Billing e-mail (default: the admin sign-in name).
    pub email: String,
    /// Culture (default `en-US`).
    pub culture: String,
    /// Language (default `en`).
    pub language: String,
    /// Company name (default: the customer's).
    pub company_name: String,
    /// Address.
    pub default_address: FixtureAddress,
}

/// A customer (spec §6.2).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureCustomer {
    /// Customer tenant id (GUID), new to the mirror.
    pub id: String,
    /// The partner that created the customer; null only with other partners.
    pub owner_partner_tenant_id: Option<String>,
    /// The owner's relationship: `reseller` (default) or `none`.
    pub relationship_to_partner: Option<&'static str>,
    /// Further partners that know the customer.
    pub other_partners: Vec<FixtureRelationship>,
    /// When the owner relationship began (default: load time).
    pub since: Option<String>,
    /// DNS name, unique across the mirror.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Admin credentials.
    pub admin: FixtureAdmin,
    /// The scenario flag of spec §9.2 (default false).
    pub has_legacy_purchases: bool,
    /// Direct acceptance, or null.
    pub direct_acceptance: Option<FixtureDirectAcceptance>,
    /// Agreement records (the snapshot orders them by `recordedAt`).
    pub agreements: Vec<FixtureAgreement>,
    /// Orders of every partner (contract §4.7); the snapshot orders them by `creationDate`, then `id`.
    pub orders: Vec<FixtureOrder>,
    /// Creation time (default: load time plus the array index in microseconds).
    pub created_at: String,
    /// Commerce id (default: UUIDv5 of `urn:partner-center-mirror:commerce:<id>`).
    pub commerce_id: String,
    /// Billing profile (defaults of spec §6.2).
    pub billing_profile: FixtureBillingProfile,
}

/// One line of an order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureLineItem {
    /// Line number, at least 0.
    pub line_item_number: i64,
    /// Offer id (not checked against any catalogue).
    pub offer_id: String,
    /// Quantity, at least 1.
    pub quantity: i64,
    /// Friendly name, or null.
    pub friendly_name: Option<String>,
}

/// An order (contract §4.7) of one partner for the customer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureOrder {
    /// 32 letters and digits, new to the mirror (default: the first 32 hex digits of the SHA-256 of
    /// `urn:partner-center-mirror:order:<customer id>:<index>`).
    pub id: String,
    /// The ordering partner (default: the owner); it must know the customer.
    pub partner_tenant_id: String,
    /// Billing cycle (default `monthly`).
    pub billing_cycle: String,
    /// 1 to 50 lines.
    pub line_items: Vec<FixtureLineItem>,
    /// When it was placed (default: load time).
    pub creation_date: String,
    /// `pending` (default), `completed` or `cancelled`.
    pub status: String,
}

impl From<LineItem> for FixtureLineItem {
    fn from(l: LineItem) -> Self {
        FixtureLineItem {
            line_item_number: l.line_item_number,
            offer_id: l.offer_id,
            quantity: l.quantity,
            friendly_name: l.friendly_name,
        }
    }
}

impl From<OrderSeed> for FixtureOrder {
    fn from(o: OrderSeed) -> Self {
        FixtureOrder {
            id: o.id,
            partner_tenant_id: o.partner_tenant_id,
            billing_cycle: o.billing_cycle,
            line_items: o.line_items.into_iter().map(Into::into).collect(),
            creation_date: format_utc(&o.creation_date),
            status: o.status,
        }
    }
}

/// One partner's clock offset.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureClockPartner {
    /// Partner tenant id.
    pub partner_tenant_id: String,
    /// Offset in seconds, at least 0, at most 3 decimals.
    #[schema(value_type = f64)]
    pub offset_seconds: serde_json::Number,
}

/// Clock offsets.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureClock {
    /// Global offset in seconds, at least 0, at most 3 decimals.
    #[schema(value_type = f64)]
    pub global_offset_seconds: serde_json::Number,
    /// Partner offsets.
    pub partners: Vec<FixtureClockPartner>,
}

/// An outbox message (spec §11) without its computed status.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FixtureNotification {
    /// Id (GUID), new to the mirror.
    pub id: String,
    /// Kind.
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
    /// Agreement type of the template.
    pub agreement_type: String,
    /// Subject.
    pub subject: String,
    /// Creation time.
    pub created_at: String,
    /// Due time (default: `createdAt` + 30 minutes).
    pub due_at: String,
    /// Delivery time (SMTP mode).
    pub delivered_at: Option<String>,
    /// Delivery attempts.
    pub attempts: i32,
    /// Last delivery error.
    pub last_error: Option<String>,
}

impl From<PartnerSeed> for FixturePartner {
    fn from(p: PartnerSeed) -> Self {
        FixturePartner {
            tenant_id: p.tenant_id,
            partner_type: p.partner_type.as_str(),
            mpn_id: p.mpn_id,
            mpa_signed: p.mpa_signed,
            integration_sandbox: p.integration_sandbox,
        }
    }
}

impl From<RelationshipSeed> for FixtureRelationship {
    fn from(r: RelationshipSeed) -> Self {
        FixtureRelationship {
            partner_tenant_id: r.partner_tenant_id,
            relationship_to_partner: r.relationship.as_str(),
            since: format_utc(&r.since),
        }
    }
}

impl From<AgreementSeed> for FixtureAgreement {
    fn from(a: AgreementSeed) -> Self {
        FixtureAgreement {
            partner_tenant_id: a.partner_tenant_id,
            template_id: a.template_id,
            date_agreed: format_utc(&a.date_agreed),
            primary_contact: a.contact.into(),
            user_id: a.user_id,
            recorded_at: format_utc(&a.recorded_at),
        }
    }
}

fn address_dto(a: Address) -> FixtureAddress {
    FixtureAddress {
        country: a.country,
        city: a.city,
        state: a.state,
        address_line1: a.address_line1,
        address_line2: a.address_line2,
        postal_code: a.postal_code,
        first_name: a.first_name,
        last_name: a.last_name,
        phone_number: a.phone_number,
    }
}

fn billing_dto(id: String, etag: String, b: BillingProfile) -> FixtureBillingProfile {
    FixtureBillingProfile {
        id,
        etag,
        email: b.email,
        culture: b.culture,
        language: b.language,
        company_name: b.company_name,
        default_address: address_dto(b.default_address),
    }
}

impl From<CustomerSeed> for FixtureCustomer {
    fn from(c: CustomerSeed) -> Self {
        FixtureCustomer {
            id: c.id,
            owner_partner_tenant_id: c.owner_partner_tenant_id,
            relationship_to_partner: c.relationship.map(|r| r.as_str()),
            other_partners: c.other_partners.into_iter().map(Into::into).collect(),
            since: c.since.as_ref().map(format_utc),
            domain: c.domain,
            company_name: c.company_name,
            admin: FixtureAdmin {
                user_name: c.admin_user_name,
                password: None,
                password_hash: Some(c.admin_password_hash),
            },
            has_legacy_purchases: c.has_legacy_purchases,
            direct_acceptance: c.direct_acceptance.map(|at| FixtureDirectAcceptance {
                accepted_at: format_utc(&at),
            }),
            agreements: c.agreements.into_iter().map(Into::into).collect(),
            orders: c.orders.into_iter().map(Into::into).collect(),
            created_at: format_utc(&c.created_at),
            commerce_id: c.commerce_id,
            billing_profile: billing_dto(c.billing.id, c.billing.etag, c.billing.profile),
        }
    }
}

impl From<NotificationSeed> for FixtureNotification {
    fn from(n: NotificationSeed) -> Self {
        FixtureNotification {
            id: n.id,
            kind: n.kind,
            to: n.to,
            to_name: n.to_name,
            partner_tenant_id: n.partner_tenant_id,
            customer_tenant_id: n.customer_tenant_id,
            template_id: n.template_id,
            agreement_type: n.agreement_type,
            subject: n.subject,
            created_at: format_utc(&n.created_at),
            due_at: format_utc(&n.due_at),
            delivered_at: n.delivered_at.as_ref().map(format_utc),
            attempts: n.attempts,
            last_error: n.last_error,
        }
    }
}

impl From<Snapshot> for FixtureDocument {
    fn from(s: Snapshot) -> Self {
        FixtureDocument {
            format_version: fixtures::FORMAT_VERSION,
            partners: s.partners.into_iter().map(Into::into).collect(),
            customers: s.customers.into_iter().map(Into::into).collect(),
            clock: FixtureClock {
                global_offset_seconds: seconds(s.clock.global_offset_ms),
                partners: s
                    .clock
                    .partners
                    .into_iter()
                    .map(|(partner_tenant_id, ms)| FixtureClockPartner {
                        partner_tenant_id,
                        offset_seconds: seconds(ms),
                    })
                    .collect(),
            },
            faults: s.faults.into_iter().map(Into::into).collect(),
            notifications: s.notifications.into_iter().map(Into::into).collect(),
        }
    }
}

/// Counts of a load.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoadedCounts {
    /// Partners created or replaced.
    pub partners: usize,
    /// Customers created.
    pub customers: usize,
    /// Agreement records created.
    pub agreements: usize,
    /// Customers with a direct acceptance.
    pub direct_acceptances: usize,
    /// Orders created.
    pub orders: usize,
    /// Faults created.
    pub faults: usize,
    /// Outbox messages created.
    pub notifications: usize,
}

/// Answer of a load: `{"loaded": {…}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoadedDto {
    /// What was created.
    pub loaded: LoadedCounts,
}

impl From<LoadSummary> for LoadedDto {
    fn from(s: LoadSummary) -> Self {
        LoadedDto {
            loaded: LoadedCounts {
                partners: s.partners,
                customers: s.customers,
                agreements: s.agreements,
                direct_acceptances: s.direct_acceptances,
                orders: s.orders,
                faults: s.faults,
                notifications: s.notifications,
            },
        }
    }
}

/// Reads a fixture body: media type and the 16 MiB limit are 990110; the JSON itself is parsed by the service.
async fn read_body(req: &HttpRequest, payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let media_ok = req.headers().get(header::CONTENT_TYPE).is_none_or(|v| {
        v.to_str()
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .eq_ignore_ascii_case("application/json")
    });
    if !media_ok {
        return Err(field_error(
            990110,
            "Content-Type",
            "unsupportedValue",
            "Content-Type must be application/json",
        ));
    }
    let raw = json_body::read_with_limit(payload, FIXTURE_BODY_LIMIT).await;
    if raw.too_large {
        return Err(field_error(
            990110,
            "body",
            "tooLong",
            "the body must not exceed 16 MiB",
        ));
    }
    Ok(raw.bytes)
}

/// POST /_mirror/fixtures
#[utoipa::path(
    tag = "mirror",
    request_body = FixtureDocument,
    responses(
        (status = 200, description = "Loaded, all or nothing", body = LoadedDto),
        (status = 400, description = "Invalid fixture, every error listed (990120); body too large or not JSON media (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 500, description = "Unexpected failure (800003)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[post("/_mirror/fixtures")]
pub async fn load_fixtures(
    _admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let bytes = read_body(&req, payload).await?;
    let summary = state
        .store
        .change_control(move |conn| {
            let document = fixtures::parse_document(&bytes)?;
            fixtures::load(conn, &document)
        })
        .await?;
    // Loaded messages may be due already: the SMTP dispatcher, when there is one, looks at once.
    state.outbox_wake.notify_one();
    ApiReply::ok(&LoadedDto::from(summary))
}

/// GET /_mirror/snapshot
#[utoipa::path(
    tag = "mirror",
    responses(
        (status = 200, description = "The whole persistent state in the fixture format", body = FixtureDocument),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 500, description = "Unexpected failure (800003)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[get("/_mirror/snapshot")]
pub async fn get_snapshot(_admin: Admin, state: web::Data<AppState>) -> Result<ApiReply, ApiError> {
    let snapshot = state.store.run(fixtures::snapshot).await?;
    ApiReply::ok(&FixtureDocument::from(snapshot))
}

/// PUT /_mirror/snapshot
#[utoipa::path(
    tag = "mirror",
    request_body = FixtureDocument,
    responses(
        (status = 200, description = "Whole-mirror reset plus load, in one transaction", body = LoadedDto),
        (status = 400, description = "Invalid snapshot, every error listed (990120); body too large or not JSON media (990110)", body = crate::http::openapi::Fault),
        (status = 401, description = "Admin token missing or wrong (990100, 990101)", body = crate::http::openapi::Fault),
        (status = 500, description = "Unexpected failure (800003)", body = crate::http::openapi::Fault),
    ),
    security(("mirrorAdminToken" = []))
)]
#[put("/_mirror/snapshot")]
pub async fn put_snapshot(
    _admin: Admin,
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<ApiReply, ApiError> {
    let bytes = read_body(&req, payload).await?;
    let summary = state
        .store
        .change_control(move |conn| {
            let document = fixtures::parse_document(&bytes)?;
            fixtures::replace_all(conn, &document)
        })
        .await?;
    // Loaded messages may be due already: the SMTP dispatcher, when there is one, looks at once.
    state.outbox_wake.notify_one();
    ApiReply::ok(&LoadedDto::from(summary))
}
