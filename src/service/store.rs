//! The database handle of the service floor: opens the backend named by the URL, migrates it, and runs service calls on blocking threads.

use std::sync::Arc;

use tracing::Instrument;

use super::ServiceError;
use crate::db::{self, Backend, DatabaseUrl, DbConnection, DbError, Pool, PoolOptions};

/// Shared handle to the database of an instance.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    backend: Backend,
    _keep: Arc<()>,
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
        Ok(Store {
            pool,
            backend: url.backend,
            _keep: Arc::new(()),
        })
    }

    /// Which backend this store uses.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Runs one service call with a pooled connection on a blocking thread, inside the caller's tracing span.
    pub async fn run<T, F>(&self, call: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ServiceError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        let task = tokio::task::spawn_blocking(move || {
            let _entered = span.enter();
            let mut conn = pool.get().map_err(|e| ServiceError::Unavailable(e.to_string()))?;
            call(&mut conn)
        });
        task.instrument(tracing::Span::current())
            .await
            .map_err(|e| ServiceError::Internal(format!("database task failed: {e}")))?
    }

    /// Number of migrations not yet applied (readiness).
    pub async fn pending_migrations(&self) -> Result<usize, ServiceError> {
        self.run(|conn| db::pending_migrations(conn).map_err(|e| ServiceError::Internal(e.to_string())))
            .await
    }
}
