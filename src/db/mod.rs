//! Floor 1, persistence: the one connection type over SQLite and PostgreSQL, the pool, embedded migrations and the queries.
//!
//! Single-row lookups read the first row with `get_result` rather than `first`: SQLite re-prepares a statement
//! whose `LIMIT` is a bound parameter every time it is bound, which would undo the prepared-statement cache.
//! Queries on the request path run through [`native!`] on the backend's own connection type.

/// Runs one query on the backend's own connection: `native!(conn, |c| query.load(c))`.
///
/// Through the multi-backend connection diesel renders the full SQL text of a query on every call, only to look
/// its prepared statement up; on the backend's own connection the statement is found by the query's type.
/// Transactions are the backend's own either way, so this may run inside [`transaction`].
macro_rules! native {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}
pub(crate) use native;

pub mod agreements;
pub mod clock;
pub mod continuation;
pub mod control;
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

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
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

/// Page cache of one SQLite connection, in KiB (SQLite's default is 2 000): the operating system caches the file
/// as well, so a pool of connections need not hold several copies of the hot pages.
const SQLITE_CACHE_KIB: u32 = 512;

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
                     PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON; PRAGMA cache_size = -{SQLITE_CACHE_KIB};",
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

    /// Checked when a connection returns to the pool, on the thread that used it: after a call that failed, the
    /// connection is tested once and dropped when it does not answer. This replaces a `SELECT 1` on every checkout.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        CONNECTION_SUSPECT.with(|flag| flag.replace(false)) && conn.batch_execute("SELECT 1").is_err()
    }
}

thread_local! {
    /// Set by [`mark_connection_suspect`] while a pooled connection is in use on this thread.
    static CONNECTION_SUSPECT: Cell<bool> = const { Cell::new(false) };
    /// The in-process writer lock of the SQLite database the current call uses (see [`with_writer_lock`]).
    static SQLITE_WRITER: RefCell<Option<WriterLock>> = const { RefCell::new(None) };
}

/// Records that a call on the connection in use on this thread failed, so the pool tests it when it comes back.
pub fn mark_connection_suspect() {
    CONNECTION_SUSPECT.with(|flag| flag.set(true));
}

/// One SQLite database's writer lock: write transactions of one process take it before `BEGIN IMMEDIATE`, so
/// writers queue in memory instead of polling SQLite's busy handler.
pub type WriterLock = Arc<Mutex<()>>;

/// Runs `call` with `lock` as the writer lock of this thread's SQLite transactions.
pub fn with_writer_lock<T>(lock: Option<&WriterLock>, call: impl FnOnce() -> T) -> T {
    SQLITE_WRITER.with(|slot| *slot.borrow_mut() = lock.cloned());
    let result = call();
    SQLITE_WRITER.with(|slot| *slot.borrow_mut() = None);
    result
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
        .test_on_check_out(false)
        .connection_timeout(options.connect_timeout)
        .build_unchecked(Manager {
            url: url.clone(),
            connect_timeout: options.connect_timeout,
            statement_timeout: options.statement_timeout,
        }))
}

/// A PostgreSQL URL with libpq's client-side timeouts added unless the URL sets them: `connect_timeout` bounds
/// opening a connection and `tcp_user_timeout` drops a connection whose packets go unacknowledged, so a server
/// lost behind the network makes requests fail (503) instead of hang. On a loopback host, `sslmode=disable` is
/// added too unless the URL sets a mode: encryption between two processes of one machine costs every round trip.
fn with_client_timeouts(url: &str, connect_timeout: Duration) -> String {
    // libpq reads 1 s as 2 s; whole seconds only.
    let seconds = connect_timeout.as_secs().max(2);
    let mut url = url.to_owned();
    let mut settings = vec![
        ("connect_timeout", seconds.to_string()),
        ("tcp_user_timeout", (seconds * 1000).to_string()),
    ];
    if is_loopback_url(&url) {
        settings.push(("sslmode", "disable".to_owned()));
    }
    for (key, value) in settings {
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

/// True when a PostgreSQL URL names a loopback host (`localhost`, `127.x.x.x` or `[::1]`).
fn is_loopback_url(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host = if host_port.starts_with('[') {
        host_port.split(']').next().unwrap_or_default().trim_start_matches('[')
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost") || host.starts_with("127.") || host == "::1"
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

/// Runs read-only `work` on one consistent snapshot: a `REPEATABLE READ, READ ONLY` transaction on PostgreSQL,
/// a deferred read transaction on SQLite (which never takes the writer lock). Inside an open transaction it runs
/// there, with that transaction's isolation.
pub fn consistent_read<T, E: From<QueryError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    let open = <DbConnection as Connection>::TransactionManager::transaction_manager_status_mut(conn)
        .transaction_depth()
        .map_err(E::from)?
        .is_some();
    if open {
        return work(conn);
    }
    conn.transaction(|conn| {
        if matches!(conn, DbConnection::Pg(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .map_err(E::from)?;
        }
        work(conn)
    })
}

/// Runs `work` in a transaction (a savepoint when one is already open); any error rolls it back.
///
/// On SQLite an outermost transaction takes the process's writer lock and starts with `BEGIN IMMEDIATE`: a
/// deferred transaction that reads and then writes cannot wait for another writer (SQLITE_BUSY_SNAPSHOT), while
/// an immediate one holds the write lock from its first statement.
pub fn transaction<T, E: From<QueryError>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<T, E>,
) -> Result<T, E> {
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c)
            .transaction_depth()
            .map_err(E::from)?
            .is_none(),
        DbConnection::Pg(_) => false,
    };
    if !outermost_sqlite {
        return conn.transaction(work);
    }
    let writer = SQLITE_WRITER.with(|slot| slot.borrow().clone());
    let _guard = writer
        .as_ref()
        .map(|lock| lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE").map_err(E::from)?;
    }
    match work(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn).map_err(E::from)?;
            Ok(value)
        }
        Err(error) => {
            // The work's error is the one to report; a failed rollback leaves the connection to diesel's checks.
            let _ = <DbConnection as Connection>::TransactionManager::rollback_transaction(conn);
            Err(error)
        }
    }
}

/// True when a query failed because the connection to the database is gone.
pub fn is_connection_error(error: &QueryError) -> bool {
    use diesel::result::DatabaseErrorKind as K;
    matches!(
        error,
        diesel::result::Error::DatabaseError(K::ClosedConnection | K::UnableToSendCommand, _)
    )
}

/// True when a query gave up waiting for a lock held by another writer: SQLite's busy timeout, PostgreSQL's lock
/// or statement timeout, a serialization failure or a deadlock. The request may be retried as it is.
pub fn is_busy_error(error: &QueryError) -> bool {
    use diesel::result::DatabaseErrorKind as K;
    match error {
        diesel::result::Error::DatabaseError(K::SerializationFailure, _) => true,
        diesel::result::Error::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("database is locked")
                || message.contains("database is busy")
                || message.contains("database table is locked")
                || message.contains("lock timeout")
                || message.contains("statement timeout")
                || message.contains("deadlock detected")
        }
        _ => false,
    }
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
    fn loopback_urls_skip_tls_unless_they_choose_a_mode() {
        let five = Duration::from_secs(5);
        assert!(with_client_timeouts("postgres://root@127.0.0.1:5432/db", five).ends_with("&sslmode=disable"));
        assert!(with_client_timeouts("postgres://root@localhost/db", five).ends_with("&sslmode=disable"));
        assert!(with_client_timeouts("postgres://u:p@[::1]:5432/db", five).ends_with("&sslmode=disable"));
        assert!(!with_client_timeouts("postgres://root@db.internal/db", five).contains("sslmode"));
        assert_eq!(
            with_client_timeouts("postgres://root@127.0.0.1/db?sslmode=require", five)
                .matches("sslmode")
                .count(),
            1
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
