//! The benchmark's floor: a bare actix-web server that checks the same HS256 bearer token as the mirror and
//! answers the bytes the mirror answered, with no state. `bench/run` starts it beside the mirror so that the
//! mirror's figures can be read against what actix-web and the token check cost by themselves.
//!
//! Usage: `bench-floor <bind address> <HS256 secret> <directory of recorded bodies>`; the directory holds
//! `metadata.json`, `history.json`, `customer.json`, `created_customer.json` and `attestation.json`.

use std::path::Path;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

/// What every handler needs: the key and the recorded answers.
struct Floor {
    key: DecodingKey,
    validation: Validation,
    metadata: Bytes,
    history: Bytes,
    customer: Bytes,
    created_customer: Bytes,
    attestation: Bytes,
}

impl Floor {
    /// True when the request carries a valid HS256 token for the Partner Center audience.
    fn admits(&self, req: &HttpRequest) -> bool {
        let Some(token) = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
        else {
            return false;
        };
        jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .is_ok_and(|data| data.claims.get("tid").is_some_and(Value::is_string))
    }

    fn answer(&self, req: &HttpRequest, status: actix_web::http::StatusCode, body: &Bytes) -> HttpResponse {
        if !self.admits(req) {
            return HttpResponse::Unauthorized().finish();
        }
        HttpResponse::build(status)
            .insert_header((header::CONTENT_TYPE, "application/json; charset=utf-8"))
            .body(body.clone())
    }
}

async fn metadata(req: HttpRequest, floor: web::Data<Floor>) -> HttpResponse {
    floor.answer(&req, actix_web::http::StatusCode::OK, &floor.metadata)
}

async fn history(req: HttpRequest, floor: web::Data<Floor>) -> HttpResponse {
    floor.answer(&req, actix_web::http::StatusCode::OK, &floor.history)
}

async fn customer(req: HttpRequest, floor: web::Data<Floor>) -> HttpResponse {
    floor.answer(&req, actix_web::http::StatusCode::OK, &floor.customer)
}

async fn create_customer(req: HttpRequest, body: Bytes, floor: web::Data<Floor>) -> HttpResponse {
    if serde_json::from_slice::<Value>(&body).is_err() {
        return HttpResponse::BadRequest().finish();
    }
    floor.answer(&req, actix_web::http::StatusCode::CREATED, &floor.created_customer)
}

async fn attest(req: HttpRequest, body: Bytes, floor: web::Data<Floor>) -> HttpResponse {
    if serde_json::from_slice::<Value>(&body).is_err() {
        return HttpResponse::BadRequest().finish();
    }
    floor.answer(&req, actix_web::http::StatusCode::CREATED, &floor.attestation)
}

fn recorded(dir: &Path, name: &str) -> std::io::Result<Bytes> {
    std::fs::read(dir.join(name)).map(Bytes::from)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, bind, secret, dir] = args.as_slice() else {
        eprintln!("usage: bench-floor <bind address> <HS256 secret> <directory of recorded bodies>");
        std::process::exit(2);
    };
    let dir = Path::new(dir);
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["https://api.partnercenter.microsoft.com"]);
    let floor = web::Data::new(Floor {
        key: DecodingKey::from_secret(secret.as_bytes()),
        validation,
        metadata: recorded(dir, "metadata.json")?,
        history: recorded(dir, "history.json")?,
        customer: recorded(dir, "customer.json")?,
        created_customer: recorded(dir, "created_customer.json")?,
        attestation: recorded(dir, "attestation.json")?,
    });
    HttpServer::new(move || {
        App::new()
            .app_data(floor.clone())
            .route("/v1/agreements", web::get().to(metadata))
            .route("/v1/customers", web::post().to(create_customer))
            .route("/v1/customers/{id}", web::get().to(customer))
            .route("/v1/customers/{id}/agreements", web::get().to(history))
            .route("/v1/customers/{id}/agreements", web::post().to(attest))
            .route("/_mirror/ready", web::get().to(HttpResponse::Ok))
    })
    .workers(2)
    .bind(bind.as_str())?
    .run()
    .await
}
