//! Who may call what, decided on the route actix matched.
//!
//! Two middlewares:
//! - [`canonical_request`] (the whole app, before routing) refuses with 400 a path that is not
//!   in its one canonical spelling: percent-encoded letters, digits or `-._~` (`/api/%6fps`
//!   routes like `/api/ops`), encoded separators (`%2F`, `%5C`), dot segments, empty segments
//!   (`//`), malformed escapes, control characters; and a query string carrying NUL, control
//!   characters or bytes that are not UTF-8. Checks on the raw path can then never disagree
//!   with the router, which decodes.
//! - [`Authorize`] (on every route, `wrap = "crate::access::Authorize"`) runs after routing and
//!   reads the pattern actix matched (`req.match_pattern()`), looks up the scope the OpenAPI
//!   document declares for that method and pattern, and lets the request through only with a
//!   token of that scope. The document is the one source: what it tells clients is what is
//!   enforced. A route missing from it needs admin (fail closed).

use crate::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{forward_ready, Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage as _};
use auth::{AuthError, Authenticator, Scope};
use futures::future::LocalBoxFuture;
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::rc::Rc;
use std::sync::LazyLock;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (health, readiness, metrics).
    Public,
    Token(Scope),
}

/// Method and pattern → access, from the OpenAPI document's `security` of each operation:
/// `[{}]` is public, `[{"bearer": ["read"]}]` needs read.
static ROUTES: LazyLock<HashMap<(String, String), Access>> = LazyLock::new(|| {
    let doc = serde_json::to_value(<crate::openapi::ApiDoc as utoipa::OpenApi>::openapi())
        .expect("the OpenAPI document serializes");
    route_access(&doc)
});

/// The access each operation of an OpenAPI document declares.
pub fn route_access(doc: &serde_json::Value) -> HashMap<(String, String), Access> {
    let mut routes = HashMap::new();
    let Some(paths) = doc["paths"].as_object() else {
        return routes;
    };
    for (path, operations) in paths {
        let Some(operations) = operations.as_object() else {
            continue;
        };
        for (method, operation) in operations {
            routes.insert(
                (method.to_ascii_uppercase(), path.clone()),
                declared(&operation["security"]),
            );
        }
    }
    routes
}

/// One operation's declared access; anything unclear needs admin.
fn declared(security: &serde_json::Value) -> Access {
    let Some(requirements) = security.as_array() else {
        return Access::Token(Scope::Admin);
    };
    if requirements
        .iter()
        .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    {
        return Access::Public;
    }
    let scope = requirements
        .iter()
        .filter_map(|r| r["bearer"].as_array())
        .flatten()
        .filter_map(|s| s.as_str()?.parse::<Scope>().ok())
        .min();
    Access::Token(scope.unwrap_or(Scope::Admin))
}

/// The access the route `pattern` needs for `method` (HEAD as GET).
pub fn required(method: &Method, pattern: &str) -> Access {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    match ROUTES.get(&(method.to_string(), pattern.to_string())) {
        Some(access) => *access,
        None => {
            tracing::error!(
                method,
                route = pattern,
                "route missing from the OpenAPI document: admin only"
            );
            Access::Token(Scope::Admin)
        }
    }
}

/// Route middleware: the token must have the scope the matched route declares.
pub struct Authorize;

impl<S, B> Transform<S, ServiceRequest> for Authorize
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Transform = AuthorizeService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(AuthorizeService {
            service: Rc::new(service),
        }))
    }
}

pub struct AuthorizeService<S> {
    service: Rc<S>,
}

impl<S, B> Service<ServiceRequest> for AuthorizeService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self::Response, Self::Error>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let service = Rc::clone(&self.service);
        Box::pin(async move {
            // CORS preflights carry no credentials by design; the CORS middleware answers them.
            if req.method() == Method::OPTIONS {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            let pattern = req.match_pattern().unwrap_or_default();
            let Access::Token(scope) = required(req.method(), &pattern) else {
                return service
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            };
            let Some(authenticator) = req.app_data::<web::Data<Authenticator>>().cloned() else {
                tracing::error!("Authorize without an Authenticator in the app data");
                return Ok(req
                    .error_response(AuthError::Unavailable)
                    .map_into_right_body());
            };
            match authenticator.authenticate(req.request(), scope).await {
                Ok(principal) => {
                    req.extensions_mut().insert(principal);
                    service
                        .call(req)
                        .await
                        .map(ServiceResponse::map_into_left_body)
                }
                Err(e) => {
                    auth::log_refusal(req.request(), &pattern, &e);
                    Ok(req.error_response(e).map_into_right_body())
                }
            }
        })
    }
}

/// App middleware: a request over its credential's or its address's budget is a 429 with
/// Retry-After (and is logged), before any work is done for it.
pub async fn rate_limit<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Some(state) = req.app_data::<web::Data<crate::AppState>>() {
        if let Err(limited) = state.limits.check_request(req.request()) {
            tracing::warn!(
                method = %req.method(),
                path = req.path(),
                peer = ?req.peer_addr().map(|a| a.ip()),
                reason = %limited,
                "request rate limited"
            );
            return Ok(req
                .error_response(ApiError::from(limited))
                .map_into_right_body());
        }
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// The Content-Security-Policy of the API's answers: JSON and CSV load nothing. Swagger UI
/// (`/api/docs/`) loads its own scripts and styles, from this origin only.
fn content_security_policy(path: &str) -> &'static str {
    if path.starts_with("/api/docs") {
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
         script-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    } else {
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    }
}

/// App middleware: security headers on every answer, refusals and errors included.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::http::header::{self, HeaderValue};
    let csp = content_security_policy(req.path());
    // The refusals of the middlewares inside are responses, not errors, so they get here.
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::HeaderName::from_static("cross-origin-resource-policy"),
        HeaderValue::from_static("same-site"),
    );
    Ok(response)
}

/// App middleware (before routing): a path in anything but its canonical spelling, or a query
/// string with characters no parameter accepts, is a 400.
pub async fn canonical_request<B: MessageBody>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Err(why) = check_path(req.uri().path()).and_then(|()| check_query(req.query_string())) {
        tracing::info!(path = req.uri().path(), reason = %why, "non-canonical request refused");
        return Ok(req
            .error_response(ApiError::BadRequest(why))
            .map_into_right_body());
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_left_body)
}

/// Whether a byte may stand unescaped in a path segment and must not be escaped (RFC 3986's
/// unreserved characters): escaping it gives a second spelling of the same route.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// The path in its one canonical spelling, or why not.
pub fn check_path(path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err("the path must start with /".into());
    }
    // Empty segments (`//`) are refused; a trailing slash is not one ("/api/docs/" is Swagger UI).
    let inner = path.strip_suffix('/').unwrap_or(path);
    if inner.split('/').skip(1).any(str::is_empty) {
        return Err("the path must not contain empty segments (//)".into());
    }
    if path.split('/').any(|s| s == "." || s == "..") {
        return Err("the path must not contain . or .. segments".into());
    }
    let bytes = path.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_control() || b == b'\\' {
            return Err("the path must not contain control characters or \\".into());
        }
        if b == b'%' {
            let decoded = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or("the path has a malformed percent escape")?;
            if unreserved(decoded) {
                return Err(format!(
                    "the path escapes {:?} (%{:02X}); write it unescaped",
                    decoded as char, decoded
                ));
            }
            if matches!(decoded, b'/' | b'\\') || decoded.is_ascii_control() {
                return Err(format!(
                    "the path must not contain an encoded separator or control character (%{decoded:02X})"
                ));
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    Ok(())
}

/// The query string decodes to UTF-8 without NUL or control characters (tab and line breaks
/// aside): PostgreSQL refuses NUL, and no filter means anything by the others.
pub fn check_query(query: &str) -> Result<(), String> {
    for pair in query.split('&') {
        for part in pair.splitn(2, '=') {
            let plus_as_space = part.replace('+', " ");
            let bytes = percent_decode(&plus_as_space).ok_or("the query has a malformed escape")?;
            let text = String::from_utf8(bytes)
                .map_err(|_| "the query string is not UTF-8 once decoded".to_string())?;
            if let Some(c) = text
                .chars()
                .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
            {
                return Err(format!(
                    "the query must not contain control characters (found U+{:04X})",
                    c as u32
                ));
            }
        }
    }
    Ok(())
}

fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_canonical_spelling_of_a_path_passes() {
        for ok in [
            "/",
            "/api/ops/queues",
            "/api/docs/",
            "/api/tickets/caf%C3%A9",
            "/api/tickets/a%20b",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "/api/%6fps/queues",
            "/api/op%73/queues",
            "/%61pi/ops/queues",
            "/api/%4Fps/queues",
            "/api%2Fops/queues",
            "/api%2fops/queues",
            "/api/./ops/queues",
            "/api/x/../ops/queues",
            "/api/%2e/ops/queues",
            "/api//ops/queues",
            "/api/tickets/%00",
            "/api/tickets/%zz",
            "/api/tickets/a%5Cb",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn queries_refuse_nul_control_characters_and_bad_utf8() {
        assert_eq!(check_query("search=caf%C3%A9+au+lait&page=2"), Ok(()));
        assert_eq!(check_query("search=line%0Abreak"), Ok(()));
        assert_eq!(check_query(""), Ok(()));
        assert!(check_query("search=%00").is_err());
        assert!(check_query("search=a%07").is_err());
        assert!(check_query("search=%FF").is_err());
        assert!(check_query("search=%").is_err());
    }

    #[test]
    fn declared_security_decides_the_access() {
        let doc = serde_json::json!({"paths": {
            "/health": {"get": {"security": [{}]}},
            "/api/x": {"get": {"security": [{"bearer": ["read"]}]},
                       "post": {"security": [{"bearer": ["write"]}]}},
            "/api/y": {"get": {}},
        }});
        let routes = route_access(&doc);
        let at = |m: &str, p: &str| routes[&(m.to_string(), p.to_string())];
        assert_eq!(at("GET", "/health"), Access::Public);
        assert_eq!(at("GET", "/api/x"), Access::Token(Scope::Read));
        assert_eq!(at("POST", "/api/x"), Access::Token(Scope::Write));
        assert_eq!(at("GET", "/api/y"), Access::Token(Scope::Admin));
    }
}
