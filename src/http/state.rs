//! What every handler shares: the store, the token verifier, the keys, and settings resolved at start.

use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::auth::dev_key_slot::DevKeySlot;
use crate::auth::Verifier;
use crate::http::journal::Journal;
use crate::service::document_links::LinkSigner;
use crate::service::form_tokens::FormTokens;
use crate::service::notifications::OutboxMode;
use crate::service::Store;

/// Shared state of an instance.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub store: Store,
    /// Token validation.
    pub verifier: Verifier,
    /// Development key, when enabled.
    pub dev_key: Option<DevKeySlot>,
    /// Document-link signer.
    pub links: LinkSigner,
    /// Form-token issuer of the admin-center pages (same key, `form:` prefix).
    pub forms: FormTokens,
    /// Persisted instance id of `WWW-Authenticate`.
    pub instance_id: String,
    /// Base URL of generated links, without trailing slash.
    pub public_base_url: String,
    /// Register unknown partner tenants on first sight.
    pub auto_register_partners: bool,
    /// Data directory (operator-provided documents live under `documents/`).
    pub data_dir: PathBuf,
    /// Admin token of the control plane, when set.
    pub admin_token: Option<String>,
    /// First accepted audience (default audience of minted tokens).
    pub default_audience: String,
    /// The request journal of this instance (control-plane spec §12).
    pub journal: Arc<Journal>,
    /// The startup fixture file (control-plane spec §6.5), reloaded by `POST /_mirror/reset?reloadFixtures=true`.
    pub fixtures_file: Option<PathBuf>,
    /// How outbox statuses are computed: on the clock alone, or stored by the SMTP dispatcher (control-plane spec §11.2).
    pub outbox_mode: OutboxMode,
    /// Wakes the SMTP dispatcher at once (a new outbox message, a clock change); harmless without one.
    pub outbox_wake: Arc<Notify>,
}
