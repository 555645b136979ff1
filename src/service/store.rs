//! The database handle of the service floor: opens the backend named by the URL, migrates it, and runs service calls on blocking threads.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use tracing::Instrument;

use chrono::{DateTime, Utc};

use super::admission::{self, Admission};
use super::control_state::{ControlSnapshot, ControlState};
use super::version_probe::{ReadingFailure, VersionProbe};
use super::ServiceError;
use crate::db::{self, Backend, DatabaseUrl, DbConnection, DbError, Pool, PoolOptions, WriterLock};

/// Shared handle to the database of an instance.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    /// SQLite only: the process's writer lock of this database file.
    writer: Option<WriterLock>,
    /// Partner types, clock offsets and fault rules, kept in memory.
    control: Arc<ControlState>,
    /// One permit per pooled connection: requests beyond the pool wait here, asynchronously, instead of
    /// occupying a blocking thread each (which bounds threads and their allocator arenas).
    gate: Arc<Semaphore>,
    /// Longest wait for a permit before answering busy.
    gate_wait: Duration,
    /// PostgreSQL: readings of the control version shared by concurrent requests.
    probe: Arc<VersionProbe>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).finish()
    }
}

impl Store {
    /// Opens the database named by `url` and applies pending migrations.
    pub fn open(url: &str, options: PoolOptions) -> Result<Store, DbError> {
        let url = DatabaseUrl::parse(url)?;
        let pool = db::build_pool(&url, options)?;
        let mut conn = pool.get().map_err(|e| DbError::Connect(e.to_string()))?;
        db::run_migrations(&mut conn)?;
        let control = Arc::new(ControlState::default());
        control.sync(&mut conn).map_err(|e| DbError::Connect(e.to_string()))?;
        Ok(Store {
            pool,
            backend: url.backend,
            writer: (url.backend == Backend::Sqlite).then(|| Arc::new(std::sync::Mutex::new(()))),
            control,
            gate: Arc::new(Semaphore::new(options.max_size as usize)),
            gate_wait: options.statement_timeout,
            probe: Arc::default(),
        })
    }

    /// The control state as last read, without database access.
    pub fn control(&self) -> Arc<ControlSnapshot> {
        self.control.current()
    }

    /// True when the control state in memory is authoritative between hops: with SQLite this process is the only
    /// writer, and every hop that changes the control state reloads it before it ends.
    pub fn control_is_local(&self) -> bool {
        self.backend == Backend::Sqlite
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one service call with a pooled connection on a blocking thread, inside the caller's tracing span, then
    /// reloads the control state if the call changed it (control-plane writes are seen by the next request).
    pub async fn run<T, F>(&self, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    {
        let control = Arc::clone(&self.control);
        self.hop(move |conn| {
            let result = call(conn)?;
            if let Err(error) = control.sync(conn) {
                // The write is committed; the next hop reads the control state again.
                tracing::warn!(%error, "reloading the control state failed");
            }
            Ok(result)
        })
        .await
    }

    /// Runs a control-plane write in one transaction that first moves the control version: control writes are
    /// serialised across connections and instances (a clock advance is read, added to and written), and they
    /// take their locks in one order (the version row first), so two of them cannot deadlock.
    pub async fn change_control<T, F>(&self, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    {
        self.run(move |conn| {
            db::transaction(conn, |conn| {
                db::control::bump(conn)?;
                call(conn)
            })
        })
        .await
    }

    /// Runs one call of an admitted `/v1` caller in one hop: the control version is read first and, when it moved
    /// since the caller was admitted, the caller is admitted again there; `call` gets the partner's now.
    pub async fn run_for<T, F>(&self, admission: &Admission, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, DateTime<Utc>) -> Result<T, ServiceError> + Send + 'static,
    {
        let control = Arc::clone(&self.control);
        let admission = admission.clone();
        let local = self.control_is_local();
        self.hop(move |conn| {
            // SQLite: memory is authoritative between hops, so the version read is needed only on PostgreSQL.
            let snapshot = if local { control.current() } else { control.sync(conn)? };
            let now = admitted_now(conn, &control, &snapshot, &admission)?;
            call(conn, now)
        })
        .await
    }

    /// Confirms an admission made from memory, for operations that need no other database work: nothing on
    /// SQLite; on PostgreSQL a reading of the control version that started after this call (another instance
    /// may have changed it), shared with concurrent requests. Gives the partner's now, as confirmed.
    pub async fn confirm(&self, admission: &Admission) -> Result<DateTime<Utc>, ServiceError> {
        if self.control_is_local() {
            return Ok(admission.now);
        }
        if self.fresh_control().await?.version == admission.version {
            return Ok(admission.now);
        }
        // The state moved: admit the caller again in an own hop.
        self.run_for(admission, |_, now| Ok(now)).await
    }

    /// The mirror now of a tenant (or the global now): from memory on SQLite, after a reading of the control
    /// version that started after this call on PostgreSQL.
    pub async fn now_for(&self, tenant: Option<String>) -> Result<DateTime<Utc>, ServiceError> {
        if !self.control_is_local() {
            self.fresh_control().await?;
        }
        Ok(self.control.current().now_for(tenant.as_deref()))
    }

    /// The control state after a reading of the control version that started after this call, shared with the
    /// requests that wait at the same time (each gets the reading's error when it failed).
    async fn fresh_control(&self) -> Result<Arc<ControlSnapshot>, ServiceError> {
        let ticket = self.probe.join();
        if ticket.start {
            tokio::spawn(self.clone().read_control_versions(ticket.reading));
        }
        Ok(self.probe.outcome(ticket.reading).await?)
    }

    /// Runs shared readings of the control version, starting with reading `number`, while waiters need more.
    async fn read_control_versions(self, mut number: u64) {
        let mut unfinished = Unfinished {
            probe: &self.probe,
            number,
            finished: false,
        };
        loop {
            let control = Arc::clone(&self.control);
            let reading = self.hop(move |conn| control.sync(conn)).await.map_err(Into::into);
            match self.probe.publish(number, reading) {
                Some(next) => number = next,
                None => break,
            }
            unfinished.number = number;
        }
        unfinished.finished = true;
    }

    /// Registers (or finds) an unknown partner tenant in the database; the first request of a partner pays this.
    pub async fn register_partner(
        &self,
        tenant: String,
        auto_register: bool,
    ) -> Result<crate::domain::partner::PartnerType, ServiceError> {
        let control = Arc::clone(&self.control);
        self.hop(move |conn| admission::register(conn, &control, &tenant, auto_register))
            .await
    }

    /// The one blocking hand-off and pooled checkout of a request.
    async fn hop<T, F>(&self, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    {
        let permit = self.permit().await?;
        let pool = self.pool.clone();
        let writer = self.writer.clone();
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _entered = span.enter();
            with_connection(&pool, writer.as_ref(), call)
        });
        task.instrument(tracing::Span::current())
            .await
            .map_err(|e| ServiceError::Internal(format!("database task failed: {e}")))?
    }

    /// Like [`Store::run_for`] for read-only work. On SQLite the read runs on the calling thread: in WAL mode a
    /// reader never waits for writers, and a one-row read from the page cache costs less than the hand-off to a
    /// blocking thread. On PostgreSQL, where a read is a network round trip, it is an ordinary hop after a shared
    /// reading of the control version (see [`Store::confirm`]).
    pub async fn read_for<T, F>(&self, admission: &Admission, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, DateTime<Utc>) -> Result<T, ServiceError> + Send + 'static,
    {
        if !self.control_is_local() {
            // The version from a shared reading, then the read in its own hop: one round trip of its own.
            if self.fresh_control().await?.version == admission.version {
                let now = admission.now;
                return self.hop(move |conn| call(conn, now)).await;
            }
            return self.run_for(admission, call).await;
        }
        let _permit = self.permit().await?;
        let control = Arc::clone(&self.control);
        with_connection(&self.pool, self.writer.as_ref(), |conn| {
            let now = admitted_now(conn, &control, &control.current(), admission)?;
            call(conn, now)
        })
    }

    /// One of the permits that keep waiting requests off the blocking threads (one per pooled connection).
    async fn permit(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ServiceError> {
        tokio::time::timeout(self.gate_wait, Arc::clone(&self.gate).acquire_owned())
            .await
            .map_err(|_| ServiceError::Busy("every database connection stayed in use".into()))?
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// Number of migrations not yet applied (readiness).
    pub async fn pending_migrations(&self) -> Result<usize, ServiceError> {
        self.hop(|conn| db::pending_migrations(conn).map_err(|e| ServiceError::Internal(e.to_string())))
            .await
    }
}

/// The partner's now for an admission made at an earlier control version: as admitted while the state has not
/// moved, else after admitting the caller again on the current state.
fn admitted_now(
    conn: &mut DbConnection,
    control: &ControlState,
    snapshot: &ControlSnapshot,
    admission: &Admission,
) -> Result<DateTime<Utc>, ServiceError> {
    if snapshot.version == admission.version {
        return Ok(admission.now);
    }
    Ok(admission::readmit(conn, control, snapshot, admission)?.now)
}

/// Publishes a failed reading if the reading task ends early (its runtime shut down), so no waiter waits forever.
struct Unfinished<'a> {
    probe: &'a VersionProbe,
    number: u64,
    finished: bool,
}

impl Drop for Unfinished<'_> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let mut number = self.number;
        let ended = || {
            Err(ReadingFailure::Internal(
                "the control version reading ended early".into(),
            ))
        };
        while let Some(next) = self.probe.publish(number, ended()) {
            number = next;
        }
    }
}

/// Runs `call` on a pooled connection, marking the connection for a test when the call failed on its side.
fn with_connection<T>(
    pool: &db::Pool,
    writer: Option<&db::WriterLock>,
    call: impl FnOnce(&mut DbConnection) -> Result<T, ServiceError>,
) -> Result<T, ServiceError> {
    let mut conn = pool.get().map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    let result = db::with_writer_lock(writer, || call(&mut conn));
    if matches!(
        result,
        Err(ServiceError::Unavailable(_) | ServiceError::Busy(_) | ServiceError::Internal(_))
    ) {
        // Returned to the pool below, on this thread: the pool tests it once before reusing it.
        db::mark_connection_suspect();
    }
    drop(conn);
    result
}
