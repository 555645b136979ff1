//! Queries on customers and partner relationships.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{CustomerRow, RelationshipRow};
use super::schema::{customer_relationships as rel, customers};
use super::DbConnection;

/// Inserts a customer.
pub fn insert(conn: &mut DbConnection, row: &CustomerRow) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::insert_into(customers::table).values(row).execute(c)
    })
}

/// Inserts a relationship.
pub fn insert_relationship(conn: &mut DbConnection, row: &RelationshipRow) -> QueryResult<usize> {
    super::native!(conn, |c| { diesel::insert_into(rel::table).values(row).execute(c) })
}

/// A customer by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<CustomerRow>> {
    super::native!(conn, |c| {
        customers::table
            .filter(customers::id.eq(id))
            .select(CustomerRow::as_select())
            .get_result(c)
            .optional()
    })
}

/// A customer by domain key (lowercase domain).
pub fn find_by_domain_key(conn: &mut DbConnection, domain_key: &str) -> QueryResult<Option<CustomerRow>> {
    super::native!(conn, |c| {
        customers::table
            .filter(customers::domain_key.eq(domain_key))
            .select(CustomerRow::as_select())
            .get_result(c)
            .optional()
    })
}

/// The customer and this partner's relationship to it, when the partner knows the customer.
pub fn find_known(
    conn: &mut DbConnection,
    partner: &str,
    id: &str,
) -> QueryResult<Option<(CustomerRow, RelationshipRow)>> {
    super::native!(conn, |c| {
        customers::table
            .inner_join(rel::table)
            .filter(customers::id.eq(id))
            .filter(rel::partner_tenant_id.eq(partner))
            .select((CustomerRow::as_select(), RelationshipRow::as_select()))
            .get_result(c)
            .optional()
    })
}

/// The relationship of a partner with a customer, if the partner knows the customer (a lighter [`find_known`]).
pub fn relationship(conn: &mut DbConnection, partner: &str, id: &str) -> QueryResult<Option<String>> {
    super::native!(conn, |c| {
        rel::table
            .filter(rel::customer_id.eq(id))
            .filter(rel::partner_tenant_id.eq(partner))
            .select(rel::relationship)
            .get_result(c)
            .optional()
    })
}

/// Takes the write lock on one partner–customer pair: a write as the first statement of a transaction
/// serialises concurrent writers on both backends. Returns false when the pair does not exist.
pub fn lock_relationship(conn: &mut DbConnection, partner: &str, id: &str) -> QueryResult<bool> {
    super::native!(conn, |c| {
        let updated = diesel::update(
            rel::table
                .filter(rel::customer_id.eq(id))
                .filter(rel::partner_tenant_id.eq(partner)),
        )
        .set(rel::lock_version.eq(rel::lock_version + 1))
        .execute(c)?;
        Ok(updated == 1)
    })
}

/// Sets a partner's relationship to a customer.
pub fn set_relationship(conn: &mut DbConnection, partner: &str, id: &str, relationship: &str) -> QueryResult<usize> {
    diesel::update(
        rel::table
            .filter(rel::customer_id.eq(id))
            .filter(rel::partner_tenant_id.eq(partner)),
    )
    .set(rel::relationship.eq(relationship))
    .execute(conn)
}

/// One page of the customers a partner has a `reseller` relationship with, ordered by creation, then id,
/// strictly after the given position.
pub fn page_for_partner(
    conn: &mut DbConnection,
    partner: &str,
    after: Option<(NaiveDateTime, String)>,
    limit: i64,
) -> QueryResult<Vec<(CustomerRow, RelationshipRow)>> {
    super::native!(conn, |c| {
        let mut query = customers::table
            .inner_join(rel::table)
            .filter(rel::partner_tenant_id.eq(partner))
            .filter(rel::relationship.eq("reseller"))
            .select((CustomerRow::as_select(), RelationshipRow::as_select()))
            .order((customers::created_at.asc(), customers::id.asc()))
            .limit(limit)
            .into_boxed();
        if let Some((created_at, id)) = after {
            query = query.filter(
                customers::created_at
                    .gt(created_at)
                    .or(customers::created_at.eq(created_at).and(customers::id.gt(id))),
            );
        }
        query.load(c)
    })
}

/// What a customer search looks at.
#[derive(Debug, Clone, Queryable)]
pub struct SearchKey {
    pub id: String,
    pub company_name: String,
    pub domain: String,
}

/// The search keys of every customer a partner has a `reseller` relationship with, in list order, strictly after
/// the given position.
pub fn search_keys_for_partner(
    conn: &mut DbConnection,
    partner: &str,
    after: Option<(NaiveDateTime, String)>,
) -> QueryResult<Vec<SearchKey>> {
    super::native!(conn, |c| {
        let mut query = customers::table
            .inner_join(rel::table)
            .filter(rel::partner_tenant_id.eq(partner))
            .filter(rel::relationship.eq("reseller"))
            .select((customers::id, customers::company_name, customers::domain))
            .order((customers::created_at.asc(), customers::id.asc()))
            .into_boxed();
        if let Some((created_at, id)) = after {
            query = query.filter(
                customers::created_at
                    .gt(created_at)
                    .or(customers::created_at.eq(created_at).and(customers::id.gt(id))),
            );
        }
        query.load(c)
    })
}

/// The customers with these ids that a partner knows, with the partner's relationship, in no particular order.
pub fn known_by_ids(
    conn: &mut DbConnection,
    partner: &str,
    ids: &[String],
) -> QueryResult<Vec<(CustomerRow, RelationshipRow)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    super::native!(conn, |c| {
        customers::table
            .inner_join(rel::table)
            .filter(rel::partner_tenant_id.eq(partner))
            .filter(customers::id.eq_any(ids))
            .select((CustomerRow::as_select(), RelationshipRow::as_select()))
            .load(c)
    })
}

/// Removes a partner's relationship with a customer, the partner's agreement records and orders for it, and
/// the customer itself once no partner knows it any more. Returns false when the partner did not know it.
pub fn delete_for_partner(conn: &mut DbConnection, partner: &str, id: &str) -> QueryResult<bool> {
    use super::schema::{agreements, orders};
    super::native!(conn, |c| {
        let removed = diesel::delete(
            rel::table
                .filter(rel::customer_id.eq(id))
                .filter(rel::partner_tenant_id.eq(partner)),
        )
        .execute(c)?;
        if removed == 0 {
            return Ok(false);
        }
        diesel::delete(
            agreements::table
                .filter(agreements::customer_id.eq(id))
                .filter(agreements::partner_tenant_id.eq(partner)),
        )
        .execute(c)?;
        diesel::delete(
            orders::table
                .filter(orders::customer_id.eq(id))
                .filter(orders::partner_tenant_id.eq(partner)),
        )
        .execute(c)?;
        let others: i64 = rel::table.filter(rel::customer_id.eq(id)).count().get_result(c)?;
        if others == 0 {
            diesel::delete(customers::table.filter(customers::id.eq(id))).execute(c)?;
        }
        Ok(true)
    })
}

/// Every customer, oldest first, optionally only those a partner knows.
pub fn all(conn: &mut DbConnection, partner: Option<&str>) -> QueryResult<Vec<CustomerRow>> {
    match partner {
        None => customers::table
            .order((customers::created_at.asc(), customers::id.asc()))
            .select(CustomerRow::as_select())
            .load(conn),
        Some(partner) => customers::table
            .inner_join(rel::table)
            .filter(rel::partner_tenant_id.eq(partner))
            .order((customers::created_at.asc(), customers::id.asc()))
            .select(CustomerRow::as_select())
            .load(conn),
    }
}

/// The relationships of one customer, by partner tenant id.
pub fn relationships_of(conn: &mut DbConnection, id: &str) -> QueryResult<Vec<RelationshipRow>> {
    super::native!(conn, |c| {
        rel::table
            .filter(rel::customer_id.eq(id))
            .order(rel::partner_tenant_id.asc())
            .select(RelationshipRow::as_select())
            .load(c)
    })
}

/// Sets the legacy-purchases scenario flag; returns the rows changed.
pub fn set_legacy_purchases(conn: &mut DbConnection, id: &str, value: bool) -> QueryResult<usize> {
    diesel::update(customers::table.filter(customers::id.eq(id)))
        .set(customers::has_legacy_purchases.eq(value))
        .execute(conn)
}

/// Records a direct acceptance unless one exists; returns the rows changed (0 when already accepted).
pub fn record_direct_acceptance(conn: &mut DbConnection, id: &str, accepted_at: &str) -> QueryResult<usize> {
    super::native!(conn, |c| {
        diesel::update(
            customers::table
                .filter(customers::id.eq(id))
                .filter(customers::direct_acceptance_at.is_null()),
        )
        .set(customers::direct_acceptance_at.eq(Some(accepted_at)))
        .execute(c)
    })
}
