//! Used form-token nonces of the admin-center pages (control-plane spec §10.1): a nonce is stored once, so a
//! form token is single-use across every instance of one database.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::form_nonces::dsl;
use super::DbConnection;

/// Stores a nonce as used until `expires_at`; false when it was used before (the unique key decides).
pub fn insert(conn: &mut DbConnection, nonce: &str, expires_at: NaiveDateTime) -> QueryResult<bool> {
    let written = super::insert_ignoring_duplicate(conn, |c| {
        diesel::insert_into(dsl::form_nonces)
            .values((dsl::nonce.eq(nonce), dsl::expires_at.eq(expires_at)))
            .execute(c)
    })?;
    Ok(written == 1)
}

/// Deletes nonces whose token expired before `now` (such tokens are refused for their expiry anyway).
pub fn purge_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(dsl::form_nonces.filter(dsl::expires_at.lt(now))).execute(conn)
}
