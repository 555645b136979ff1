//! The rules behind the simulated Microsoft 365 admin center (control-plane spec §10): the customer's sign-in,
//! the relationship and Customer Agreement boxes applied in one transaction, new customer tenants created from
//! an invitation, and the consolidated partner list shown after a sign-in.

use chrono::{DateTime, Utc};

use super::customer_admin::{self, sign_in_name};
use super::form_tokens::{self, FormGrant};
use super::{clock, customers, passwords, ServiceError};
use crate::db::{self, models::CustomerRow, models::RelationshipRow, DbConnection};
use crate::domain::customer::{self as rules, Address, BillingProfile, NewCustomer, Relationship};
use crate::domain::ids::{CustomerId, TenantId};
use crate::domain::{contact, datetime, templates};

/// Which page a form belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The agreement page: no partner, the global mirror now.
    Agreement,
    /// The invitation page of a registered partner: that partner's mirror now.
    Invitation(TenantId),
}

impl Page {
    fn partner(&self) -> Option<&TenantId> {
        match self {
            Page::Agreement => None,
            Page::Invitation(partner) => Some(partner),
        }
    }
}

/// The checkboxes of a form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Boxes {
    /// "Accept the relationship" (invitation page only).
    pub relationship: bool,
    /// "Accept the Microsoft Customer Agreement".
    pub mca: bool,
}

/// What a POST asks for.
#[derive(Debug, Clone)]
pub enum Submission {
    /// An existing customer signs in with its admin credentials.
    SignIn {
        /// Sign-in name as typed.
        user_name: String,
        /// Password as typed.
        password: String,
        /// Ticked boxes.
        boxes: Boxes,
    },
    /// A new customer tenant accepts an invitation.
    NewTenant {
        /// Domain as typed.
        domain: String,
        /// Company name as typed.
        company_name: String,
        /// Ticked boxes.
        boxes: Boxes,
    },
}

/// The outcome of a POST (control-plane spec §10.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The form token (or the request's origin) was refused.
    FormRejected,
    /// Wrong credentials.
    SignInFailed,
    /// A new tenant's fields are invalid.
    Invalid,
    /// Signed in, no box ticked.
    SignedIn,
    /// The ticked boxes were applied.
    Done,
    /// The Customer Agreement box was refused because of legacy purchases.
    McaRefused,
}

impl Outcome {
    /// The value of `data-outcome`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::FormRejected => "formRejected",
            Outcome::SignInFailed => "signInFailed",
            Outcome::Invalid => "invalid",
            Outcome::SignedIn => "signedIn",
            Outcome::Done => "done",
            Outcome::McaRefused => "mcaRefused",
        }
    }
}

/// What the relationship box did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationshipResult {
    /// A new `reseller` relationship.
    Accepted,
    /// A relationship removed by (f5) became `reseller` again.
    Restored,
    /// It was `reseller` already.
    Unchanged,
}

impl RelationshipResult {
    /// The value of `data-relationship`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipResult::Accepted => "accepted",
            RelationshipResult::Restored => "restored",
            RelationshipResult::Unchanged => "unchanged",
        }
    }
}

/// What the Customer Agreement box did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum McaResult {
    /// Direct acceptance recorded now.
    Accepted,
    /// Accepted before; nothing recorded.
    AlreadyAccepted,
    /// Refused: the customer has legacy purchases.
    Refused,
}

impl McaResult {
    /// The value of `data-mca`.
    pub fn as_str(self) -> &'static str {
        match self {
            McaResult::Accepted => "accepted",
            McaResult::AlreadyAccepted => "alreadyAccepted",
            McaResult::Refused => "refused",
        }
    }
}

/// Credentials of a newly created tenant, shown once.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// `admin@<domain>`.
    pub sign_in_name: String,
    /// The generated password.
    pub password: String,
}

/// One line of the consolidated partner list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerEntry {
    /// Partner tenant id.
    pub tenant_id: String,
    /// Partner type, when the partner is registered.
    pub partner_type: Option<String>,
    /// MPN id.
    pub mpn_id: Option<String>,
    /// Since when the relationship exists.
    pub since: DateTime<Utc>,
    /// `dateAgreed` of this partner's newest Customer Agreement attestation, if any.
    pub mca_confirmed: Option<DateTime<Utc>>,
}

/// The signed-in customer as its admin center shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerOverview {
    /// Customer tenant id.
    pub id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Admin sign-in name.
    pub sign_in_name: String,
    /// The customer's own acceptance of the Customer Agreement.
    pub direct_acceptance: Option<DateTime<Utc>>,
    /// Partners with a `reseller` relationship, by tenant id.
    pub partners: Vec<PartnerEntry>,
}

/// The answer to a POST.
#[derive(Debug, Clone)]
pub struct Answer {
    /// Outcome.
    pub outcome: Outcome,
    /// Effect of the relationship box, when ticked and applied.
    pub relationship: Option<RelationshipResult>,
    /// Effect of the Customer Agreement box, when ticked and applied.
    pub mca: Option<McaResult>,
    /// The signed-in or created customer.
    pub customer: Option<CustomerOverview>,
    /// Credentials of a created tenant.
    pub credentials: Option<Credentials>,
    /// Why a new tenant's fields were refused.
    pub problems: Vec<String>,
}

impl Answer {
    /// An answer without any effect.
    pub fn only(outcome: Outcome) -> Answer {
        Answer {
            outcome,
            relationship: None,
            mca: None,
            customer: None,
            credentials: None,
            problems: Vec::new(),
        }
    }

    /// True when the POST changed state.
    pub fn changed(&self) -> bool {
        matches!(
            self.relationship,
            Some(RelationshipResult::Accepted | RelationshipResult::Restored)
        ) || self.mca == Some(McaResult::Accepted)
            || self.credentials.is_some()
    }
}

/// A registered partner as the invitation page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitingPartner {
    /// Tenant id.
    pub tenant_id: String,
    /// Partner type.
    pub partner_type: String,
    /// MPN id.
    pub mpn_id: Option<String>,
}

/// The registered partner behind an invitation, or `None` when the invitation is not valid.
pub fn inviting_partner(conn: &mut DbConnection, tenant: &TenantId) -> Result<Option<InvitingPartner>, ServiceError> {
    Ok(db::partners::find(conn, tenant.as_str())?.map(|row| InvitingPartner {
        tenant_id: row.tenant_id,
        partner_type: row.partner_type,
        mpn_id: row.mpn_id,
    }))
}

/// Handles a POST whose form token passed its signature, form, partner and expiry checks: consumes the token
/// and applies the submission, all in one transaction. A used token answers `formRejected`; every other
/// answer keeps the token consumed, even when nothing else changes.
pub fn submit(
    conn: &mut DbConnection,
    page: &Page,
    submission: Submission,
    grant: &FormGrant,
    real_now: DateTime<Utc>,
) -> Result<Answer, ServiceError> {
    db::transaction(conn, |conn| {
        if !form_tokens::consume(conn, grant, real_now)? {
            return Ok(Answer::only(Outcome::FormRejected));
        }
        match submission {
            Submission::SignIn {
                user_name,
                password,
                boxes,
            } => sign_in(conn, page, &user_name, &password, boxes),
            Submission::NewTenant {
                domain,
                company_name,
                boxes,
            } => match page {
                Page::Invitation(partner) => new_tenant(conn, partner, &domain, &company_name, boxes),
                Page::Agreement => Ok(Answer::only(Outcome::FormRejected)),
            },
        }
    })
}

fn sign_in(
    conn: &mut DbConnection,
    page: &Page,
    user_name: &str,
    password: &str,
    boxes: Boxes,
) -> Result<Answer, ServiceError> {
    let Some(row) = find_by_sign_in_name(conn, user_name)? else {
        return Ok(Answer::only(Outcome::SignInFailed));
    };
    if !passwords::verify(password, &row.admin_password_hash) {
        return Ok(Answer::only(Outcome::SignInFailed));
    }
    let relationship = match (page.partner(), boxes.relationship) {
        (Some(partner), true) => Some(accept_relationship(conn, &row.id, partner)?),
        _ => None,
    };
    let mca = if boxes.mca {
        Some(accept_mca(conn, &row.id, page.partner())?)
    } else {
        None
    };
    let outcome = match (relationship, mca) {
        (_, Some(McaResult::Refused)) => Outcome::McaRefused,
        (None, None) => Outcome::SignedIn,
        _ => Outcome::Done,
    };
    Ok(Answer {
        outcome,
        relationship,
        mca,
        customer: Some(overview(conn, &row.id)?),
        credentials: None,
        problems: Vec::new(),
    })
}

/// The customer whose admin signs in with `user_name` (case-insensitive): `<userName>@<domain>`, or the stored
/// user name itself when it holds a domain.
fn find_by_sign_in_name(conn: &mut DbConnection, user_name: &str) -> Result<Option<CustomerRow>, ServiceError> {
    let wanted = user_name.trim();
    let Some((_, domain)) = wanted.rsplit_once('@') else {
        return Ok(None);
    };
    if let Some(row) = db::customers::find_by_domain_key(conn, &domain.to_ascii_lowercase())? {
        if sign_in_name(&row.admin_user_name, &row.domain).eq_ignore_ascii_case(wanted) {
            return Ok(Some(row));
        }
    }
    Ok(db::customers::all(conn, None)?
        .into_iter()
        .find(|row| row.admin_user_name.contains('@') && row.admin_user_name.eq_ignore_ascii_case(wanted)))
}

fn accept_relationship(
    conn: &mut DbConnection,
    customer: &str,
    partner: &TenantId,
) -> Result<RelationshipResult, ServiceError> {
    match db::customers::find_known(conn, partner.as_str(), customer)? {
        Some((_, link)) if Relationship::parse(&link.relationship) == Some(Relationship::Reseller) => {
            Ok(RelationshipResult::Unchanged)
        }
        Some(_) => {
            db::customers::set_relationship(conn, partner.as_str(), customer, Relationship::Reseller.as_str())?;
            Ok(RelationshipResult::Restored)
        }
        None => {
            let since = clock::now_for(conn, Some(partner.as_str()))?;
            let row = RelationshipRow {
                customer_id: customer.to_owned(),
                partner_tenant_id: partner.to_string(),
                relationship: Relationship::Reseller.as_str().to_owned(),
                since: clock::to_row_time(since),
                lock_version: 0,
            };
            let written = db::insert_ignoring_duplicate(conn, |c| db::customers::insert_relationship(c, &row))?;
            Ok(if written == 1 {
                RelationshipResult::Accepted
            } else {
                RelationshipResult::Unchanged
            })
        }
    }
}

fn accept_mca(conn: &mut DbConnection, customer: &str, partner: Option<&TenantId>) -> Result<McaResult, ServiceError> {
    let id = CustomerId::parse(customer)
        .ok_or_else(|| ServiceError::Internal(format!("stored customer id {customer} is not a GUID")))?;
    let now = clock::now_for(conn, partner.map(TenantId::as_str))?;
    match customer_admin::accept_directly(conn, &id, None, now) {
        Ok(done) if done.already_accepted => Ok(McaResult::AlreadyAccepted),
        Ok(_) => Ok(McaResult::Accepted),
        Err(ServiceError::LegacyPurchases(_)) => Ok(McaResult::Refused),
        Err(other) => Err(other),
    }
}

fn invalid(problems: Vec<String>) -> Answer {
    Answer {
        problems,
        ..Answer::only(Outcome::Invalid)
    }
}

fn new_tenant(
    conn: &mut DbConnection,
    partner: &TenantId,
    domain: &str,
    company_name: &str,
    boxes: Boxes,
) -> Result<Answer, ServiceError> {
    let mut problems = Vec::new();
    if !boxes.relationship {
        problems.push("A new customer tenant must accept the relationship with the partner.".to_owned());
    }
    let domain = match rules::parse_domain("domain", domain.trim()) {
        Ok(domain) if db::customers::find_by_domain_key(conn, &domain.to_ascii_lowercase())?.is_some() => {
            problems.push(format!("The domain {domain} is already in use."));
            None
        }
        Ok(domain) => Some(domain),
        Err(error) => {
            problems.push(error.message);
            None
        }
    };
    let company_name = company_name.trim();
    let company_name = if contact::is_blank(company_name) {
        problems.push("The company name is required.".to_owned());
        None
    } else {
        match rules::parse_text("companyName", company_name, 256) {
            Ok(name) => Some(name),
            Err(error) => {
                problems.push(error.message);
                None
            }
        }
    };
    let (Some(domain), Some(company_name), true) = (domain, company_name, problems.is_empty()) else {
        return Ok(invalid(problems));
    };
    let now = clock::now_for(conn, Some(partner.as_str()))?;
    let sign_in = sign_in_name(customers::ADMIN_USER_NAME, &domain);
    let input = NewCustomer {
        domain: domain.clone(),
        billing: default_billing_profile(&sign_in, &company_name),
    };
    let created = match customers::create(conn, partner, input, now) {
        Ok(created) => created,
        // Another request took the domain since the check above.
        Err(ServiceError::Validation(_)) => {
            return Ok(invalid(vec![format!("The domain {domain} is already in use.")]))
        }
        Err(other) => return Err(other),
    };
    let mca = if boxes.mca {
        Some(accept_mca(conn, &created.customer.id, Some(partner))?)
    } else {
        None
    };
    Ok(Answer {
        outcome: Outcome::Done,
        relationship: Some(RelationshipResult::Accepted),
        mca,
        customer: Some(overview(conn, &created.customer.id)?),
        credentials: Some(Credentials {
            sign_in_name: sign_in,
            password: created.password,
        }),
        problems: Vec::new(),
    })
}

/// The default billing profile of control-plane spec §6.2.
fn default_billing_profile(sign_in_name: &str, company_name: &str) -> BillingProfile {
    BillingProfile {
        email: sign_in_name.to_owned(),
        culture: "en-US".to_owned(),
        language: "en".to_owned(),
        company_name: company_name.to_owned(),
        default_address: Address {
            country: "US".to_owned(),
            city: "Not provided".to_owned(),
            state: None,
            address_line1: "Not provided".to_owned(),
            address_line2: None,
            postal_code: "00000".to_owned(),
            first_name: None,
            last_name: None,
            phone_number: None,
        },
    }
}

/// The customer with its `reseller` partners, as shown after a sign-in.
fn overview(conn: &mut DbConnection, customer: &str) -> Result<CustomerOverview, ServiceError> {
    let row = db::customers::find(conn, customer)?.ok_or_else(|| ServiceError::UnknownCustomer(customer.to_owned()))?;
    let mut partners = Vec::new();
    for link in db::customers::relationships_of(conn, customer)? {
        if Relationship::parse(&link.relationship) != Some(Relationship::Reseller) {
            continue;
        }
        let registration = db::partners::find(conn, &link.partner_tenant_id)?;
        let mca_confirmed = super::agreements::all_records(conn, &link.partner_tenant_id, customer)?
            .into_iter()
            .find(|attestation| attestation.agreement_type == templates::MCA_TYPE)
            .map(|attestation| attestation.date_agreed);
        partners.push(PartnerEntry {
            partner_type: registration.as_ref().map(|r| r.partner_type.clone()),
            mpn_id: registration.and_then(|r| r.mpn_id),
            since: clock::from_row_time(link.since),
            mca_confirmed,
            tenant_id: link.partner_tenant_id,
        });
    }
    Ok(CustomerOverview {
        sign_in_name: sign_in_name(&row.admin_user_name, &row.domain),
        direct_acceptance: row.direct_acceptance_at.as_deref().and_then(datetime::from_storage),
        id: row.id,
        domain: row.domain,
        company_name: row.company_name,
        partners,
    })
}
