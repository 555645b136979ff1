//! Settings of a mirror instance: command-line flags with their `PCM_*` environment twins, validated once at start.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

/// The audience every Partner Center token carries unless configured otherwise (contract §3.1 step 6).
pub const DEFAULT_AUDIENCE: &str = "https://api.partnercenter.microsoft.com";

/// Default byte bound of the request journal (16 MiB).
pub const DEFAULT_JOURNAL_MAX_BYTES: usize = 16 * 1024 * 1024;
/// Smallest byte bound of the request journal.
const MIN_JOURNAL_MAX_BYTES: usize = 64 * 1024;
/// Largest byte bound of the request journal.
const MAX_JOURNAL_MAX_BYTES: usize = 1024 * 1024 * 1024;
/// The `From` of outgoing notification mail unless configured otherwise (control-plane spec §2).
pub const DEFAULT_SMTP_FROM: &str = "no-reply@partner-center-mirror.invalid";

/// Command line of the `partner-center-mirror` binary.
#[derive(Debug, Parser)]
#[command(
    name = "partner-center-mirror",
    version,
    about = "A local mirror of Microsoft Partner Center's customer-agreement REST API",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// What to do; `serve` when left out.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Server settings when no subcommand is given.
    #[command(flatten)]
    pub serve: ServeArgs,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (the default).
    Serve(Box<ServeArgs>),
    /// Print a bearer token signed with the development key of the data directory.
    Token(TokenArgs),
    /// Apply pending database migrations and exit.
    Migrate(StoreArgs),
    /// Print the OpenAPI document of the server to standard output.
    Openapi,
}

/// Where the state of an instance lives.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Database URL: `sqlite://PATH` (or a plain file path) or `postgres://…`. Default: `mirror.sqlite3` in the data directory.
    #[arg(long = "database-url", env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for the database, the development signing key and the link-signing key.
    #[arg(long = "data-dir", env = "PCM_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
}

/// Flags of `serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "PCM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,
    #[command(flatten)]
    pub store: StoreArgs,
    /// HS256 shared secret (at least 32 bytes). Without it HS256 tokens are refused.
    #[arg(long = "jwt-hs256-secret", env = "PCM_JWT_HS256_SECRET", hide_env_values = true)]
    pub jwt_hs256_secret: Option<String>,
    /// JWKS URLs whose RS256 keys are accepted (comma-separated list in the environment).
    #[arg(long = "jwks-url", env = "PCM_JWKS_URLS", value_delimiter = ',')]
    pub jwks_urls: Vec<String>,
    /// Accepted token audiences (comma-separated list in the environment).
    #[arg(long = "audience", env = "PCM_AUDIENCES", value_delimiter = ',', default_value = DEFAULT_AUDIENCE)]
    pub audiences: Vec<String>,
    /// Accepted token issuers; `{tid}` stands for the token's tenant. Empty: no issuer check.
    #[arg(long = "issuer", env = "PCM_ISSUERS", value_delimiter = ',')]
    pub issuers: Vec<String>,
    /// Require MFA evidence (`amr`) in App+User tokens.
    #[arg(long = "require-mfa", env = "PCM_REQUIRE_MFA", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub require_mfa: bool,
    /// Base URL used in generated links (document links, invitation URLs). Default: http://localhost:<port>.
    #[arg(long = "public-base-url", env = "PCM_PUBLIC_BASE_URL")]
    pub public_base_url: Option<String>,
    /// Accept tokens signed with the development key and publish it at /_mirror/jwks.json.
    #[arg(long = "dev-key", env = "PCM_DEV_KEY", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub dev_key: bool,
    /// Register a partner tenant the first time its token is seen (otherwise unknown tenants get 403 2032).
    #[arg(long = "auto-register-partners", env = "PCM_AUTO_REGISTER_PARTNERS", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub auto_register_partners: bool,
    /// Leeway in seconds for `exp` and `nbf`.
    #[arg(
        long = "clock-leeway-seconds",
        env = "PCM_CLOCK_LEEWAY_SECONDS",
        default_value_t = 300
    )]
    pub clock_leeway_seconds: u64,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub control: ControlArgs,
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// Optional SMTP delivery of the notification outbox (control-plane spec §2, §11.3).
#[derive(Debug, Clone, Args)]
pub struct SmtpArgs {
    /// SMTP server the notification outbox is delivered to: smtp://host:port or smtps://user:password@host:port.
    /// Unset: nothing ever leaves the mirror.
    #[arg(long = "smtp-url", env = "PCM_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// `From` of outgoing notification mail.
    #[arg(long = "smtp-from", env = "PCM_SMTP_FROM", default_value = DEFAULT_SMTP_FROM)]
    pub smtp_from: String,
    /// Unit of the retry backoff in milliseconds: a failed message is retried after min(2^attempts, 300) units.
    /// Meant for tests; 1000 (seconds) otherwise.
    #[arg(
        long = "smtp-retry-base-ms",
        env = "PCM_SMTP_RETRY_BASE_MS",
        default_value_t = 1000,
        hide = true
    )]
    pub smtp_retry_base_ms: u64,
}

impl Default for SmtpArgs {
    fn default() -> Self {
        SmtpArgs {
            smtp_url: None,
            smtp_from: DEFAULT_SMTP_FROM.to_owned(),
            smtp_retry_base_ms: 1000,
        }
    }
}

/// Transport security of an SMTP URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: plain SMTP, no TLS (a local test mail server).
    Plain,
    /// `smtps://`: TLS from the first byte (implicit TLS).
    Implicit,
}

/// A parsed SMTP URL.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpEndpoint {
    /// Plain or implicit TLS.
    pub security: SmtpSecurity,
    /// Host name or IP address (without brackets).
    pub host: String,
    /// Port.
    pub port: u16,
    /// User name and password (`smtps://` only), percent-decoded.
    pub credentials: Option<(String, String)>,
}

impl std::fmt::Debug for SmtpEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpEndpoint")
            .field("security", &self.security)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("credentials", &self.credentials.as_ref().map(|(user, _)| (user, "***")))
            .finish()
    }
}

impl SmtpEndpoint {
    /// Parses `smtp://host:port` or `smtps://[user:password@]host:port`; the message says what is wrong.
    pub fn parse(url: &str) -> Result<SmtpEndpoint, ConfigError> {
        let wrong = |why: &str| {
            ConfigError(format!(
                "the SMTP URL must look like smtp://host:port or smtps://user:password@host:port ({why})"
            ))
        };
        let url = url.trim();
        let (scheme, rest) = url.split_once("://").ok_or_else(|| wrong("no scheme"))?;
        let security = match scheme.to_ascii_lowercase().as_str() {
            "smtp" => SmtpSecurity::Plain,
            "smtps" => SmtpSecurity::Implicit,
            _ => return Err(wrong("the scheme is neither smtp nor smtps")),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err(wrong("a path, query or fragment is not allowed"));
        }
        let (userinfo, host_port) = match rest.rsplit_once('@') {
            Some((userinfo, host_port)) => (Some(userinfo), host_port),
            None => (None, rest),
        };
        let credentials = match userinfo {
            None => None,
            Some(_) if security == SmtpSecurity::Plain => {
                return Err(wrong("credentials are only sent over smtps://"));
            }
            Some(userinfo) => {
                let (user, password) = userinfo
                    .split_once(':')
                    .ok_or_else(|| wrong("the credentials need user:password"))?;
                let decode = |part: &str| {
                    percent_encoding::percent_decode_str(part)
                        .decode_utf8()
                        .map(|text| text.into_owned())
                        .map_err(|_| wrong("the credentials are not valid UTF-8 once decoded"))
                };
                let (user, password) = (decode(user)?, decode(password)?);
                if user.is_empty() {
                    return Err(wrong("the user name is empty"));
                }
                Some((user, password))
            }
        };
        let (host, port) = host_port.rsplit_once(':').ok_or_else(|| wrong("no port"))?;
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|port| *port != 0)
            .ok_or_else(|| wrong("the port must be 1 to 65535"))?;
        let host = match host.strip_prefix('[') {
            Some(inner) => inner.strip_suffix(']').ok_or_else(|| wrong("unclosed bracket"))?,
            None => host,
        };
        if host.is_empty() || host.contains(['[', ']', '@', ' ']) {
            return Err(wrong("no valid host"));
        }
        Ok(SmtpEndpoint {
            security,
            host: host.to_owned(),
            port,
            credentials,
        })
    }
}

/// Control-plane settings (control-plane spec §2).
#[derive(Debug, Clone, Args)]
pub struct ControlArgs {
    /// Serve the control plane under /_mirror/ (true|false).
    #[arg(long = "control-plane", env = "PCM_CONTROL_PLANE", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub control_plane: bool,
    /// Bearer token required by the control plane's admin endpoints (at least 16 printable ASCII characters).
    #[arg(long = "admin-token", env = "PCM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// Fixture file loaded at start when the database holds no partner and no customer.
    #[arg(long = "fixtures", env = "PCM_FIXTURES_FILE")]
    pub fixtures: Option<PathBuf>,
    /// Capacity of the in-memory request journal (0 turns it off, at most 100000).
    #[arg(long = "journal-capacity", env = "PCM_JOURNAL_CAPACITY", default_value_t = 1000)]
    pub journal_capacity: usize,
    /// Bytes the request journal may hold, counting kept bodies and headers (64 KiB to 1 GiB).
    #[arg(long = "journal-max-bytes", env = "PCM_JOURNAL_MAX_BYTES", default_value_t = DEFAULT_JOURNAL_MAX_BYTES)]
    pub journal_max_bytes: usize,
    /// Seconds a form token of the admin-center pages stays valid, in real time (at least 1).
    #[arg(
        long = "form-token-lifetime-seconds",
        env = "PCM_FORM_TOKEN_LIFETIME_SECONDS",
        default_value_t = 1800
    )]
    pub form_token_lifetime_seconds: u64,
}

impl Default for ControlArgs {
    fn default() -> Self {
        ControlArgs {
            control_plane: true,
            admin_token: None,
            fixtures: None,
            journal_capacity: 1000,
            journal_max_bytes: DEFAULT_JOURNAL_MAX_BYTES,
            form_token_lifetime_seconds: 1800,
        }
    }
}

/// Database connection settings.
#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// Maximum number of pooled database connections.
    #[arg(long = "db-pool-size", env = "PCM_DB_POOL_SIZE", default_value_t = 8)]
    pub db_pool_size: u32,
    /// Seconds to wait for a database connection before answering 503.
    #[arg(
        long = "db-connect-timeout-seconds",
        env = "PCM_DB_CONNECT_TIMEOUT_SECONDS",
        default_value_t = 5
    )]
    pub db_connect_timeout_seconds: u64,
    /// Longest a single statement (or a wait for a lock) may take, in seconds.
    #[arg(
        long = "db-statement-timeout-seconds",
        env = "PCM_DB_STATEMENT_TIMEOUT_SECONDS",
        default_value_t = 30
    )]
    pub db_statement_timeout_seconds: u64,
}

impl Default for DatabaseArgs {
    fn default() -> Self {
        DatabaseArgs {
            db_pool_size: 8,
            db_connect_timeout_seconds: 5,
            db_statement_timeout_seconds: 30,
        }
    }
}

/// Flags of `token`.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Partner tenant id (`tid`).
    #[arg(long = "tenant-id")]
    pub tenant_id: String,
    /// Signed-in partner user (`oid`); default derived from the tenant id.
    #[arg(long = "user-id")]
    pub user_id: Option<String>,
    /// Role claim value; repeat for several. Default: AdminAgents.
    #[arg(long = "role")]
    pub roles: Vec<String>,
    /// App-only token: no `scp`, `idtyp: app`, no `amr`.
    #[arg(long = "app-only")]
    pub app_only: bool,
    /// Leave `mfa` out of `amr`.
    #[arg(long = "no-mfa")]
    pub no_mfa: bool,
    /// Lifetime in seconds (1 to 86400).
    #[arg(long = "ttl-seconds", default_value_t = 3600)]
    pub ttl_seconds: i64,
    /// Audience claim; default the first accepted audience.
    #[arg(long = "audience", env = "PCM_AUDIENCES", value_delimiter = ',', default_value = DEFAULT_AUDIENCE)]
    pub audience: Vec<String>,
}

/// Validated settings of a server instance.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on (`host:port`).
    pub bind: String,
    /// Database URL; `None` means the SQLite file in the data directory.
    pub database_url: Option<String>,
    /// Data directory.
    pub data_dir: PathBuf,
    /// HS256 secret, when HS256 is accepted.
    pub jwt_hs256_secret: Option<String>,
    /// JWKS URLs for RS256 keys.
    pub jwks_urls: Vec<String>,
    /// Accepted audiences.
    pub audiences: Vec<String>,
    /// Accepted issuers (empty: no check).
    pub issuers: Vec<String>,
    /// MFA required for App+User tokens.
    pub require_mfa: bool,
    /// Base URL for generated links; `None` means `http://localhost:<port>`.
    pub public_base_url: Option<String>,
    /// Development key enabled.
    pub dev_key_enabled: bool,
    /// Unknown partner tenants are registered automatically.
    pub auto_register_partners: bool,
    /// Leeway for `exp`/`nbf` in seconds.
    pub clock_leeway_seconds: u64,
    /// Database pool and timeouts.
    pub database: DatabaseArgs,
    /// Control plane.
    pub control: ControlArgs,
    /// SMTP delivery of the outbox (off without a URL).
    pub smtp: SmtpArgs,
}

/// A configuration that cannot be used; the message says why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl Settings {
    /// Settings for a server started by tests: port 0 on loopback, SQLite in `data_dir`, defaults elsewhere.
    pub fn for_tests(data_dir: &Path) -> Settings {
        Settings {
            bind: "127.0.0.1:0".to_owned(),
            database_url: None,
            data_dir: data_dir.to_path_buf(),
            jwt_hs256_secret: None,
            jwks_urls: Vec::new(),
            audiences: vec![DEFAULT_AUDIENCE.to_owned()],
            issuers: Vec::new(),
            require_mfa: true,
            public_base_url: None,
            dev_key_enabled: true,
            auto_register_partners: true,
            clock_leeway_seconds: 300,
            database: DatabaseArgs::default(),
            control: ControlArgs::default(),
            smtp: SmtpArgs::default(),
        }
    }

    /// Turns `serve` flags into settings, refusing unusable values.
    pub fn from_args(args: ServeArgs) -> Result<Settings, ConfigError> {
        let settings = Settings {
            bind: args.bind,
            database_url: args.store.database_url.filter(|u| !u.trim().is_empty()),
            data_dir: args.store.data_dir,
            jwt_hs256_secret: args.jwt_hs256_secret.filter(|s| !s.is_empty()),
            jwks_urls: clean_list(args.jwks_urls),
            audiences: clean_list(args.audiences),
            issuers: clean_list(args.issuers),
            require_mfa: args.require_mfa,
            public_base_url: args.public_base_url.filter(|u| !u.trim().is_empty()),
            dev_key_enabled: args.dev_key,
            auto_register_partners: args.auto_register_partners,
            clock_leeway_seconds: args.clock_leeway_seconds,
            database: args.database,
            control: ControlArgs {
                admin_token: args.control.admin_token.filter(|t| !t.is_empty()),
                ..args.control
            },
            smtp: SmtpArgs {
                smtp_url: args.smtp.smtp_url.filter(|u| !u.trim().is_empty()),
                smtp_from: args.smtp.smtp_from.trim().to_owned(),
                ..args.smtp
            },
        };
        settings.validate()?;
        Ok(settings)
    }

    /// Checks the rules that hold for every way of building settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(secret) = &self.jwt_hs256_secret {
            if secret.len() < 32 {
                return Err(ConfigError(format!(
                    "the HS256 secret must be at least 32 bytes long (got {})",
                    secret.len()
                )));
            }
        }
        if let Some(base) = &self.public_base_url {
            if !(base.starts_with("http://") || base.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "the public base URL must start with http:// or https:// (got {base})"
                )));
            }
        }
        for url in &self.jwks_urls {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(ConfigError(format!(
                    "a JWKS URL must start with http:// or https:// (got {url})"
                )));
            }
        }
        if self.database.db_pool_size == 0 || self.database.db_pool_size > 1000 {
            return Err(ConfigError(
                "the database pool size must be between 1 and 1000".to_owned(),
            ));
        }
        if self.database.db_connect_timeout_seconds == 0 || self.database.db_statement_timeout_seconds == 0 {
            return Err(ConfigError("database timeouts must be at least 1 second".to_owned()));
        }
        if let Some(token) = &self.control.admin_token {
            if token.len() < 16 || !token.bytes().all(|b| (0x21..0x7f).contains(&b)) {
                return Err(ConfigError(
                    "the admin token must be at least 16 printable ASCII characters without spaces".to_owned(),
                ));
            }
        }
        if self.control.form_token_lifetime_seconds == 0 || self.control.form_token_lifetime_seconds > 31_536_000 {
            return Err(ConfigError(format!(
                "the form token lifetime must be 1 to 31536000 seconds (got {})",
                self.control.form_token_lifetime_seconds
            )));
        }
        if self.control.journal_capacity > 100_000 {
            return Err(ConfigError(
                "the journal capacity must be between 0 and 100000".to_owned(),
            ));
        }
        if !(MIN_JOURNAL_MAX_BYTES..=MAX_JOURNAL_MAX_BYTES).contains(&self.control.journal_max_bytes) {
            return Err(ConfigError(format!(
                "the journal byte bound must be between {MIN_JOURNAL_MAX_BYTES} and {MAX_JOURNAL_MAX_BYTES} (got {})",
                self.control.journal_max_bytes
            )));
        }
        if self.control.control_plane && self.control.admin_token.is_none() && !is_loopback_bind(&self.bind) {
            return Err(ConfigError(format!(
                "refusing to start: the control plane is enabled and the server listens on {}, which is not a loopback address, but no admin token is set. Set an admin token, listen on 127.0.0.1, or disable the control plane.",
                self.bind
            )));
        }
        if self.audiences.is_empty() {
            return Err(ConfigError("at least one accepted audience is needed".to_owned()));
        }
        self.smtp_endpoint()?;
        if !is_plain_address(&self.smtp.smtp_from) {
            return Err(ConfigError(format!(
                "the SMTP sender must be an address like name@example.com (got {})",
                self.smtp.smtp_from
            )));
        }
        if self.smtp.smtp_retry_base_ms == 0 || self.smtp.smtp_retry_base_ms > 3_600_000 {
            return Err(ConfigError(
                "the SMTP retry base must be 1 to 3600000 milliseconds".to_owned(),
            ));
        }
        Ok(())
    }

    /// The SMTP server the outbox is delivered to, when one is configured.
    pub fn smtp_endpoint(&self) -> Result<Option<SmtpEndpoint>, ConfigError> {
        self.smtp.smtp_url.as_deref().map(SmtpEndpoint::parse).transpose()
    }

    /// Pool settings of the database.
    pub fn pool_options(&self) -> crate::db::PoolOptions {
        crate::db::PoolOptions {
            max_size: self.database.db_pool_size,
            connect_timeout: std::time::Duration::from_secs(self.database.db_connect_timeout_seconds),
            statement_timeout: std::time::Duration::from_secs(self.database.db_statement_timeout_seconds),
        }
    }

    /// The database URL in effect: the configured one or the SQLite file in the data directory.
    pub fn effective_database_url(&self) -> String {
        effective_database_url(self.database_url.as_deref(), &self.data_dir)
    }
}

/// The database URL in effect for a data directory.
pub fn effective_database_url(configured: Option<&str>, data_dir: &Path) -> String {
    match configured {
        Some(url) => url.to_owned(),
        None => format!("sqlite://{}", data_dir.join("mirror.sqlite3").display()),
    }
}

/// True when a bind address only listens on loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn is_loopback_bind(bind: &str) -> bool {
    let host = match bind.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => bind,
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// A bare `local@domain` address: no spaces, no angle brackets, one `@` with something on both sides.
fn is_plain_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && text.bytes().all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
        }
        None => false,
    }
}

fn clean_list(values: Vec<String>) -> Vec<String> {
    values
        .into_iter()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_binds_are_recognised() {
        for bind in [
            "127.0.0.1:8080",
            "127.1.2.3:0",
            "[::1]:8080",
            "localhost:8080",
            "localhost",
        ] {
            assert!(is_loopback_bind(bind), "{bind}");
        }
        for bind in ["0.0.0.0:8080", "[::]:8080", "192.168.1.4:80", "example.com:80"] {
            assert!(!is_loopback_bind(bind), "{bind}");
        }
    }

    #[test]
    fn a_public_bind_without_admin_token_is_refused_with_the_documented_message() {
        let mut settings = Settings::for_tests(Path::new("/tmp"));
        settings.bind = "0.0.0.0:8080".into();
        let message = settings.validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "refusing to start: the control plane is enabled and the server listens on 0.0.0.0:8080, which is not a loopback address, but no admin token is set. Set an admin token, listen on 127.0.0.1, or disable the control plane."
        );
        settings.control.admin_token = Some("0123456789abcdef".into());
        assert!(settings.validate().is_ok());
        settings.control.admin_token = None;
        settings.control.control_plane = false;
        assert!(settings.validate().is_ok());
    }

    #[test]
    fn the_journal_byte_bound_must_lie_between_64_kib_and_1_gib() {
        let mut settings = Settings::for_tests(Path::new("/tmp"));
        for (bytes, valid) in [(65_535, false), (65_536, true), (1 << 30, true), ((1 << 30) + 1, false)] {
            settings.control.journal_max_bytes = bytes;
            assert_eq!(settings.validate().is_ok(), valid, "{bytes}");
        }
    }

    #[test]
    fn smtp_urls_are_parsed_plain_or_with_implicit_tls_and_credentials() {
        assert_eq!(
            SmtpEndpoint::parse("smtp://127.0.0.1:2525").unwrap(),
            SmtpEndpoint {
                security: SmtpSecurity::Plain,
                host: "127.0.0.1".into(),
                port: 2525,
                credentials: None,
            }
        );
        assert_eq!(
            SmtpEndpoint::parse("smtps://mirror%40example.com:p%3Ass@mail.example.com:465/").unwrap(),
            SmtpEndpoint {
                security: SmtpSecurity::Implicit,
                host: "mail.example.com".into(),
                port: 465,
                credentials: Some(("mirror@example.com".into(), "p:ss".into())),
            }
        );
        assert_eq!(SmtpEndpoint::parse("smtp://[::1]:25").unwrap().host, "::1");
        for bad in [
            "mail.example.com:25",
            "http://mail.example.com:25",
            "smtp://mail.example.com",
            "smtp://mail.example.com:0",
            "smtp://mail.example.com:99999",
            "smtp://:25",
            "smtp://user:secret@mail.example.com:25",
            "smtps://user@mail.example.com:465",
            "smtp://mail.example.com:25/path",
        ] {
            assert!(SmtpEndpoint::parse(bad).is_err(), "{bad}");
        }
        let shown = format!("{:?}", SmtpEndpoint::parse("smtps://u:hunter2@h:465").unwrap());
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn smtp_settings_are_validated_at_start() {
        let mut settings = Settings::for_tests(Path::new("/tmp"));
        assert_eq!(settings.smtp.smtp_from, DEFAULT_SMTP_FROM);
        assert!(settings.smtp_endpoint().unwrap().is_none());
        settings.smtp.smtp_url = Some("smtp://127.0.0.1:2525".into());
        assert!(settings.validate().is_ok());
        settings.smtp.smtp_url = Some("smtp://127.0.0.1".into());
        assert!(settings
            .validate()
            .unwrap_err()
            .to_string()
            .contains("smtp://host:port"));
        settings.smtp.smtp_url = None;
        settings.smtp.smtp_from = "not an address".into();
        assert!(settings.validate().is_err());
        settings.smtp.smtp_from = DEFAULT_SMTP_FROM.into();
        settings.smtp.smtp_retry_base_ms = 0;
        assert!(settings.validate().is_err());
    }

    #[test]
    fn the_smtp_flags_and_their_environment_twins_reach_the_settings() {
        let cli = Cli::try_parse_from([
            "partner-center-mirror",
            "--smtp-url",
            "smtp://127.0.0.1:2525",
            "--smtp-from",
            "mirror@example.com",
        ])
        .unwrap();
        let settings = Settings::from_args(cli.serve).unwrap();
        assert_eq!(settings.smtp.smtp_url.as_deref(), Some("smtp://127.0.0.1:2525"));
        assert_eq!(settings.smtp.smtp_from, "mirror@example.com");
        assert_eq!(settings.smtp.smtp_retry_base_ms, 1000);
    }
}
