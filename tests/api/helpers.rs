//! Test harness: starts the real server on port 0 with a fresh data directory (and, when `PCM_TEST_POSTGRES_URL`
//! is set, a fresh PostgreSQL database), mints tokens, sends requests and checks the wire shapes of contract.md §2
//! and §5.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use actix_web::dev::ServerHandle;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use partner_center_mirror::config::Settings;
use partner_center_mirror::startup::Application;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{json, Map, Value};
use tempfile::TempDir;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The HS256 secret every test server accepts (40 bytes).
pub const TEST_SECRET: &str = "pcm-integration-tests-hs256-secret-0042!";
/// The audience of Partner Center tokens (contract §3.1 step 6).
pub const AUDIENCE: &str = "https://api.partnercenter.microsoft.com";
/// The Microsoft Customer Agreement template (contract §4.1).
pub const CUSTOMER_AGREEMENT_TEMPLATE: &str = "117a77b0-9360-443b-8795-c6dedc750cf9";
/// The legacy Microsoft Cloud Agreement template (contract §4.1).
pub const LEGACY_TEMPLATE: &str = "998b88de-aa99-4388-a42c-1b3517d49490";
/// The wire text refusing the legacy template (contract §4.2 rule 1).
pub const LEGACY_TEMPLATE_MESSAGE: &str =
    "Microsoft Cloud Agreement Template ID '998b88de-aa99-4388-a42c-1b3517d49490' is no longer supported.";
/// A `dateAgreed` safely in the past, in the input form, and the form the mirror echoes.
pub const DATE_AGREED: &str = "2024-05-01T08:30:00.000Z";
pub const DATE_AGREED_ECHO: &str = "2024-05-01T08:30:00Z";

// ------------------------------------------------------------- PostgreSQL

/// The variable naming an admin URL of the PostgreSQL server the suite runs against.
pub const POSTGRES_URL_VARIABLE: &str = "PCM_TEST_POSTGRES_URL";

/// The admin URL of the PostgreSQL server (`PCM_TEST_POSTGRES_URL`, e.g. `postgres://root@127.0.0.1:5432/postgres`),
/// when set. With it, every server of the suite gets a fresh database on that server.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var(POSTGRES_URL_VARIABLE)
        .ok()
        .map(|url| url.trim().to_owned())
        .filter(|url| !url.is_empty())
}

/// The admin URL for a test that needs PostgreSQL. Without `PCM_TEST_POSTGRES_URL` the test is skipped: a
/// `SKIPPED` line goes to the real stderr (not captured by the test harness) and `None` comes back. A set variable
/// naming an unreachable server fails the test. CI requires PostgreSQL: `.ci/run` checks the server and runs the
/// suite with the variable set.
pub fn require_postgres(test_name: &str) -> Option<String> {
    let Some(url) = postgres_admin_url() else {
        let mut stderr = std::io::stderr().lock();
        // Written to the process's stderr directly so that `cargo test` shows it even when the test passes.
        let _ = writeln!(stderr, "SKIPPED {test_name}: {POSTGRES_URL_VARIABLE} is not set");
        return None;
    };
    assert_postgres_reachable(&url);
    Some(url)
}

/// Panics with a clear message when the admin URL does not lead to a server (checked once per run).
fn assert_postgres_reachable(admin_url: &str) {
    static CHECK: OnceLock<Result<(), String>> = OnceLock::new();
    let outcome = CHECK.get_or_init(|| {
        let mut conn = PgConnection::establish(admin_url).map_err(|e| e.to_string())?;
        conn.batch_execute("SELECT 1").map_err(|e| e.to_string())
    });
    if let Err(error) = outcome {
        panic!("PostgreSQL at {POSTGRES_URL_VARIABLE}={admin_url} is unreachable: {error}");
    }
}

/// A database created for one test and dropped (with its connections) when the value is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    admin_url: String,
    /// The database name (`pcm_<uuid>`).
    pub name: String,
    /// The URL a server uses.
    pub url: String,
}

impl TestDatabase {
    /// Creates an empty database on the server of `admin_url`.
    pub fn create(admin_url: &str) -> TestDatabase {
        assert_postgres_reachable(admin_url);
        let name = format!("pcm_{}", Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url)
            .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_URL_VARIABLE}={admin_url}: {e}"));
        // A throwaway database need not wait for its commits to reach the disk.
        // (Two calls: CREATE DATABASE cannot run in the implicit transaction of a multi-statement batch.)
        for statement in [
            format!("CREATE DATABASE {name}"),
            format!("ALTER DATABASE {name} SET synchronous_commit = off"),
        ] {
            conn.batch_execute(&statement)
                .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        }
        TestDatabase {
            admin_url: admin_url.to_owned(),
            url: url_with_database(admin_url, &name),
            name,
        }
    }

    /// [`TestDatabase::create`] on a blocking thread.
    pub async fn create_async(admin_url: &str) -> TestDatabase {
        let admin_url = admin_url.to_owned();
        tokio::task::spawn_blocking(move || TestDatabase::create(&admin_url))
            .await
            .expect("creating the test database joins")
    }

    /// A fresh admin connection to this database (for assertions on its rows).
    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("a connection to the test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&self.admin_url).and_then(|mut conn| {
            conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        });
        if let Err(error) = dropped {
            let _ = writeln!(
                std::io::stderr(),
                "cannot drop the test database {}: {error}",
                self.name
            );
        }
    }
}

/// `url` with its database (path) replaced by `database`; user, host, port and query stay.
pub fn url_with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    let query = tail.find('?').map_or("", |at| &tail[at..]);
    format!("{scheme}://{authority}/{database}{query}")
}

/// `host:port` of a PostgreSQL URL (port 5432 when absent).
pub fn url_host_port(url: &str) -> String {
    let (_, rest) = url.split_once("://").expect("a URL with a scheme");
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    let host_port = if host_port.is_empty() { "127.0.0.1" } else { host_port };
    if host_port
        .rsplit_once(':')
        .is_some_and(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
    {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    }
}

/// `url` with its `host:port` replaced.
pub fn url_with_host_port(url: &str, host_port: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((user, _)) => format!("{scheme}://{user}@{host_port}{tail}"),
        None => format!("{scheme}://{host_port}{tail}"),
    }
}

// ------------------------------------------------------------ the server

/// A running mirror instance with its own data directory.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub port: u16,
    pub client: reqwest::Client,
    pub data_dir: TempDir,
    pub handle: ServerHandle,
    pub settings: Settings,
    server: JoinHandle<std::io::Result<()>>,
    /// The PostgreSQL database this instance created (shared with instances started beside it).
    database: Option<Arc<TestDatabase>>,
}

/// Starts a server with the default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The default test settings for a data directory.
fn test_settings(data_dir: &TempDir) -> Settings {
    let mut settings = Settings::for_tests(data_dir.path());
    settings.jwt_hs256_secret = Some(TEST_SECRET.to_owned());
    settings
}

/// Starts a server after `adjust` changed the default test settings. With `PCM_TEST_POSTGRES_URL` set, the
/// server gets a fresh PostgreSQL database, dropped when the last instance using it is dropped; otherwise
/// SQLite in its data directory.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let mut settings = test_settings(&data_dir);
    let database = match postgres_admin_url() {
        Some(admin_url) => Some(Arc::new(TestDatabase::create_async(&admin_url).await)),
        None => None,
    };
    if let Some(database) = &database {
        settings.database_url = Some(database.url.clone());
    }
    adjust(&mut settings);
    start(settings, data_dir, database).await
}

/// Starts a server with its own data directory on an existing database URL, which it neither creates nor drops.
pub async fn spawn_app_on(database_url: &str, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let mut settings = test_settings(&data_dir);
    settings.database_url = Some(database_url.to_owned());
    adjust(&mut settings);
    start(settings, data_dir, None).await
}

/// Starts a second server with its own data directory on the database of `other` (the database lives on
/// until both are dropped). On SQLite the second server opens the first one's database file.
pub async fn spawn_app_beside(other: &TestApp, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let data_dir = tempfile::tempdir().expect("a temporary data directory");
    let mut settings = test_settings(&data_dir);
    settings.database_url = Some(other.settings.effective_database_url());
    adjust(&mut settings);
    start(settings, data_dir, other.database.clone()).await
}

/// With `PCM_TEST_LOG` set (a filter such as `warn` or `debug`), the servers' logs go to the test output.
fn init_test_logging() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if let Ok(filter) = std::env::var("PCM_TEST_LOG") {
            let _ = tracing_subscriber::fmt()
                .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                .with_test_writer()
                .try_init();
        }
    });
}

async fn start(settings: Settings, data_dir: TempDir, database: Option<Arc<TestDatabase>>) -> TestApp {
    init_test_logging();
    let application = Application::build(settings.clone())
        .await
        .expect("the application starts");
    let port = application.port();
    let handle = application.handle();
    let server = tokio::spawn(application.run_until_stopped());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        data_dir,
        handle,
        settings,
        server,
        database,
    }
}

impl TestApp {
    /// Stops the server and starts a new one on the same data directory (it gets a new port).
    pub async fn restart(self) -> TestApp {
        let TestApp {
            data_dir,
            handle,
            settings,
            server,
            database,
            ..
        } = self;
        handle.stop(true).await;
        server
            .await
            .expect("the server task joins")
            .expect("the server stops cleanly");
        start(settings, data_dir, database).await
    }

    /// The database URL this instance uses.
    pub fn database_url(&self) -> String {
        self.settings.effective_database_url()
    }

    /// The PostgreSQL database the harness created for this instance, if any.
    pub fn test_database(&self) -> Option<&TestDatabase> {
        self.database.as_deref()
    }

    /// Polls `GET /_mirror/ready` until it answers 200 or `deadline` passes; returns the last reply.
    pub async fn wait_ready(&self, deadline: Duration) -> Reply {
        let until = std::time::Instant::now() + deadline;
        loop {
            let reply = self.get_anonymous("/_mirror/ready").await;
            if reply.status == 200 || std::time::Instant::now() >= until {
                return reply;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// A request with an optional bearer token.
    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// `GET path` with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Reply {
        send(self.request(Method::GET, path, Some(token))).await
    }

    /// `GET path` without any Authorization header.
    pub async fn get_anonymous(&self, path: &str) -> Reply {
        send(self.request(Method::GET, path, None)).await
    }

    /// `POST path` with a JSON body and a bearer token.
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Reply {
        send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    /// `POST path` with a JSON body, a bearer token and an `MS-RequestId`.
    pub async fn post_json_with_id(&self, path: &str, token: &str, body: &Value, request_id: &str) -> Reply {
        send(
            self.request(Method::POST, path, Some(token))
                .header("MS-RequestId", request_id)
                .json(body),
        )
        .await
    }

    /// `GET` of an absolute URL (for generated links), without Authorization.
    pub async fn get_absolute(&self, url: &str) -> Reply {
        send(self.client.get(url)).await
    }
}

/// A response read completely.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
    /// The body as JSON, `Value::Null` when it is not JSON.
    pub body: Value,
}

impl Reply {
    /// A header as text; panics with the header name when it is missing.
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("header {name} missing; headers: {:?}", self.headers))
            .to_str()
            .expect("a printable header")
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// Asserts the status, showing the body when it differs.
    pub fn assert_status(&self, status: u16) {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text());
    }
}

/// Sends a request and reads the whole response.
pub async fn send(builder: RequestBuilder) -> Reply {
    let response = builder.send().await.expect("the request reaches the server");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a readable body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        bytes,
        body,
    }
}

// ---------------------------------------------------------------- tokens

/// A fresh partner tenant id.
pub fn new_partner() -> String {
    Uuid::new_v4().to_string()
}

/// A fresh GUID as text.
pub fn new_guid() -> String {
    Uuid::new_v4().to_string()
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Builds HS256 (or unsigned) test tokens.
#[derive(Clone, Debug)]
pub struct TokenBuilder {
    claims: Map<String, Value>,
    secret: String,
}

impl TokenBuilder {
    /// An App+User token of an AdminAgents user with MFA, valid for an hour.
    pub fn app_user(tid: &str) -> TokenBuilder {
        let now = now();
        let claims = json!({
            "tid": tid,
            "oid": new_guid(),
            "scp": "user_impersonation",
            "roles": ["AdminAgents"],
            "amr": ["pwd", "mfa"],
            "aud": AUDIENCE,
            "iat": now,
            "nbf": now,
            "exp": now + 3600,
        });
        TokenBuilder {
            claims: claims.as_object().expect("an object").clone(),
            secret: TEST_SECRET.to_owned(),
        }
    }

    /// Turns the token into an app-only token: no `scp`, `idtyp: app`, no `amr`.
    pub fn app_only(self) -> TokenBuilder {
        self.without("scp").without("amr").claim("idtyp", json!("app"))
    }

    /// Replaces the `roles` claim.
    pub fn roles(self, roles: &[&str]) -> TokenBuilder {
        self.claim("roles", json!(roles))
    }

    /// Removes a claim.
    pub fn without(mut self, claim: &str) -> TokenBuilder {
        self.claims.remove(claim);
        self
    }

    /// Sets a claim.
    pub fn claim(mut self, name: &str, value: Value) -> TokenBuilder {
        self.claims.insert(name.to_owned(), value);
        self
    }

    /// Sets `exp` relative to now.
    pub fn expires_in(self, seconds: i64) -> TokenBuilder {
        self.claim("exp", json!(now() + seconds))
    }

    /// Signs with another HS256 secret.
    pub fn secret(mut self, secret: &str) -> TokenBuilder {
        self.secret = secret.to_owned();
        self
    }

    /// The `oid` claim.
    pub fn user_id(&self) -> String {
        self.claims["oid"].as_str().expect("an oid").to_owned()
    }

    /// The claims as JSON.
    pub fn claims(&self) -> Value {
        Value::Object(self.claims.clone())
    }

    /// The compact HS256 JWS.
    pub fn sign(&self) -> String {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &self.claims,
            &EncodingKey::from_secret(self.secret.as_bytes()),
        )
        .expect("the token signs")
    }
}

/// A fresh partner with an App+User AdminAgents token.
pub struct Partner {
    pub tenant: String,
    pub user_id: String,
    pub token: String,
}

impl Partner {
    /// A partner nobody has seen yet.
    pub fn fresh() -> Partner {
        let tenant = new_partner();
        let builder = TokenBuilder::app_user(&tenant);
        Partner {
            user_id: builder.user_id(),
            token: builder.sign(),
            tenant,
        }
    }

    /// A token builder for this partner's tenant.
    pub fn token_builder(&self) -> TokenBuilder {
        TokenBuilder::app_user(&self.tenant)
    }
}

/// base64url without padding, as in a JWS.
pub fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes one base64url part of a JWS into JSON.
pub fn decode_jws_part(part: &str) -> Value {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .expect("a base64url part");
    serde_json::from_slice(&bytes).expect("a JSON part")
}

/// Runs `partner-center-mirror token --data-dir DIR --tenant-id TID ARGS…` and returns the printed token.
pub async fn mint_dev_token(data_dir: &Path, tenant: &str, args: &[&str]) -> String {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center-mirror"));
    command
        .arg("token")
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--tenant-id")
        .arg(tenant)
        .args(args)
        .env_remove("PCM_AUDIENCES")
        .env_remove("DATABASE_URL")
        .env_remove("PCM_DATA_DIR");
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("the token command joins")
        .expect("the token command runs");
    assert!(
        output.status.success(),
        "token command failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("UTF-8 output");
    assert!(
        stdout.ends_with('\n') && stdout.matches('\n').count() == 1,
        "the token command prints only the token and a newline: {stdout:?}"
    );
    stdout.trim_end().to_owned()
}

/// The keys published at `/_mirror/jwks.json`.
pub async fn published_jwks(app: &TestApp) -> Reply {
    let reply = app.get_anonymous("/_mirror/jwks.json").await;
    reply.assert_status(200);
    reply
}

// ------------------------------------------------------- shape checks

/// `true` for the 36-character GUID form.
pub fn is_guid(text: &str) -> bool {
    text.len() == 36 && Uuid::parse_str(text).is_ok()
}

/// Asserts `Content-Type: application/json; charset=utf-8`.
pub fn assert_json_content_type(reply: &Reply) {
    assert_eq!(
        reply.header("content-type").to_ascii_lowercase(),
        "application/json; charset=utf-8"
    );
}

/// Asserts a shape-A fault (contract §5.1) with the given source.
pub fn assert_fault_from(reply: &Reply, status: u16, code: i64, source: &str) {
    reply.assert_status(status);
    assert_json_content_type(reply);
    let body = reply.body.as_object().unwrap_or_else(|| {
        panic!("a JSON object body, got {}", reply.text());
    });
    assert_eq!(body.get("code"), Some(&json!(code)), "code; body: {}", reply.text());
    let description = body["description"].as_str().expect("a description");
    assert!(
        !description.is_empty() && description.chars().count() <= 1024,
        "description must be 1..=1024 characters: {description:?}"
    );
    assert!(body["data"].is_array(), "data is an array: {}", reply.text());
    assert_eq!(body.get("source"), Some(&json!(source)), "source");
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "data", "description", "source"], "shape A members");
}

/// Asserts a shape-A fault from `PartnerFD`.
pub fn assert_fault(reply: &Reply, status: u16, code: i64) {
    assert_fault_from(reply, status, code, "PartnerFD");
}

/// Asserts a shape-A fault whose `data` is `[]`.
pub fn assert_plain_fault(reply: &Reply, status: u16, code: i64) {
    assert_fault(reply, status, code);
    assert_eq!(reply.body["data"], json!([]), "data");
}

/// Asserts 400 800002 with a field error `{field, reason, message}` among the data.
pub fn assert_field_error(reply: &Reply, field: &str, reason: &str) {
    assert_fault(reply, 400, 800002);
    let data = reply.body["data"].as_array().expect("data");
    let found = data.iter().find(|item| item["field"] == json!(field));
    let item = found.unwrap_or_else(|| panic!("no error for {field}: {}", reply.text()));
    assert_eq!(item["reason"], json!(reason), "reason for {field}");
    assert!(
        item["message"].as_str().is_some_and(|m| !m.is_empty()),
        "a message for {field}"
    );
}

/// Asserts 400 800002 with exactly one field error, and `description` equal to its message (§5.4).
pub fn assert_single_field_error(reply: &Reply, field: &str, reason: &str) {
    assert_field_error(reply, field, reason);
    let data = reply.body["data"].as_array().expect("data");
    assert_eq!(data.len(), 1, "one field error: {}", reply.text());
    assert_eq!(reply.body["description"], data[0]["message"], "description");
}

/// Asserts the `WWW-Authenticate` header of a 401 and returns the instance id.
pub fn assert_www_authenticate(reply: &Reply) -> String {
    let value = reply.header("www-authenticate");
    let id = value
        .strip_prefix("OAuth realm=urn:cpsvc:cpid:")
        .unwrap_or_else(|| panic!("WWW-Authenticate form: {value}"));
    assert!(is_guid(id), "instance id is a GUID: {id}");
    id.to_owned()
}

/// Asserts a 401 with the given code and `WWW-Authenticate`.
pub fn assert_unauthorized(reply: &Reply, code: i64) {
    assert_fault(reply, 401, code);
    assert_www_authenticate(reply);
}

/// Asserts a 401 800001 whose data is exactly `[{"reason": reason}]`.
pub fn assert_token_refused(reply: &Reply, reason: &str) {
    assert_unauthorized(reply, 800001);
    assert_eq!(reply.body["data"], json!([{ "reason": reason }]), "data");
}

/// Asserts a 200 collection envelope (§2.7) with the given self link and returns its items.
pub fn assert_collection(reply: &Reply, self_uri: &str) -> Vec<Value> {
    reply.assert_status(200);
    assert_json_content_type(reply);
    let body = &reply.body;
    let items = body["items"].as_array().expect("items").clone();
    assert_eq!(body["totalCount"], json!(items.len()), "totalCount");
    assert_eq!(
        body["links"]["self"],
        json!({ "uri": self_uri, "method": "GET", "headers": [] }),
        "links.self"
    );
    assert_eq!(body["attributes"], json!({ "objectType": "Collection" }));
    let mut keys: Vec<&str> = body
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(keys, ["attributes", "items", "links", "totalCount"]);
    items
}

// -------------------------------------------------------- domain helpers

/// A valid create-customer body (camelCase) with a unique domain.
pub fn customer_body() -> Value {
    json!({
        "companyProfile": { "domain": format!("c{}.example.com", Uuid::new_v4().simple()) },
        "billingProfile": {
            "culture": "en-US", "email": "billing@example.com", "language": "en",
            "companyName": "Contoso",
            "defaultAddress": { "addressLine1": "One Microsoft Way", "city": "Redmond",
                                "postalCode": "98052", "country": "US" }
        }
    })
}

/// Creates a customer for the token's partner and returns its id.
pub async fn create_customer(app: &TestApp, token: &str) -> String {
    let reply = app.post_json("/v1/customers", token, &customer_body()).await;
    reply.assert_status(201);
    reply.body["id"].as_str().expect("an id").to_owned()
}

/// An attestation body (camelCase) for the Customer Agreement template.
pub fn attestation(first: &str, last: &str, email: &str, phone: Option<&str>) -> Value {
    json!({
        "primaryContact": { "firstName": first, "lastName": last, "email": email, "phoneNumber": phone },
        "templateId": CUSTOMER_AGREEMENT_TEMPLATE,
        "dateAgreed": DATE_AGREED,
        "type": "MicrosoftCustomerAgreement"
    })
}

/// The docs' attestation body.
pub fn attestation_body() -> Value {
    attestation("Tania", "Carr", "someone@example.com", Some("1234567890"))
}

/// The same body with one member (a JSON pointer) replaced.
pub fn with(body: &Value, pointer: &str, value: Value) -> Value {
    let mut body = body.clone();
    *body.pointer_mut(pointer).expect("the member exists") = value;
    body
}

/// `POST /v1/customers/{customer}/agreements`.
pub async fn attest(app: &TestApp, token: &str, customer: &str, body: &Value) -> Reply {
    app.post_json(&format!("/v1/customers/{customer}/agreements"), token, body)
        .await
}

/// `GET /v1/customers/{customer}/agreements?agreementType=*`, checked as a collection; returns the items.
pub async fn history(app: &TestApp, token: &str, customer: &str) -> Vec<Value> {
    let path = format!("/customers/{customer}/agreements?agreementType=*");
    let reply = app.get(&format!("/v1{path}"), token).await;
    assert_collection(&reply, &path)
}

/// Asserts the shape-B duplicate refusal exactly as contract §5.2.
pub fn assert_duplicate_refused(reply: &Reply) {
    reply.assert_status(400);
    assert_json_content_type(reply);
    assert_eq!(
        reply.body,
        json!({
            "code": 600061,
            "message": "A partner confirmed agreement already exists for the customer.",
            "description": "A partner confirmed agreement already exists for the customer.",
            "errorName": "PartnerConfirmedAgreementAlreadyExists",
            "isRetryable": false,
            "parameters": {},
            "errorMessageExtended": "InternalErrorCode=600061"
        })
    );
}

// ------------------------------------------------ the role matrix (§3.4)

/// The operations of this issue.
#[derive(Clone, Copy, Debug)]
pub enum Operation {
    /// (a) GET /v1/agreements
    AgreementMetadata,
    /// (b) POST /v1/customers/{id}/agreements
    ConfirmAcceptance,
    /// (c) GET /v1/customers/{id}/agreements
    AgreementHistory,
    /// (d) GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus
    DirectSignStatus,
    /// (e) GET /v1/agreementtemplates/{id}/document
    TemplateDocument,
    /// (f1) POST /v1/customers
    CreateCustomer,
    /// (f2) GET /v1/customers
    ListCustomers,
    /// (f3) GET /v1/customers/{id}
    GetCustomer,
}

impl Operation {
    fn needs_customer(self) -> bool {
        matches!(
            self,
            Operation::ConfirmAcceptance
                | Operation::AgreementHistory
                | Operation::DirectSignStatus
                | Operation::GetCustomer
        )
    }

    /// The status of a successful call.
    pub fn success_status(self) -> u16 {
        match self {
            Operation::ConfirmAcceptance | Operation::CreateCustomer => 201,
            _ => 200,
        }
    }

    /// Sends a valid request of this operation for `customer` (when it needs one).
    pub async fn send(self, app: &TestApp, customer: &str, token: Option<&str>) -> Reply {
        let (method, path, body) = match self {
            Operation::AgreementMetadata => (Method::GET, "/v1/agreements".to_owned(), None),
            Operation::ConfirmAcceptance => (
                Method::POST,
                format!("/v1/customers/{customer}/agreements"),
                Some(attestation_body()),
            ),
            Operation::AgreementHistory => (Method::GET, format!("/v1/customers/{customer}/agreements"), None),
            Operation::DirectSignStatus => (
                Method::GET,
                format!("/v1/customers/{customer}/directSignedMicrosoftCustomerAgreementStatus"),
                None,
            ),
            Operation::TemplateDocument => (
                Method::GET,
                format!("/v1/agreementtemplates/{CUSTOMER_AGREEMENT_TEMPLATE}/document"),
                None,
            ),
            Operation::CreateCustomer => (Method::POST, "/v1/customers".to_owned(), Some(customer_body())),
            Operation::ListCustomers => (Method::GET, "/v1/customers".to_owned(), None),
            Operation::GetCustomer => (Method::GET, format!("/v1/customers/{customer}"), None),
        };
        let builder = app.request(method, &path, token);
        let builder = match body {
            Some(body) => builder.json(&body),
            None => builder,
        };
        send(builder).await
    }

    /// Starts a server, prepares a customer of a fresh partner when needed, and calls the operation
    /// with a token of that partner shaped by `token`.
    pub async fn call_with(self, token: impl FnOnce(TokenBuilder) -> TokenBuilder) -> Reply {
        let app = spawn_app().await;
        let partner = Partner::fresh();
        let customer = if self.needs_customer() {
            create_customer(&app, &partner.token).await
        } else {
            new_guid()
        };
        let token = token(partner.token_builder()).sign();
        self.send(&app, &customer, Some(&token)).await
    }
}

/// One cell of the role matrix: `None` means allowed, `Some(code)` a 403 with that code.
pub async fn assert_role_cell(
    operation: Operation,
    token: impl FnOnce(TokenBuilder) -> TokenBuilder,
    refusal: Option<i64>,
) {
    let reply = operation.call_with(token).await;
    match refusal {
        None => reply.assert_status(operation.success_status()),
        Some(code) => assert_plain_fault(&reply, 403, code),
    }
}

/// The auth row of every error table: no Authorization header gives 401 800001 `missing`.
pub async fn assert_requires_a_token(operation: Operation) {
    let app = spawn_app().await;
    let partner = Partner::fresh();
    let customer = if operation.needs_customer() {
        create_customer(&app, &partner.token).await
    } else {
        new_guid()
    };
    let reply = operation.send(&app, &customer, None).await;
    assert_token_refused(&reply, "missing");
}

/// The customer-id checks of §3.6 on a customer-scoped operation, called by a partner who does not
/// know the customer: a non-GUID id gives 400 900118; an unknown id and another partner's customer
/// both give 404 60003 with identical bodies.
pub async fn assert_customer_id_checks(operation: Operation, id: CustomerId) {
    let app = spawn_app().await;
    let owner = Partner::fresh();
    let customer = create_customer(&app, &owner.token).await;
    let stranger = Partner::fresh();
    let call = |customer: String| {
        let app = &app;
        let token = stranger.token.clone();
        async move { operation.send(app, &customer, Some(&token)).await }
    };
    match id {
        CustomerId::NotAGuid => {
            assert_plain_fault(&call("not-a-guid".to_owned()).await, 400, 900118);
        }
        CustomerId::Unknown => {
            assert_plain_fault(&call(new_guid()).await, 404, 60003);
        }
        CustomerId::AnotherPartners => {
            let theirs = call(customer).await;
            assert_plain_fault(&theirs, 404, 60003);
            assert_eq!(theirs.body, call(new_guid()).await.body);
        }
    }
}

/// The kinds of customer id of `assert_customer_id_checks`.
#[derive(Clone, Copy, Debug)]
pub enum CustomerId {
    NotAGuid,
    Unknown,
    AnotherPartners,
}

/// Generates the customer-id tests of a customer-scoped operation (contract §3.6).
#[macro_export]
macro_rules! customer_id_tests {
    ($operation:expr) => {
        #[tokio::test]
        async fn refuses_a_customer_id_that_is_not_a_guid_with_900118() {
            use $crate::helpers::{assert_customer_id_checks, CustomerId};
            assert_customer_id_checks($operation, CustomerId::NotAGuid).await;
        }

        #[tokio::test]
        async fn refuses_an_unknown_customer_with_60003() {
            use $crate::helpers::{assert_customer_id_checks, CustomerId};
            assert_customer_id_checks($operation, CustomerId::Unknown).await;
        }

        #[tokio::test]
        async fn answers_another_partners_customer_exactly_like_an_unknown_one() {
            use $crate::helpers::{assert_customer_id_checks, CustomerId};
            assert_customer_id_checks($operation, CustomerId::AnotherPartners).await;
        }
    };
}

/// Generates the role-matrix and auth-row tests of one operation (contract §3.4; the indirect-reseller
/// column needs the control plane that registers partner types, which comes in a later issue).
#[macro_export]
macro_rules! role_matrix_tests {
    ($operation:expr, app_only: $app_only:expr) => {
        #[tokio::test]
        async fn is_allowed_for_an_app_user_token_of_admin_agents() {
            $crate::helpers::assert_role_cell($operation, |t| t, None).await;
        }

        #[tokio::test]
        async fn is_allowed_for_an_app_user_token_of_sales_agents() {
            $crate::helpers::assert_role_cell($operation, |t| t.roles(&["SalesAgents"]), None).await;
        }

        #[tokio::test]
        async fn answers_an_app_only_token_as_the_role_matrix_says() {
            $crate::helpers::assert_role_cell($operation, |t| t.app_only(), $app_only).await;
        }

        #[tokio::test]
        async fn refuses_helpdesk_agents_only_with_900150() {
            $crate::helpers::assert_role_cell($operation, |t| t.roles(&["HelpdeskAgents"]), Some(900150)).await;
        }

        #[tokio::test]
        async fn refuses_a_token_without_roles_with_900150() {
            $crate::helpers::assert_role_cell($operation, |t| t.without("roles"), Some(900150)).await;
        }

        #[tokio::test]
        async fn checks_the_auth_mode_before_the_role() {
            let expected: Option<i64> = $app_only;
            $crate::helpers::assert_role_cell(
                $operation,
                |t| t.app_only().roles(&["HelpdeskAgents"]),
                Some(expected.unwrap_or(900150)),
            )
            .await;
        }

        #[tokio::test]
        async fn refuses_a_request_without_a_token_with_800001() {
            $crate::helpers::assert_requires_a_token($operation).await;
        }
    };
}
