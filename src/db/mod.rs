//! Floor 1, persistence: the one connection type over SQLite and PostgreSQL, the pool, embedded migrations and the queries.

pub mod agreements;
pub mod clock;
pub mod continuation;
pub mod customers;
pub mod fault_rows;
pub mod faults;
pub mod fixtures;
pub mod form_nonces;
pub mod idempotency;
pub mod models;
pub mod notifications;
pub mod orders;
pub mod partners;
pub mod reset;
pub mod schema;
pub mod shared_secrets;
pub mod templates;

use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

/// Migrations of the SQLite backend, embedded in the binary.
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
/// Migrations of the PostgreSQL backend, embedded in the binary.
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// A connection to whichever backend the URL named.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    /// Embedded SQLite.
    Sqlite(SqliteConnection),
    /// PostgreSQL.
    Pg(PgConnection),
}

/// The backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `sqlite://PATH` or a plain file path.
    Sqlite,
    /// `postgres://…` or `postgresql://…`.
    Postgres,
}

impl Backend {
    /// Name used in readiness answers and logs.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// Failures of the persistence floor outside of queries.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no supported backend.
    #[error("unsupported database URL scheme `{0}`: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedScheme(String),
    /// Connecting failed.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("database migration failed: {0}")]
    Migration(String),
}

/// A database URL split into its backend and the address to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    /// Which backend.
    pub backend: Backend,
    /// File path (SQLite) or full URL (PostgreSQL).
    pub target: String,
}

impl DatabaseUrl {
    /// Picks the backend by scheme; an unknown scheme is refused rather than taken for a file name.
    pub fn parse(url: &str) -> Result<DatabaseUrl, DbError> {
        let url = url.trim();
        match url.split_once("://") {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("sqlite") => Ok(DatabaseUrl {
                backend: Backend::Sqlite,
                target: rest.to_owned(),
            }),
            Some((scheme, _))
                if scheme.eq_ignore_ascii_case("postgres") || scheme.eq_ignore_ascii_case("postgresql") =>
            {
                Ok(DatabaseUrl {
                    backend: Backend::Postgres,
                    target: url.to_owned(),
                })
            }
            Some((scheme, _)) => Err(DbError::UnsupportedScheme(scheme.to_owned())),
            None if url.is_empty() => Err(DbError::UnsupportedScheme(String::new())),
            None if url.contains(':') && !url.starts_with('/') && !url.starts_with('.') => Err(
                DbError::UnsupportedScheme(url.split(':').next().unwrap_or_default().to_owned()),
            ),
            None => Ok(DatabaseUrl {
                backend: Backend::Sqlite,
                target: url.to_owned(),
            }),
        }
    }
}

/// Opens connections of one backend for the pool, with the SQLite settings applied to each.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
    connect_timeout: Duration,
    statement_timeout: Duration,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.url.backend {
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(&self.url.target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
                    self.statement_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
            Backend::Postgres => {
                let target = with_client_timeouts(&self.url.target, self.connect_timeout);
                let mut conn = PgConnection::establish(&target).map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "SET statement_timeout = {}; SET lock_timeout = {};",
                    self.statement_timeout.as_millis(),
                    self.statement_timeout.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// The connection pool.
pub type Pool = r2d2::Pool<Manager>;
/// A connection taken from the pool.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Pool settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolOptions {
    /// Maximum number of connections.
    pub max_size: u32,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// Longest statement or lock wait.
    pub statement_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions {
            max_size: 8,
            connect_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(30),
        }
    }
}

/// Builds the pool without connecting eagerly, creating the SQLite file's directory when needed.
pub fn build_pool(url: &DatabaseUrl, options: PoolOptions) -> Result<Pool, DbError> {
    if url.backend == Backend::Sqlite {
        if let Some(parent) = Path::new(&url.target).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|e| DbError::Connect(e.to_string()))?;
            }
        }
    }
    Ok(r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .connection_timeout(options.connect_timeout)
        .build_unchecked(Manager {
            url: url.clone(),
            connect_timeout: options.connect_timeout,
            statement_timeout: options.statement_timeout,
        }))
}

/// A PostgreSQL URL with libpq's client-side timeouts added unless the URL sets them: `connect_timeout` bounds
/// opening a connection and `tcp_user_timeout` drops a connection whose packets go unacknowledged, so a server
/// lost behind the network makes requests fail (503) instead of hang.
fn with_client_timeouts(url: &str, connect_timeout: Duration) -> String {
    // libpq reads 1 s as 2 s; whole seconds only.
    let seconds = connect_timeout.as_secs().max(2);
    let mut url = url.to_owned();
    for (key, value) in [
        ("connect_timeout", seconds.to_string()),
        ("tcp_user_timeout", (seconds * 1000).to_string()),
    ] {
        let present = url.split_once('?').is_some_and(|(_, query)| {
            query.split('&').any(|pair| {
                pair.split('=')
                    .next()
                    .is_some_and(|name| name.eq_ignore_ascii_case(key))
            })
        });
        if !present {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(key);
            url.push('=');
            url.push_str(&value);
        }
    }
    url
}

/// Applies every pending migration; on PostgreSQL under an advisory lock so that simultaneous starts apply them once.
pub fn run_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map(|v| v.len())
            .map_err(err),
        DbConnection::Pg(c) => {
            const LOCK: &str = "SELECT pg_advisory_lock(7236510471)";
            c.batch_execute(LOCK).map_err(|e| DbError::Migration(e.to_string()))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.len())
                .map_err(err);
            let unlock = c.batch_execute("SELECT pg_advisory_unlock(7236510471)");
            let applied = result?;
            unlock.map_err(|e| DbError::Migration(e.to_string()))?;
            Ok(applied)
        }
    }
}

/// Number of embedded migrations not yet applied.
pub fn pending_migrations(conn: &mut DbConnection) -> Result<usize, DbError> {
    let err = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => c.pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()).map_err(err),
        DbConnection::Pg(c) => c.pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.len()).map_err(err),
    }
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(error: &diesel::result::Error) -> bool {
    matches!(
        error,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs an insert inside a savepoint and turns a unique-constraint violation into "0 rows written", so that
/// the surrounding transaction stays usable on PostgreSQL too.
pub fn insert_ignoring_duplicate(
    conn: &mut DbConnection,
    insert: impl FnOnce(&mut DbConnection) -> QueryResult<usize>,
) -> QueryResult<usize> {
    match conn.transaction(insert) {
        Ok(written) => Ok(written),
        Err(error) if is_unique_violation(&error) => Ok(0),
        Err(error) => Err(error),
    }
}

/// The error of every query.
pub type QueryError = diesel::result::Error;

/// Runs `work` in a transaction (a savepoint when one is already open); any error rolls it back.
pub fn transaction<T, E: From<QueryError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    conn.transaction(work)
}

/// True when a query failed because the connection to the database is gone.
pub fn is_connection_error(error: &QueryError) -> bool {
    use diesel::result::DatabaseErrorKind as K;
    matches!(
        error,
        diesel::result::Error::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_urls_get_client_timeouts_unless_they_set_them() {
        let five = Duration::from_secs(5);
        assert_eq!(
            with_client_timeouts("postgres://u@h/db", five),
            "postgres://u@h/db?connect_timeout=5&tcp_user_timeout=5000"
        );
        assert_eq!(
            with_client_timeouts(
                "postgres://u@h/db?sslmode=disable&connect_timeout=9",
                Duration::from_secs(1)
            ),
            "postgres://u@h/db?sslmode=disable&connect_timeout=9&tcp_user_timeout=2000"
        );
    }

    #[test]
    fn unknown_schemes_are_refused_and_known_ones_pick_their_backend() {
        assert!(
            matches!(DatabaseUrl::parse("postgresx://h/db"), Err(DbError::UnsupportedScheme(s)) if s == "postgresx")
        );
        assert_eq!(
            DatabaseUrl::parse("postgresql://h/db").unwrap().backend,
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/x.sqlite3").unwrap().backend,
            Backend::Sqlite
        );
        assert_eq!(DatabaseUrl::parse("./x.sqlite3").unwrap().backend, Backend::Sqlite);
    }
}
