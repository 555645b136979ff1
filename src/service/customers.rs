//! Customers of a partner (contract §4.6): create with generated credentials, get, and the paged list with continuation tokens.

use chrono::{DateTime, NaiveDateTime, Utc};
use rand::Rng;

use super::{clock, passwords, ServiceError};
use crate::db::{
    self,
    models::{ContinuationRow, CustomerRow, RelationshipRow},
    DbConnection,
};
use crate::domain::customer::{Address, BillingProfile, NewCustomer, Relationship};
use crate::domain::customer_filter::{CustomerFilter, FilterField};
use crate::domain::ids::{CustomerId, Guid, TenantId};
use crate::domain::{FieldError, FieldErrors, Reason};

/// Admin user name of customers created through the API.
pub const ADMIN_USER_NAME: &str = "admin";

/// A customer as one partner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Tenant id.
    pub id: String,
    /// Commerce id.
    pub commerce_id: String,
    /// Domain.
    pub domain: String,
    /// Company name.
    pub company_name: String,
    /// Billing profile id.
    pub billing_profile_id: String,
    /// Billing profile etag.
    pub billing_etag: String,
    /// Billing profile.
    pub billing: BillingProfile,
    /// The partner's relationship.
    pub relationship: Relationship,
}

/// A newly created customer with its one-time admin credentials.
#[derive(Debug, Clone)]
pub struct CreatedCustomer {
    /// The customer.
    pub customer: Customer,
    /// Admin user name.
    pub user_name: String,
    /// Admin password, shown only once.
    pub password: String,
}

/// A page of the customer list.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    /// Customers of this page.
    pub items: Vec<Customer>,
    /// Token for the next page, when more customers follow.
    pub continuation: Option<String>,
    /// The page size in force, from the request or the continuation token.
    pub size: i64,
}

/// Creates a customer owned by the partner, with a `reseller` relationship (contract §4.6 (f1)).
pub fn create(
    conn: &mut DbConnection,
    partner: &TenantId,
    input: NewCustomer,
    now: DateTime<Utc>,
) -> Result<CreatedCustomer, ServiceError> {
    let id = Guid::new_random().into_string();
    let password = passwords::generate(12);
    let password_hash = passwords::hash(&password)?;
    let created_at = clock::to_row_time(now);
    let billing = input.billing;
    let address = billing.default_address.clone();
    let row = CustomerRow {
        id: id.clone(),
        owner_partner_tenant_id: Some(partner.to_string()),
        domain_key: input.domain.to_ascii_lowercase(),
        domain: input.domain,
        company_name: billing.company_name.clone(),
        commerce_id: Guid::new_random().into_string(),
        billing_profile_id: Guid::new_random().into_string(),
        billing_etag: rand::thread_rng()
            .gen_range(1_000_000_000_000_000_000u64..u64::MAX)
            .to_string(),
        billing_email: billing.email.clone(),
        billing_culture: billing.culture.clone(),
        billing_language: billing.language.clone(),
        billing_company_name: billing.company_name.clone(),
        address_country: address.country,
        address_city: address.city,
        address_state: address.state,
        address_line1: address.address_line1,
        address_line2: address.address_line2,
        address_postal_code: address.postal_code,
        address_first_name: address.first_name,
        address_last_name: address.last_name,
        address_phone_number: address.phone_number,
        admin_user_name: ADMIN_USER_NAME.to_owned(),
        admin_password_hash: password_hash,
        has_legacy_purchases: false,
        direct_acceptance_at: None,
        created_at,
    };
    let relationship = RelationshipRow {
        customer_id: id.clone(),
        partner_tenant_id: partner.to_string(),
        relationship: Relationship::Reseller.as_str().to_owned(),
        since: created_at,
        lock_version: 0,
    };
    db::transaction(conn, |conn| {
        db::customers::insert(conn, &row).map_err(|e| {
            if db::is_unique_violation(&e) {
                domain_in_use(&row.domain)
            } else {
                e.into()
            }
        })?;
        db::customers::insert_relationship(conn, &relationship)?;
        Ok::<(), ServiceError>(())
    })?;
    Ok(CreatedCustomer {
        customer: customer_of(&row, &relationship)?,
        user_name: ADMIN_USER_NAME.to_owned(),
        password,
    })
}

fn domain_in_use(domain: &str) -> ServiceError {
    ServiceError::Validation(FieldErrors::from(FieldError::new(
        "companyProfile.domain",
        Reason::AlreadyInUse,
        format!("domain {domain} is already in use"),
    )))
}

/// One customer the partner knows, whatever its relationship state (contract §4.6 (f3)).
pub fn get(conn: &mut DbConnection, partner: &TenantId, customer: &CustomerId) -> Result<Customer, ServiceError> {
    let (row, relationship) =
        db::customers::find_known(conn, partner.as_str(), customer.as_str())?.ok_or(ServiceError::CustomerNotFound)?;
    customer_of(&row, &relationship)
}

/// Where a page of the customer list starts.
#[derive(Debug, Clone)]
pub enum PageStart {
    /// The first page.
    First,
    /// After the position a continuation token names.
    Continue(String),
}

/// Default page size of the customer list (contract §4.6 (f2)).
pub const DEFAULT_PAGE_SIZE: i64 = 100;

/// What a client asked of the customer list; a continuation token supplies what the request leaves out.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Where the page starts.
    pub start: PageStart,
    /// The page size the client gave (already clamped), if any.
    pub size: Option<i64>,
    /// The search the client gave, if any; a continued list keeps the search of its first page.
    pub filter: Option<CustomerFilter>,
}

/// One page of the partner's customers with a `reseller` relationship, oldest first, optionally only those a
/// filter matches (contract §4.6 (f2)). The continuation token remembers the page size and the filter.
pub fn list(
    conn: &mut DbConnection,
    partner: &TenantId,
    request: PageRequest,
    now: DateTime<Utc>,
) -> Result<CustomerPage, ServiceError> {
    let (size, filter, after) = match request.start {
        PageStart::First => (request.size.unwrap_or(DEFAULT_PAGE_SIZE), request.filter, None),
        PageStart::Continue(token) => {
            let row = db::continuation::find(conn, &token)?
                .filter(|row| row.partner_tenant_id == partner.as_str())
                .ok_or_else(|| {
                    ServiceError::Validation(FieldErrors::from(FieldError::new(
                        "MS-ContinuationToken",
                        Reason::InvalidFormat,
                        "MS-ContinuationToken is unknown or belongs to another partner",
                    )))
                })?;
            let filter = stored_filter(&row)?;
            (
                request.size.unwrap_or(row.page_size),
                filter,
                Some((row.after_created_at, row.after_id)),
            )
        }
    };
    let mut rows = match &filter {
        None => db::customers::page_for_partner(conn, partner.as_str(), after, size + 1)?,
        Some(filter) => filtered_page(conn, partner, filter, after, size + 1)?,
    };
    let more = rows.len() as i64 > size;
    rows.truncate(usize::try_from(size).unwrap_or(usize::MAX));
    let continuation = match (more, rows.last()) {
        (true, Some((last, _))) => {
            let token = new_token();
            db::continuation::insert(
                conn,
                &ContinuationRow {
                    token: token.clone(),
                    partner_tenant_id: partner.to_string(),
                    after_created_at: last.created_at,
                    after_id: last.id.clone(),
                    created_at: clock::to_row_time(now),
                    page_size: size,
                    filter_field: filter.as_ref().map(|f| f.field.as_str().to_owned()),
                    filter_value: filter.as_ref().map(|f| f.value.clone()),
                },
            )?;
            Some(token)
        }
        _ => None,
    };
    let items = rows
        .iter()
        .map(|(row, rel)| customer_of(row, rel))
        .collect::<Result<_, _>>()?;
    Ok(CustomerPage {
        items,
        continuation,
        size,
    })
}

/// The search a continuation token carries.
fn stored_filter(row: &ContinuationRow) -> Result<Option<CustomerFilter>, ServiceError> {
    match (&row.filter_field, &row.filter_value) {
        (Some(field), Some(value)) => {
            let field = FilterField::parse(field)
                .ok_or_else(|| ServiceError::Internal(format!("stored filter field {field} is unknown")))?;
            Ok(Some(CustomerFilter::new(field, value.clone())))
        }
        _ => Ok(None),
    }
}

/// Up to `limit` customers after `after` that `filter` matches: the keys are matched here, so the comparison
/// folds case the same way on both backends, then only the matching rows are read in full.
fn filtered_page(
    conn: &mut DbConnection,
    partner: &TenantId,
    filter: &CustomerFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> Result<Vec<(CustomerRow, RelationshipRow)>, ServiceError> {
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX);
    let ids: Vec<String> = db::customers::search_keys_for_partner(conn, partner.as_str(), after)?
        .into_iter()
        .filter(|key| filter.matches(&key.company_name, &key.domain))
        .take(wanted)
        .map(|key| key.id)
        .collect();
    let mut rows = db::customers::known_by_ids(conn, partner.as_str(), &ids)?;
    rows.sort_by_key(|(row, _)| ids.iter().position(|id| *id == row.id));
    Ok(rows)
}

fn new_token() -> String {
    use base64::Engine;
    let bytes: [u8; 24] = rand::thread_rng().gen();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn customer_of(row: &CustomerRow, relationship: &RelationshipRow) -> Result<Customer, ServiceError> {
    let relationship = Relationship::parse(&relationship.relationship).ok_or_else(|| {
        ServiceError::Internal(format!("stored relationship {} is unknown", relationship.relationship))
    })?;
    Ok(Customer {
        id: row.id.clone(),
        commerce_id: row.commerce_id.clone(),
        domain: row.domain.clone(),
        company_name: row.company_name.clone(),
        billing_profile_id: row.billing_profile_id.clone(),
        billing_etag: row.billing_etag.clone(),
        billing: BillingProfile {
            email: row.billing_email.clone(),
            culture: row.billing_culture.clone(),
            language: row.billing_language.clone(),
            company_name: row.billing_company_name.clone(),
            default_address: Address {
                country: row.address_country.clone(),
                city: row.address_city.clone(),
                state: row.address_state.clone(),
                address_line1: row.address_line1.clone(),
                address_line2: row.address_line2.clone(),
                postal_code: row.address_postal_code.clone(),
                first_name: row.address_first_name.clone(),
                last_name: row.address_last_name.clone(),
                phone_number: row.address_phone_number.clone(),
            },
        },
        relationship,
    })
}

/// Removes the partner's reseller relationship (contract §4.6 (f5)); repeating it changes nothing.
pub fn remove_relationship(
    conn: &mut DbConnection,
    partner: &TenantId,
    customer: &CustomerId,
    input: Result<(), FieldErrors>,
) -> Result<Customer, ServiceError> {
    db::transaction(conn, |conn| {
        if !db::customers::lock_relationship(conn, partner.as_str(), customer.as_str())? {
            return Err(ServiceError::CustomerNotFound);
        }
        input?;
        db::customers::set_relationship(conn, partner.as_str(), customer.as_str(), Relationship::None.as_str())?;
        get(conn, partner, customer)
    })
}

/// Deletes a customer in an integration sandbox (contract §4.6): the partner's relationship, agreement records
/// and orders go, and the customer tenant itself once no other partner knows it. Outside a sandbox: refused.
pub fn delete(conn: &mut DbConnection, partner: &TenantId, customer: &CustomerId) -> Result<(), ServiceError> {
    db::transaction(conn, |conn| {
        let sandbox = db::partners::find(conn, partner.as_str())?.is_some_and(|p| p.integration_sandbox);
        if !sandbox {
            return Err(ServiceError::NotASandbox);
        }
        if !db::customers::delete_for_partner(conn, partner.as_str(), customer.as_str())? {
            return Err(ServiceError::CustomerNotFound);
        }
        Ok(())
    })
}
