//! The `partner-center-mirror` binary: parses the command line and runs `serve` (default), `token`, `migrate` or `openapi`.

use std::process::ExitCode;

use clap::Parser;
use partner_center_mirror::auth::dev_key::DevKey;
use partner_center_mirror::auth::mint::{self, TokenSpec};
use partner_center_mirror::config::{effective_database_url, Cli, Command, ServeArgs, Settings, StoreArgs, TokenArgs};
use partner_center_mirror::db::PoolOptions;
use partner_center_mirror::domain::ids::Guid;
use partner_center_mirror::http::openapi::api_doc_json;
use partner_center_mirror::service::{partners, shared_keys, Store};
use partner_center_mirror::startup::Application;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("PCM_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let result = match cli.command {
        None => serve(cli.serve),
        Some(Command::Serve(args)) => serve(*args),
        Some(Command::Token(args)) => token(args),
        Some(Command::Migrate(args)) => migrate(args),
        Some(Command::Openapi) => {
            print!("{}", api_doc_json());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("partner-center-mirror: {message}");
            ExitCode::from(2)
        }
    }
}

fn serve(args: ServeArgs) -> Result<(), String> {
    let settings = Settings::from_args(args).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let app = Application::build(settings).await.map_err(|e| e.to_string())?;
        println!("listening on http://{}", app.address());
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn token(args: TokenArgs) -> Result<(), String> {
    let tenant = Guid::parse(&args.tenant_id).ok_or("--tenant-id must be a GUID")?;
    let user_id = match &args.user_id {
        Some(raw) => Some(Guid::parse(raw).ok_or("--user-id must be a GUID")?.into_string()),
        None => None,
    };
    if !(1..=86_400).contains(&args.ttl_seconds) {
        return Err("--ttl-seconds must be between 1 and 86400".into());
    }
    let (key, now) = signing_key_and_now(&args.store, tenant.as_str())?;
    let spec = TokenSpec {
        tenant_id: tenant.into_string(),
        user_id,
        roles: if args.roles.is_empty() {
            vec!["AdminAgents".to_owned()]
        } else {
            args.roles
        },
        app_only: args.app_only,
        mfa: !args.no_mfa,
        ttl_seconds: args.ttl_seconds,
        audience: args
            .audience
            .first()
            .cloned()
            .unwrap_or_else(|| partner_center_mirror::config::DEFAULT_AUDIENCE.to_owned()),
    };
    let token = key.sign(&mint::claims(&spec, now)).map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}

/// The development key and the partner's mirror now, as the server would use them: from the database when it is
/// reachable, else the data directory's key and real time.
fn signing_key_and_now(
    store_args: &StoreArgs,
    tenant: &str,
) -> Result<(DevKey, chrono::DateTime<chrono::Utc>), String> {
    let local = DevKey::load_or_create_pem(&store_args.data_dir).map_err(|e| e.to_string())?;
    let url = effective_database_url(store_args.database_url.as_deref(), &store_args.data_dir);
    let options = PoolOptions {
        max_size: 1,
        connect_timeout: std::time::Duration::from_secs(3),
        ..PoolOptions::default()
    };
    let from_database = Store::open(&url, options).map_err(|e| e.to_string()).and_then(|store| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let tenant = tenant.to_owned();
        runtime
            .block_on(store.run(move |conn| {
                let pem = shared_keys::shared(conn, shared_keys::DEV_KEY, &local)?;
                let now = partners::now_for(conn, Some(&tenant))?;
                Ok((pem, now))
            }))
            .map_err(|e| e.to_string())
    });
    match from_database {
        Ok((pem, now)) => Ok((DevKey::from_pem(&pem).map_err(|e| e.to_string())?, now)),
        Err(error) => {
            eprintln!("partner-center-mirror: database not reachable ({error}); signing with the data directory's key");
            let key = DevKey::load_or_create(&store_args.data_dir).map_err(|e| e.to_string())?;
            Ok((key, chrono::Utc::now()))
        }
    }
}

fn migrate(args: StoreArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.data_dir).map_err(|e| e.to_string())?;
    let url = effective_database_url(args.database_url.as_deref(), &args.data_dir);
    Store::open(&url, PoolOptions::default()).map_err(|e| e.to_string())?;
    eprintln!("migrations applied");
    Ok(())
}
