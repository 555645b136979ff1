//! Builds an instance: settings → database, keys, verifier → the actix App with middleware, routes, OpenAPI and
//! Swagger UI → a bound server.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse, HttpServer};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::claims::ClaimRules;
use crate::auth::dev_key::{DevKey, DevKeyError};
use crate::auth::dev_key_slot::DevKeySlot;
use crate::auth::{Verifier, VerifierSettings};
use crate::config::{ConfigError, Settings};
use crate::db::DbError;
use crate::http::fallback::{self, RouteTable};
use crate::http::journal::{record_requests, Journal};
use crate::http::normalize::normalize_path;
use crate::http::openapi::api_doc_for;
use crate::http::request_ids::request_ids;
use crate::http::state::AppState;
use crate::mailer::{Dispatcher, Mailer};
use crate::secrets::{self, SecretError};
use crate::service::document_links::LinkSigner;
use crate::service::form_tokens::FormTokens;
use crate::service::notifications::OutboxMode;
use crate::service::{fixtures, shared_keys, Store};

/// How long after start a missing development key is made when nothing asks for it sooner.
const DEV_KEY_IDLE_DELAY: std::time::Duration = std::time::Duration::from_millis(250);

/// Why an instance could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// Unusable settings.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Database unreachable or migrations failed.
    #[error(transparent)]
    Database(#[from] DbError),
    /// The development key could not be loaded or created.
    #[error(transparent)]
    DevKey(#[from] DevKeyError),
    /// A persisted secret could not be loaded or created.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// The address could not be bound.
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    /// The startup fixture file is unreadable or invalid (control-plane spec §6.5).
    #[error("the fixture file {0} was not loaded: {1}")]
    Fixtures(String, String),
    /// Anything else during start.
    #[error("{0}")]
    Other(String),
}

/// A bound, not yet running, instance.
pub struct Application {
    address: SocketAddr,
    server: Server,
    /// The SMTP dispatcher of the outbox, when an SMTP URL is set; it runs while the server runs.
    dispatcher: Option<Dispatcher>,
}

impl Application {
    /// Opens the database, loads or creates the keys, binds the address and prepares the server.
    pub async fn build(settings: Settings) -> Result<Application, StartupError> {
        settings.validate()?;
        let data_dir = settings.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(|e| {
            StartupError::Other(format!("cannot create the data directory {}: {e}", data_dir.display()))
        })?;
        let url = settings.effective_database_url();
        let options = settings.pool_options();
        let store = blocking(move || Store::open(&url, options).map_err(StartupError::from)).await?;
        if let Some(path) = settings.control.fixtures.clone() {
            load_startup_fixtures(&store, path).await?;
        }
        let dev_key = if settings.dev_key_enabled {
            Some(shared_dev_key(&store, &data_dir).await?)
        } else {
            None
        };
        let local_link_key = secrets::link_key_hex(&data_dir)?;
        let link_key = store
            .run(move |conn| shared_keys::shared(conn, shared_keys::LINK_KEY, &local_link_key))
            .await
            .map_err(|e| StartupError::Other(format!("cannot read the shared link-signing key: {e}")))?;
        let link_key = secrets::decode_link_key(&link_key)?;
        let forms = FormTokens::new(link_key.clone(), settings.control.form_token_lifetime_seconds);
        let links = LinkSigner::new(link_key);
        let instance_id = secrets::instance_id(&data_dir)?;
        let listener = TcpListener::bind(&settings.bind).map_err(|e| StartupError::Bind(settings.bind.clone(), e))?;
        let address = listener
            .local_addr()
            .map_err(|e| StartupError::Bind(settings.bind.clone(), e))?;
        let public_base_url = settings
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://localhost:{}", address.port()))
            .trim_end_matches('/')
            .to_owned();
        let outbox_wake = Arc::new(tokio::sync::Notify::new());
        let dispatcher = match settings.smtp_endpoint()? {
            Some(endpoint) => {
                let mailer =
                    Mailer::new(&endpoint, &settings.smtp.smtp_from).map_err(|e| StartupError::Other(e.to_string()))?;
                tracing::info!(host = %endpoint.host, port = endpoint.port, "notifications are delivered over SMTP");
                Some(Dispatcher::new(
                    store.clone(),
                    mailer,
                    outbox_wake.clone(),
                    settings.smtp.smtp_retry_base_ms,
                ))
            }
            None => None,
        };
        let outbox_mode = if dispatcher.is_some() {
            OutboxMode::Smtp
        } else {
            OutboxMode::Computed
        };
        let verifier = Verifier::new(
            VerifierSettings {
                hs256_secret: settings.jwt_hs256_secret.clone(),
                jwks_urls: settings.jwks_urls.clone(),
                rules: ClaimRules {
                    audiences: settings.audiences.clone(),
                    issuers: settings.issuers.clone(),
                    require_mfa: settings.require_mfa,
                    leeway_seconds: i64::try_from(settings.clock_leeway_seconds).unwrap_or(i64::MAX),
                },
            },
            dev_key.clone(),
        );
        let journal = Arc::new(Journal::new(
            settings.control.journal_capacity,
            settings.control.journal_max_bytes,
            &instance_id,
        ));
        let state = web::Data::new(AppState {
            store,
            verifier,
            dev_key,
            links,
            forms,
            instance_id,
            public_base_url,
            auto_register_partners: settings.auto_register_partners,
            data_dir,
            admin_token: settings.control.admin_token.clone(),
            default_audience: settings.audiences.first().cloned().unwrap_or_default(),
            journal,
            fixtures_file: settings.control.fixtures.clone(),
            outbox_mode,
            outbox_wake,
        });
        let control_plane = settings.control.control_plane;
        let api = api_doc_for(control_plane);
        let table = web::Data::new(RouteTable::from_openapi(&api));
        let server = HttpServer::new(move || {
            let mut app = App::new().configure(crate::http::routes::<web::ServiceConfig>);
            if control_plane {
                app = app.configure(crate::http::control::routes::<web::ServiceConfig>);
            }
            app.app_data(state.clone())
                .app_data(table.clone())
                .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", api.clone()))
                .route(
                    "/swagger-ui",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header(("Location", "/swagger-ui/"))
                            .finish()
                    }),
                )
                .default_service(web::to(fallback::unmatched))
                .wrap(from_fn(record_requests))
                .wrap(from_fn(request_ids))
                .wrap(from_fn(normalize_path))
        })
        .workers(2)
        .shutdown_timeout(5)
        .listen(listener)
        .map_err(|e| StartupError::Bind(settings.bind.clone(), e))?
        .run();
        Ok(Application {
            address,
            server,
            dispatcher,
        })
    }

    /// The bound port (the real one when port 0 was asked for).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped; the outbox dispatcher (when SMTP is configured) runs alongside and stops with it.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let running = self.dispatcher.map(Dispatcher::spawn);
        let trimmer = crate::memory::spawn_trimmer();
        let served = self.server.await;
        trimmer.abort();
        if let Some(running) = running {
            running.stop().await;
        }
        served
    }
}

/// The development key every instance on this database shares (seeded from the data directory when new).
/// When neither the database nor the data directory has one, it is generated in the background: the instance
/// is ready at once and the first use of the key waits for it.
pub async fn shared_dev_key(store: &Store, data_dir: &std::path::Path) -> Result<DevKeySlot, StartupError> {
    let known = store
        .run(|conn| shared_keys::find(conn, shared_keys::DEV_KEY))
        .await
        .map_err(|e| StartupError::Other(format!("cannot read the shared development key: {e}")))?;
    if let Some(pem) = known {
        return Ok(DevKeySlot::ready(DevKey::from_pem(&pem)?));
    }
    if data_dir.join(secrets::DEV_KEY_FILE).exists() {
        return Ok(DevKeySlot::ready(share_local_dev_key(store, data_dir).await?));
    }
    let (slot, filler) = DevKeySlot::pending();
    let store = store.clone();
    let dir = data_dir.to_path_buf();
    tokio::spawn(async move {
        filler.wanted(DEV_KEY_IDLE_DELAY).await;
        let made = share_local_dev_key(&store, &dir).await.map_err(|e| e.to_string());
        if let Err(reason) = &made {
            tracing::error!(%reason, "the development key could not be made");
        }
        filler.fill(made);
    });
    Ok(slot)
}

/// The data directory's key (generated when missing), offered to the database; the database's key wins.
async fn share_local_dev_key(store: &Store, data_dir: &std::path::Path) -> Result<DevKey, StartupError> {
    let dir = data_dir.to_path_buf();
    let local = blocking(move || DevKey::load_or_create_pem(&dir).map_err(StartupError::from)).await?;
    let pem = store
        .run(move |conn| shared_keys::shared(conn, shared_keys::DEV_KEY, &local))
        .await
        .map_err(|e| StartupError::Other(format!("cannot read the shared development key: {e}")))?;
    Ok(DevKey::from_pem(&pem)?)
}

/// Loads the startup fixture file when the database holds no partner and no customer (control-plane spec §6.5).
async fn load_startup_fixtures(store: &Store, path: std::path::PathBuf) -> Result<(), StartupError> {
    let shown = path.display().to_string();
    let loaded = store
        .run(move |conn| fixtures::load_file_if_empty(conn, &path))
        .await
        .map_err(|e| StartupError::Fixtures(shown.clone(), e.to_string()))?;
    match loaded {
        Some(summary) => tracing::info!(
            file = %shown,
            partners = summary.partners,
            customers = summary.customers,
            agreements = summary.agreements,
            notifications = summary.notifications,
            "fixture file loaded"
        ),
        None => tracing::info!(
            file = %shown,
            "fixture file skipped: the database already holds partners or customers"
        ),
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, StartupError> + Send + 'static,
) -> Result<T, StartupError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StartupError::Other(format!("start-up task failed: {e}")))?
}
