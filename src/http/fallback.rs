//! Answers for requests no route took: 405 with `Allow` on a known path, otherwise 404 1000 (contract §2.1).

use actix_web::dev::ResourceDef;
use actix_web::http::{header, Method, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::error::ApiError;

/// The served paths and their methods, taken from the OpenAPI document.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(ResourceDef, usize, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from the document's paths (`{param}` segments).
    pub fn from_openapi(api: &utoipa::openapi::OpenApi) -> RouteTable {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| (*m).to_owned())
                .collect();
                (ResourceDef::new(path.as_str()), path.matches('{').count(), methods)
            })
            .collect();
        RouteTable { routes }
    }

    /// Methods allowed on `path`, preferring the most literal matching route (`HEAD` wherever `GET` is); empty
    /// when no route matches.
    pub fn allowed(&self, path: &str) -> Vec<String> {
        let matching: Vec<_> = self.routes.iter().filter(|(def, _, _)| def.is_match(path)).collect();
        let fewest = matching.iter().map(|(_, params, _)| *params).min();
        let mut methods: Vec<String> = matching
            .iter()
            .filter(|(_, params, _)| Some(*params) == fewest)
            .flat_map(|(_, _, m)| m.iter().cloned())
            .collect();
        if methods.iter().any(|m| m == "GET") {
            methods.push("HEAD".to_owned());
        }
        methods.sort();
        methods.dedup();
        methods
    }
}

/// The default service.
pub async fn unmatched(req: HttpRequest, table: web::Data<RouteTable>) -> HttpResponse {
    let mirror = req.path().starts_with("/_mirror");
    let with_source = |e: ApiError| if mirror { e.from_mirror() } else { e };
    let allowed = table.allowed(req.path());
    if allowed.is_empty() || req.method() == Method::OPTIONS && allowed.is_empty() {
        return with_source(ApiError::not_found()).error_response();
    }
    let mut response = with_source(ApiError::fault(
        StatusCode::METHOD_NOT_ALLOWED,
        990002,
        format!("The method {} is not supported on this path.", req.method()),
    ))
    .error_response();
    if let Ok(value) = header::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
