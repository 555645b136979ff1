//! The typed auth extractor: `Authorized<Rule>` runs contract §3.7 steps 3 to 5 (token, partner registration,
//! auth mode, role, partner type), then the fault rules of the control plane (control-plane spec §13.3), and
//! yields the caller, all from the instance's control state in memory.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use super::error::ApiError;
use super::state::AppState;
use crate::auth::claims::tenant_hint;
use crate::domain::ids::TenantId;
use crate::domain::partner::PartnerType;
use crate::service;
use crate::service::admission::Admission;
use crate::service::faults::RequestFacts;

/// Which callers an operation admits (one column pair of the role matrix, contract §3.4).
pub trait AccessRule {
    /// App-only tokens are accepted.
    const APP_ONLY_ALLOWED: bool;
    /// Indirect resellers are accepted.
    const RESELLERS_ALLOWED: bool;
}

/// App+User tokens only; indirect resellers allowed: (a), (e), (f4), (f5).
pub struct AppUser;
/// App+User tokens only; indirect resellers refused: (b), (c), (d).
pub struct AppUserNoResellers;
/// Either token mode; indirect resellers allowed: (f1), (f2), (f3), (h).
pub struct AnyMode;
/// Either token mode; indirect resellers refused: (g).
pub struct AnyModeNoResellers;

impl AccessRule for AppUser {
    const APP_ONLY_ALLOWED: bool = false;
    const RESELLERS_ALLOWED: bool = true;
}
impl AccessRule for AppUserNoResellers {
    const APP_ONLY_ALLOWED: bool = false;
    const RESELLERS_ALLOWED: bool = false;
}
impl AccessRule for AnyMode {
    const APP_ONLY_ALLOWED: bool = true;
    const RESELLERS_ALLOWED: bool = true;
}
impl AccessRule for AnyModeNoResellers {
    const APP_ONLY_ALLOWED: bool = true;
    const RESELLERS_ALLOWED: bool = false;
}

/// An authenticated and authorized caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Partner tenant.
    pub tenant: TenantId,
    /// Partner user (`oid`) of App+User tokens.
    pub user_id: Option<String>,
    /// The partner's type.
    pub partner_type: PartnerType,
    /// The partner's mirror now.
    pub now: DateTime<Utc>,
    /// The admission decision, for the request's database hop to confirm ([`crate::service::Store::run_for`]).
    pub admission: Admission,
}

/// The partner tenant of a validated token, kept in the request extensions for logs and the journal.
#[derive(Debug, Clone)]
pub struct AuthenticatedTenant(pub String);

/// The id of the fault rule that answered or delayed the request, kept in the request extensions for the journal.
#[derive(Debug, Clone)]
pub struct FaultMark(pub String);

/// The partner's mirror now used for the request, kept in the request extensions for the journal.
#[derive(Debug, Clone, Copy)]
pub struct RequestMirrorNow(pub DateTime<Utc>);

/// Extractor of a caller admitted by rule `R`.
pub struct Authorized<R> {
    /// The caller.
    pub caller: Caller,
    rule: PhantomData<R>,
}

impl<R: AccessRule> FromRequest for Authorized<R> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut actix_web::dev::Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authorize(&req, R::APP_ONLY_ALLOWED, R::RESELLERS_ALLOWED).await?;
            Ok(Authorized {
                caller,
                rule: PhantomData,
            })
        })
    }
}

async fn authorize(req: &HttpRequest, app_only_allowed: bool, resellers_allowed: bool) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::from(service::ServiceError::Internal("application state missing".into())))?
        .clone();
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let claims = state.verifier.verified_claims(authorization.as_deref()).await?;
    // The control state in memory: no database hop unless the partner is new to this instance or a fault rule
    // matches the request. Operations with database work confirm it in their own hop (Store::run_for).
    let control = state.store.control();
    let hint = tenant_hint(&claims).map(|g| g.into_string());
    let identity = state.verifier.check_claims(&claims, control.now_for(hint.as_deref()))?;
    req.extensions_mut()
        .insert(AuthenticatedTenant(identity.tenant.to_string()));
    let tenant = identity.tenant.to_string();
    let partner_type = match control.partner_type(&tenant) {
        Some(kind) => kind,
        None => {
            state
                .store
                .register_partner(tenant.clone(), state.auto_register_partners)
                .await?
        }
    };
    let now = control.now_for(Some(&tenant));
    req.extensions_mut().insert(RequestMirrorNow(now));
    if identity.app_only && !app_only_allowed {
        return Err(ApiError::app_only_refused());
    }
    if !identity.roles.may_use_agreement_api() {
        return Err(ApiError::role_refused());
    }
    if partner_type == PartnerType::IndirectReseller && !resellers_allowed {
        return Err(ApiError::reseller_refused());
    }
    let facts = RequestFacts {
        method: req.method().as_str().to_owned(),
        path: percent_decode_str(req.path()).decode_utf8_lossy().into_owned(),
        partner_tenant_id: tenant.clone(),
    };
    if control.faults_may_match(&facts) {
        let rules = control.faults().to_vec();
        let rule_facts = facts.clone();
        let firing = state
            .store
            .run(move |conn| service::faults::evaluate_among(conn, &rules, &rule_facts))
            .await?;
        if let Some(firing) = firing {
            req.extensions_mut().insert(FaultMark(firing.fault_id.clone()));
            if firing.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(firing.latency_ms)).await;
            }
            if let Some(respond) = &firing.respond {
                return Err(ApiError::injected(&firing.fault_id, respond));
            }
        }
    }
    Ok(Caller {
        tenant: identity.tenant,
        user_id: identity.user_id,
        partner_type,
        now,
        admission: Admission {
            tenant,
            partner_type,
            now,
            version: control.version,
            facts,
            resellers_allowed,
            auto_register: state.auto_register_partners,
            token_window: identity.window,
        },
    })
}
