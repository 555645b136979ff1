//! Keys that every instance on one database must share: the database holds them; an instance's data-directory
//! copy only seeds an empty database.

use chrono::Utc;

use super::{clock, ServiceError};
use crate::db::{self, DbConnection};

/// Name of the development signing key (PKCS#1 PEM).
pub const DEV_KEY: &str = "dev-signing-key";
/// Name of the link-signing key (hex).
pub const LINK_KEY: &str = "link-signing-key";

/// The database's value of `name`, seeding it with `local` when the database has none.
pub fn shared(conn: &mut DbConnection, name: &str, local: &str) -> Result<String, ServiceError> {
    Ok(db::shared_secrets::get_or_insert(
        conn,
        name,
        local,
        clock::to_row_time(Utc::now()),
    )?)
}

/// The database's value of `name`, when some instance stored one.
pub fn find(conn: &mut DbConnection, name: &str) -> Result<Option<String>, ServiceError> {
    Ok(db::shared_secrets::find(conn, name)?)
}
