//! Fault injection rules (control-plane spec §13): validating and storing rules with presets, matching a `/v1`
//! request against the active rules in creation order, the deterministic probability draw, and the shared
//! `matched` / `fired` counters.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::{clock, ServiceError};
use crate::db::{self, fault_rows::FaultRow, DbConnection};
use crate::domain::ids::Guid;
use crate::domain::{FieldError, FieldErrors, Reason};

/// Largest `latencyMs`.
pub const MAX_LATENCY_MS: i64 = 60_000;
/// Largest `retryAfterSeconds` (one day).
pub const MAX_RETRY_AFTER_SECONDS: i64 = 86_400;
/// Longest `match.path` pattern.
pub const MAX_PATH_LEN: usize = 1024;
/// Wire text of 600061 (contract §5.2).
const DUPLICATE_TEXT: &str = "A partner confirmed agreement already exists for the customer.";
/// Description of 60003 (contract §5.1).
const TENANT_NOT_FOUND_TEXT: &str = "No customer with this id exists for the calling partner.";

/// A named bundle of defaults (control-plane spec §13.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 429, shape C, `Retry-After: 1`.
    Throttled,
    /// 400, shape B, 600061.
    DuplicateAttestation,
    /// 503, shape A, 800003.
    ServiceUnavailable,
    /// 504, shape A, 800003 after 5 s.
    GatewayTimeout,
    /// 404, shape A, 60003.
    TenantNotFound,
}

impl Preset {
    const ALL: [Preset; 5] = [
        Preset::Throttled,
        Preset::DuplicateAttestation,
        Preset::ServiceUnavailable,
        Preset::GatewayTimeout,
        Preset::TenantNotFound,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Throttled => "throttled",
            Preset::DuplicateAttestation => "duplicateAttestation",
            Preset::ServiceUnavailable => "serviceUnavailable",
            Preset::GatewayTimeout => "gatewayTimeout",
            Preset::TenantNotFound => "tenantNotFound",
        }
    }

    /// Parses the wire name (exact spelling).
    pub fn parse(text: &str) -> Option<Preset> {
        Preset::ALL.into_iter().find(|p| p.as_str() == text)
    }

    /// The answer and latency the preset stands for.
    fn defaults(self) -> (RespondDraft, i64) {
        let answer = |status: i64, shape: &str, code: Option<i64>| RespondDraft {
            status: Some(status),
            shape: Some(shape.to_owned()),
            code,
            ..RespondDraft::default()
        };
        match self {
            Preset::Throttled => (
                RespondDraft {
                    retry_after_seconds: Some(1),
                    ..answer(429, "C", None)
                },
                0,
            ),
            Preset::DuplicateAttestation => (
                RespondDraft {
                    error_name: Some("PartnerConfirmedAgreementAlreadyExists".to_owned()),
                    description: Some(DUPLICATE_TEXT.to_owned()),
                    ..answer(400, "B", Some(600_061))
                },
                0,
            ),
            Preset::ServiceUnavailable => (answer(503, "A", Some(800_003)), 0),
            Preset::GatewayTimeout => (answer(504, "A", Some(800_003)), 5000),
            Preset::TenantNotFound => (
                RespondDraft {
                    description: Some(TENANT_NOT_FOUND_TEXT.to_owned()),
                    ..answer(404, "A", Some(60_003))
                },
                0,
            ),
        }
    }
}

/// The error envelope of an injected answer (contract §5.1–5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `{code, description, data, source}`.
    A,
    /// The business-error format.
    B,
    /// Throttling `{statusCode, message}`.
    C,
}

impl Shape {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::A => "A",
            Shape::B => "B",
            Shape::C => "C",
        }
    }

    fn parse(text: &str) -> Option<Shape> {
        match text {
            "A" => Some(Shape::A),
            "B" => Some(Shape::B),
            "C" => Some(Shape::C),
            _ => None,
        }
    }
}

/// The `respond` member as requested; every member optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RespondDraft {
    /// HTTP status.
    pub status: Option<i64>,
    /// `A`, `B` or `C`.
    pub shape: Option<String>,
    /// Partner Center error code.
    pub code: Option<i64>,
    /// `errorName` of shape B.
    pub error_name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// `Retry-After` in seconds.
    pub retry_after_seconds: Option<i64>,
}

/// A fault rule as requested, before the preset is applied and before validation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultDraft {
    /// Explicit id.
    pub id: Option<String>,
    /// Preset name.
    pub preset: Option<String>,
    /// `match.method`.
    pub method: Option<String>,
    /// `match.path` glob.
    pub path: Option<String>,
    /// `match.partnerTenantId`.
    pub partner_tenant_id: Option<String>,
    /// `match.customerTenantId`.
    pub customer_tenant_id: Option<String>,
    /// `respond`.
    pub respond: Option<RespondDraft>,
    /// `latencyMs`.
    pub latency_ms: Option<i64>,
    /// `times`.
    pub times: Option<i64>,
    /// `probability`.
    pub probability: Option<f64>,
    /// `seed`.
    pub seed: Option<i64>,
}

/// A resolved injected answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respond {
    /// HTTP status, 400 to 599.
    pub status: u16,
    /// Envelope.
    pub shape: Shape,
    /// Error code (shapes A and B).
    pub code: Option<i64>,
    /// `errorName` (shape B).
    pub error_name: Option<String>,
    /// Description; a generic text per status when absent.
    pub description: Option<String>,
    /// `Retry-After` in seconds.
    pub retry_after_seconds: Option<i64>,
}

/// A validated rule, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// Explicit id, else generated.
    pub id: Option<String>,
    /// Preset the rule started from.
    pub preset: Option<Preset>,
    /// Method in uppercase.
    pub method: Option<String>,
    /// Path glob.
    pub path: Option<String>,
    /// Partner tenant (lowercase GUID).
    pub partner_tenant_id: Option<String>,
    /// Customer tenant (lowercase GUID).
    pub customer_tenant_id: Option<String>,
    /// Answer; `None` for a latency-only fault.
    pub respond: Option<Respond>,
    /// Delay before answering or processing.
    pub latency_ms: i64,
    /// Firings before the rule expires.
    pub times: Option<i64>,
    /// Probability of firing per match.
    pub probability: f64,
    /// Seed of the draw.
    pub seed: i64,
}

/// A stored rule with its counters.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// The rule.
    pub spec: FaultSpec,
    /// Its id.
    pub id: String,
    /// Criteria matches.
    pub matched: i64,
    /// Injections.
    pub fired: i64,
    /// `times − fired`, when `times` is set.
    pub remaining: Option<i64>,
    /// False once `times` firings happened.
    pub active: bool,
    /// Creation instant (global mirror clock).
    pub created_at: DateTime<Utc>,
}

/// What a firing fault does to the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    /// The fault's id.
    pub fault_id: String,
    /// Delay in milliseconds.
    pub latency_ms: u64,
    /// The answer; `None`: delay, then process normally.
    pub respond: Option<Respond>,
}

/// The facts of a `/v1` request that rules match against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFacts {
    /// HTTP method.
    pub method: String,
    /// Percent-decoded path without query.
    pub path: String,
    /// The validated token's `tid`.
    pub partner_tenant_id: String,
}

impl RequestFacts {
    /// The `{customer-tenant-id}` segment of `/v1/customers/{id}/…`, lowercase.
    pub fn customer_segment(&self) -> Option<String> {
        let mut segments = self.path.split('/').skip(1);
        let v1 = segments.next()?;
        let customers = segments.next()?;
        let id = segments.next()?;
        (v1.eq_ignore_ascii_case("v1") && customers.eq_ignore_ascii_case("customers") && !id.is_empty())
            .then(|| id.to_ascii_lowercase())
    }
}

fn error(field: &str, reason: Reason, message: &str) -> FieldError {
    FieldError::new(field, reason, message)
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-')
}

fn valid_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.starts_with("/v1") && matches!(lower.as_bytes().get(3), None | Some(b'/') | Some(b'*'))
}

/// Applies the preset and checks every member (control-plane spec §13.1), collecting all field errors.
pub fn validate(draft: FaultDraft) -> Result<FaultSpec, FieldErrors> {
    let mut errors = FieldErrors::new();
    if let Some(id) = &draft.id {
        if !valid_id(id) {
            errors.push(error(
                "id",
                Reason::InvalidFormat,
                "id must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' or '-'",
            ));
        }
    }
    let preset = match draft.preset.as_deref() {
        None => None,
        Some(name) => {
            let parsed = Preset::parse(name);
            if parsed.is_none() {
                errors.push(error(
                    "preset",
                    Reason::UnsupportedValue,
                    "preset must be throttled, duplicateAttestation, serviceUnavailable, gatewayTimeout or tenantNotFound",
                ));
            }
            parsed
        }
    };
    let method = draft.method.as_deref().map(str::to_ascii_uppercase);
    if let Some(m) = &method {
        if m.is_empty() || m.len() > 16 || !m.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(error(
                "match.method",
                Reason::InvalidFormat,
                "match.method must be an HTTP method",
            ));
        }
    }
    if let Some(path) = &draft.path {
        if path.len() > MAX_PATH_LEN {
            errors.push(error(
                "match.path",
                Reason::TooLong,
                "match.path must not exceed 1024 characters",
            ));
        } else if !valid_path(path) {
            errors.push(error(
                "match.path",
                Reason::InvalidFormat,
                "match.path must be a glob starting with /v1; the control plane cannot be faulted",
            ));
        }
    }
    let guid = |errors: &mut FieldErrors, field: &str, value: &Option<String>| {
        value.as_deref().and_then(|raw| {
            let parsed = Guid::parse(raw).map(Guid::into_string);
            if parsed.is_none() {
                errors.push(error(field, Reason::InvalidFormat, &format!("{field} must be a GUID")));
            }
            parsed
        })
    };
    let partner_tenant_id = guid(&mut errors, "match.partnerTenantId", &draft.partner_tenant_id);
    let customer_tenant_id = guid(&mut errors, "match.customerTenantId", &draft.customer_tenant_id);
    let (preset_respond, preset_latency) = match preset {
        Some(p) => {
            let (respond, latency) = p.defaults();
            (Some(respond), latency)
        }
        None => (None, 0),
    };
    let respond = match (preset_respond, draft.respond) {
        (None, None) => None,
        (Some(base), None) => Some(base),
        (None, Some(given)) => Some(given),
        (Some(base), Some(given)) => Some(RespondDraft {
            status: given.status.or(base.status),
            shape: given.shape.or(base.shape),
            code: given.code.or(base.code),
            error_name: given.error_name.or(base.error_name),
            description: given.description.or(base.description),
            retry_after_seconds: given.retry_after_seconds.or(base.retry_after_seconds),
        }),
    };
    let respond = respond.and_then(|r| resolve_respond(r, &mut errors));
    let latency_ms = draft.latency_ms.unwrap_or(preset_latency);
    if !(0..=MAX_LATENCY_MS).contains(&latency_ms) {
        errors.push(error(
            "latencyMs",
            Reason::OutOfRange,
            "latencyMs must be between 0 and 60000",
        ));
    }
    if respond.is_none() && latency_ms == 0 && errors.is_empty() {
        errors.push(error(
            "respond.status",
            Reason::Required,
            "respond.status is required unless the fault only adds latency",
        ));
    }
    if let Some(times) = draft.times {
        if times < 1 {
            errors.push(error("times", Reason::OutOfRange, "times must be at least 1"));
        }
    }
    let probability = draft.probability.unwrap_or(1.0);
    if !(0.0..=1.0).contains(&probability) {
        errors.push(error(
            "probability",
            Reason::OutOfRange,
            "probability must be between 0 and 1",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(FaultSpec {
        id: draft.id,
        preset,
        method,
        path: draft.path,
        partner_tenant_id,
        customer_tenant_id,
        respond,
        latency_ms,
        times: draft.times,
        probability,
        seed: draft.seed.unwrap_or(0),
    })
}

fn resolve_respond(draft: RespondDraft, errors: &mut FieldErrors) -> Option<Respond> {
    let before = errors.0.len();
    let status = match draft.status {
        None => {
            errors.push(FieldError::required("respond.status"));
            None
        }
        Some(s) if (400..=599).contains(&s) => u16::try_from(s).ok(),
        Some(_) => {
            errors.push(error(
                "respond.status",
                Reason::OutOfRange,
                "respond.status must be between 400 and 599",
            ));
            None
        }
    };
    let shape = match draft.shape.as_deref() {
        None => Some(match (status, &draft.error_name) {
            (Some(429), _) => Shape::C,
            (_, Some(_)) => Shape::B,
            _ => Shape::A,
        }),
        Some(text) => {
            let parsed = Shape::parse(text);
            if parsed.is_none() {
                errors.push(error(
                    "respond.shape",
                    Reason::UnsupportedValue,
                    "respond.shape must be A, B or C",
                ));
            }
            parsed
        }
    };
    if shape == Some(Shape::C) && status.is_some_and(|s| s != 429) {
        errors.push(error(
            "respond.shape",
            Reason::UnsupportedValue,
            "respond.shape C is only allowed with status 429",
        ));
    }
    if matches!(shape, Some(Shape::A | Shape::B)) && draft.code.is_none() {
        errors.push(FieldError::required("respond.code"));
    }
    if shape == Some(Shape::B) && draft.error_name.as_deref().is_none_or(str::is_empty) {
        errors.push(FieldError::required("respond.errorName"));
    }
    if let Some(description) = &draft.description {
        if description.is_empty() || description.chars().count() > 1024 {
            errors.push(error(
                "respond.description",
                Reason::TooLong,
                "respond.description must be 1 to 1024 characters",
            ));
        }
    }
    let retry_after_seconds = match (draft.retry_after_seconds, status) {
        (Some(s), _) if !(0..=MAX_RETRY_AFTER_SECONDS).contains(&s) => {
            errors.push(error(
                "respond.retryAfterSeconds",
                Reason::OutOfRange,
                "respond.retryAfterSeconds must be between 0 and 86400",
            ));
            None
        }
        (Some(s), _) => Some(s),
        (None, Some(429)) => Some(1),
        (None, _) => None,
    };
    if errors.0.len() > before {
        return None;
    }
    Some(Respond {
        status: status?,
        shape: shape?,
        code: draft.code,
        error_name: draft.error_name,
        description: draft.description,
        retry_after_seconds,
    })
}

/// Glob match, case-insensitive: `*` within a segment, `**` across segments (`/**/` also matches a single
/// `/`), `?` one character other than `/`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let mut memo = vec![None; (pattern.len() + 1) * (text.len() + 1)];
    glob_at(&pattern, &text, 0, 0, &mut memo)
}

fn glob_at(p: &[char], t: &[char], i: usize, j: usize, memo: &mut Vec<Option<bool>>) -> bool {
    let key = i * (t.len() + 1) + j;
    if let Some(known) = memo.get(key).copied().flatten() {
        return known;
    }
    let result = match p.get(i) {
        None => j == t.len(),
        Some('*') if p.get(i + 1) == Some(&'*') => {
            // `**/` may also stand for no directory at all.
            let slash_follows = p.get(i + 2) == Some(&'/');
            (slash_follows && glob_at(p, t, i + 3, j, memo)) || (j..=t.len()).any(|k| glob_at(p, t, i + 2, k, memo))
        }
        Some('*') => {
            let mut k = j;
            loop {
                if glob_at(p, t, i + 1, k, memo) {
                    break true;
                }
                if k >= t.len() || t[k] == '/' {
                    break false;
                }
                k += 1;
            }
        }
        Some('?') => t.get(j).is_some_and(|c| *c != '/') && glob_at(p, t, i + 1, j + 1, memo),
        Some(c) => t.get(j) == Some(c) && glob_at(p, t, i + 1, j + 1, memo),
    };
    if let Some(slot) = memo.get_mut(key) {
        *slot = Some(result);
    }
    result
}

/// The deterministic draw of the `n`-th match of a fault: a number in `[0, 1)` from SHA-256 of (seed, id, n).
pub fn draw(seed: i64, fault_id: &str, n: i64) -> f64 {
    let digest = Sha256::digest(format!("{seed}\n{fault_id}\n{n}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

/// True when the rule's method, partner and path criteria admit the request.
pub(crate) fn criteria_match(row: &FaultRow, facts: &RequestFacts) -> bool {
    row.match_method
        .as_deref()
        .is_none_or(|m| m.eq_ignore_ascii_case(&facts.method))
        && row
            .match_partner_tenant_id
            .as_deref()
            .is_none_or(|p| p.eq_ignore_ascii_case(&facts.partner_tenant_id))
        && row
            .match_customer_tenant_id
            .as_deref()
            .is_none_or(|c| facts.customer_segment().as_deref() == Some(c))
        && row.match_path.as_deref().is_none_or(|g| glob_matches(g, &facts.path))
}

/// Finds the first active fault (creation order) whose criteria match and whose draw fires, counting matches
/// and firings in the database. One query when no fault is active.
pub fn evaluate(conn: &mut DbConnection, facts: &RequestFacts) -> Result<Option<Firing>, ServiceError> {
    let rules = db::faults::active_in_order(conn)?;
    evaluate_among(conn, &rules, facts)
}

/// [`evaluate`] over rules already read (the instance's control state); each candidate is re-read in the
/// database, so a rule removed or used up since counts for nothing.
pub fn evaluate_among(
    conn: &mut DbConnection,
    rules: &[FaultRow],
    facts: &RequestFacts,
) -> Result<Option<Firing>, ServiceError> {
    for candidate in rules {
        if !criteria_match(candidate, facts) {
            continue;
        }
        let firing = db::transaction(conn, |conn| -> Result<Option<Firing>, ServiceError> {
            if !db::faults::count_match(conn, &candidate.id)? {
                return Ok(None);
            }
            let Some(row) = db::faults::find(conn, &candidate.id)? else {
                return Ok(None);
            };
            if row.times.is_some_and(|t| row.fired >= t) || draw(row.seed, &row.id, row.matched) >= row.probability {
                return Ok(None);
            }
            let fired = row.fired + 1;
            db::faults::set_fired(conn, &row.id, fired, row.times.is_none_or(|t| fired < t))?;
            let fault = to_fault(row)?;
            Ok(Some(Firing {
                fault_id: fault.id,
                latency_ms: u64::try_from(fault.spec.latency_ms).unwrap_or(0),
                respond: fault.spec.respond,
            }))
        })?;
        if firing.is_some() {
            return Ok(firing);
        }
    }
    Ok(None)
}

/// Stores a rule; the id is the explicit one or the next free `fault-<n>`.
pub fn create(conn: &mut DbConnection, spec: FaultSpec) -> Result<Fault, ServiceError> {
    db::transaction(conn, |conn| {
        let position = db::faults::next_counter(conn, db::faults::POSITION_COUNTER)?;
        let id = match &spec.id {
            Some(id) if db::faults::exists(conn, id)? => return Err(ServiceError::FaultIdInUse(id.clone())),
            Some(id) => id.clone(),
            None => loop {
                let n = db::faults::next_counter(conn, db::faults::ID_COUNTER)?;
                let candidate = format!("fault-{n}");
                if !db::faults::exists(conn, &candidate)? {
                    break candidate;
                }
            },
        };
        let now = clock::now_for(conn, None)?;
        let respond = spec.respond.as_ref();
        let row = FaultRow {
            id: id.clone(),
            position,
            preset: spec.preset.map(|p| p.as_str().to_owned()),
            match_method: spec.method.clone(),
            match_path: spec.path.clone(),
            match_partner_tenant_id: spec.partner_tenant_id.clone(),
            match_customer_tenant_id: spec.customer_tenant_id.clone(),
            respond_status: respond.map(|r| i32::from(r.status)),
            respond_shape: respond.map(|r| r.shape.as_str().to_owned()),
            respond_code: respond.and_then(|r| r.code),
            respond_error_name: respond.and_then(|r| r.error_name.clone()),
            respond_description: respond.and_then(|r| r.description.clone()),
            respond_retry_after_seconds: respond.and_then(|r| r.retry_after_seconds),
            latency_ms: spec.latency_ms,
            times: spec.times,
            probability: spec.probability,
            seed: spec.seed,
            matched: 0,
            fired: 0,
            active: true,
            created_at: clock::to_row_time(now),
        };
        match db::faults::insert(conn, &row) {
            Ok(_) => {}
            Err(e) if db::is_unique_violation(&e) => return Err(ServiceError::FaultIdInUse(id)),
            Err(e) => return Err(e.into()),
        }
        to_fault(row)
    })
}

/// Every rule in creation order.
pub fn list(conn: &mut DbConnection) -> Result<Vec<Fault>, ServiceError> {
    db::faults::all_in_order(conn)?.into_iter().map(to_fault).collect()
}

/// One rule.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Fault, ServiceError> {
    db::faults::find(conn, id)?
        .ok_or_else(|| ServiceError::UnknownFault(id.to_owned()))
        .and_then(to_fault)
}

/// Deletes one rule and returns it as it was.
pub fn delete(conn: &mut DbConnection, id: &str) -> Result<Fault, ServiceError> {
    db::transaction(conn, |conn| {
        let fault = get(conn, id)?;
        db::faults::delete(conn, id)?;
        Ok(fault)
    })
}

/// Deletes every rule; the id counter keeps counting (only a global reset restarts it).
pub fn delete_all(conn: &mut DbConnection) -> Result<usize, ServiceError> {
    Ok(db::faults::delete_all(conn)?)
}

fn to_fault(row: FaultRow) -> Result<Fault, ServiceError> {
    let corrupt = |what: &str| ServiceError::Internal(format!("fault {} has an invalid stored {what}", row.id));
    let respond = match (row.respond_status, row.respond_shape.as_deref()) {
        (Some(status), Some(shape)) => Some(Respond {
            status: u16::try_from(status).map_err(|_| corrupt("status"))?,
            shape: Shape::parse(shape).ok_or_else(|| corrupt("shape"))?,
            code: row.respond_code,
            error_name: row.respond_error_name.clone(),
            description: row.respond_description.clone(),
            retry_after_seconds: row.respond_retry_after_seconds,
        }),
        _ => None,
    };
    let preset = match row.preset.as_deref() {
        Some(name) => Some(Preset::parse(name).ok_or_else(|| corrupt("preset"))?),
        None => None,
    };
    Ok(Fault {
        remaining: row.times.map(|t| (t - row.fired).max(0)),
        spec: FaultSpec {
            id: Some(row.id.clone()),
            preset,
            method: row.match_method,
            path: row.match_path,
            partner_tenant_id: row.match_partner_tenant_id,
            customer_tenant_id: row.match_customer_tenant_id,
            respond,
            latency_ms: row.latency_ms,
            times: row.times,
            probability: row.probability,
            seed: row.seed,
        },
        id: row.id,
        matched: row.matched,
        fired: row.fired,
        active: row.active,
        created_at: clock::from_row_time(row.created_at),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_keep_single_stars_inside_a_segment_and_double_stars_across() {
        assert!(glob_matches(
            "/v1/customers/*/agreements",
            "/v1/customers/ABC/agreements"
        ));
        assert!(!glob_matches(
            "/v1/customers/*/agreements",
            "/v1/customers/a/b/agreements"
        ));
        assert!(glob_matches("/v1/**", "/v1/customers/a/agreements"));
        assert!(glob_matches("/v1/**/agreements", "/v1/agreements"));
        assert!(glob_matches("/v1/**/agreements", "/v1/customers/x/agreements"));
        assert!(glob_matches("/V1/Customers", "/v1/customers"));
        assert!(glob_matches("/v1/customer?", "/v1/customers"));
        assert!(!glob_matches("/v1/customer?", "/v1/customer/"));
        assert!(!glob_matches("/v1/customers", "/v1/customers/x"));
    }

    #[test]
    fn the_draw_is_deterministic_and_spread() {
        assert_eq!(draw(7, "fault-1", 3), draw(7, "fault-1", 3));
        assert_ne!(draw(7, "fault-1", 3), draw(8, "fault-1", 3));
        let below = (1..=1000).filter(|n| draw(1, "f", *n) < 0.5).count();
        assert!((400..600).contains(&below), "{below}");
        assert!((1..=100).all(|n| (0.0..1.0).contains(&draw(0, "x", n))));
    }

    #[test]
    fn members_next_to_a_preset_override_it() {
        let spec = validate(FaultDraft {
            preset: Some("throttled".into()),
            respond: Some(RespondDraft {
                retry_after_seconds: Some(3),
                ..RespondDraft::default()
            }),
            ..FaultDraft::default()
        })
        .unwrap();
        let respond = spec.respond.unwrap();
        assert_eq!(
            (respond.status, respond.shape, respond.retry_after_seconds),
            (429, Shape::C, Some(3))
        );
        let timeout = validate(FaultDraft {
            preset: Some("gatewayTimeout".into()),
            latency_ms: Some(10),
            ..FaultDraft::default()
        })
        .unwrap();
        assert_eq!(timeout.latency_ms, 10);
        assert_eq!(timeout.respond.unwrap().code, Some(800_003));
    }

    #[test]
    fn validation_collects_every_refused_member() {
        let errors = validate(FaultDraft {
            id: Some("bad id".into()),
            path: Some("/_mirror/faults".into()),
            latency_ms: Some(60_001),
            times: Some(0),
            probability: Some(1.5),
            respond: Some(RespondDraft {
                status: Some(302),
                ..RespondDraft::default()
            }),
            ..FaultDraft::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "id",
                "match.path",
                "respond.status",
                "respond.code",
                "latencyMs",
                "times",
                "probability"
            ]
        );
    }

    #[test]
    fn the_customer_segment_is_the_one_after_customers() {
        let facts = |path: &str| RequestFacts {
            method: "GET".into(),
            path: path.into(),
            partner_tenant_id: "p".into(),
        };
        assert_eq!(
            facts("/v1/customers/ABC/agreements").customer_segment().as_deref(),
            Some("abc")
        );
        assert_eq!(facts("/v1/customers").customer_segment(), None);
        assert_eq!(facts("/v1/agreements").customer_segment(), None);
    }
}
