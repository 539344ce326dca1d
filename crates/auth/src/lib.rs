//! Who is calling an HTTP service: bearer API tokens and people's sessions, scopes and roles,
//! password hashing, the log line of a refused request, and the [`Principal`] extractor
//! handlers use to learn who is calling (the service's route middleware decides the scope).
//!
//! Two kinds of bearer, told apart by their prefix:
//! - API tokens, `imt_` + 64 hex characters, for integrations (`api token create`);
//! - session tokens, `ims_` + 64 hex characters, given to a person at sign-in
//!   ([`session`]); the dashboard's server forwards the person's own.
//!
//! Only their sha-256 is stored; looking a token up by its hash needs no constant-time
//! comparison, because the secret never meets a stored copy of itself.
//!
//! API token lookups are cached per process for [`CACHE_TTL`] (unknown tokens too, so a flood
//! of bad tokens does not reach the database): a revoked token keeps working for at most that
//! long. Sessions are looked up on every request, so a sign-out or a disabled person takes
//! effect at once on every replica.

pub mod limit;
pub mod password;
pub mod session;

pub use session::{Person, Role};

use actix_web::http::{header, StatusCode};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::future::{ready, Ready};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a lookup is trusted before the database is asked again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Cached lookups kept before the cache is emptied (bounds memory under a bad-token flood).
const CACHE_MAX: usize = 10_000;
const TOKEN_PREFIX: &str = "imt_";

/// What a token may do. Ordered: admin ⊇ write ⊇ read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Write, Scope::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// Whether a token of this scope may do what needs `required`.
    pub fn allows(self, required: Scope) -> bool {
        self >= required
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s)
            .ok_or_else(|| format!("unknown scope {s:?}; expected read, write or admin"))
    }
}

/// Who is calling: the API token or the person's session that authenticated the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The API token's id, or the session's.
    pub token_id: Uuid,
    /// Recorded as the author of corrections and edits: the token's name, or the person's
    /// email.
    pub name: String,
    pub scope: Scope,
    /// The person, when a session authenticated the request.
    pub person: Option<Person>,
}

/// A new random API token and the hash to store.
pub fn generate_token() -> Result<(String, String), getrandom::Error> {
    random_token(TOKEN_PREFIX)
}

/// `prefix` + 64 random hex characters, and its hash.
fn random_token(prefix: &str) -> Result<(String, String), getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    let token = format!("{prefix}{}", hex::encode(bytes));
    let hash = hash_token(&token);
    Ok((token, hash))
}

/// The stored form of a token: hex sha-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Why a request was not let through.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("this endpoint needs a bearer token: send `Authorization: Bearer <token>`")]
    Missing,
    #[error("the bearer token is unknown or revoked, or the session has ended")]
    Invalid,
    #[error("this endpoint needs a token with {required} scope; this token has {has}")]
    Forbidden {
        required: Scope,
        has: Scope,
        /// The refused token's id, for the log line (never the token itself).
        token_id: Uuid,
    },
    #[error("cannot check the token: the database is unavailable")]
    Unavailable,
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            AuthError::Missing | AuthError::Invalid => StatusCode::UNAUTHORIZED,
            AuthError::Forbidden { .. } => StatusCode::FORBIDDEN,
            AuthError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let code = match self {
            AuthError::Missing | AuthError::Invalid => "unauthorized",
            AuthError::Forbidden { .. } => "forbidden",
            AuthError::Unavailable => "unavailable",
        };
        let mut response = HttpResponse::build(self.status_code());
        if self.status_code() == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(serde_json::json!({ "error": code, "message": self.to_string() }))
    }
}

/// Checks bearer tokens against `api_tokens`, with a short per-process cache.
pub struct Authenticator {
    pool: db::Pool,
    cache: Mutex<HashMap<String, (Option<Principal>, Instant)>>,
}

impl Authenticator {
    pub fn new(pool: db::Pool) -> Self {
        Authenticator {
            pool,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The principal behind the request's bearer token, if it may do what needs `required`.
    pub async fn authenticate(
        &self,
        request: &HttpRequest,
        required: Scope,
    ) -> Result<Principal, AuthError> {
        let token = bearer(request).ok_or(AuthError::Missing)?;
        let principal = if token.starts_with(session::TOKEN_PREFIX) {
            self.session(&hash_token(token)).await?
        } else {
            self.lookup(&hash_token(token)).await?
        };
        if principal.scope.allows(required) {
            Ok(principal)
        } else {
            Err(AuthError::Forbidden {
                required,
                has: principal.scope,
                token_id: principal.token_id,
            })
        }
    }

    async fn lookup(&self, hash: &str) -> Result<Principal, AuthError> {
        if let Some((found, at)) = self.cache.lock().expect("cache lock").get(hash) {
            if at.elapsed() < CACHE_TTL {
                return found.clone().ok_or(AuthError::Invalid);
            }
        }
        let mut conn = self.pool.get().await.map_err(|e| {
            tracing::warn!(error = %e, "token lookup: no database connection");
            AuthError::Unavailable
        })?;
        let row = db::models::api_token::find_active(&mut conn, hash)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "token lookup failed");
                AuthError::Unavailable
            })?;
        let found = match row {
            Some(row) => {
                if let Err(e) = db::models::api_token::touch(&mut conn, row.id).await {
                    tracing::warn!(error = %e, "could not record token use");
                }
                match row.scope.parse::<Scope>() {
                    Ok(scope) => Some(Principal {
                        token_id: row.id,
                        name: row.name,
                        scope,
                        person: None,
                    }),
                    Err(e) => {
                        tracing::error!(token = %row.id, error = %e, "stored token has a bad scope");
                        None
                    }
                }
            }
            None => None,
        };
        let mut cache = self.cache.lock().expect("cache lock");
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        cache.insert(hash.to_string(), (found.clone(), Instant::now()));
        found.ok_or(AuthError::Invalid)
    }
}

/// The token of an `Authorization: Bearer …` header.
pub(crate) fn bearer(request: &HttpRequest) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

impl AuthError {
    /// A short reason for logs and metrics: `missing`, `invalid`, `forbidden`, `unavailable`.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing_token",
            AuthError::Invalid => "invalid_token",
            AuthError::Forbidden { .. } => "insufficient_scope",
            AuthError::Unavailable => "unavailable",
        }
    }

    /// The id of the token refused, when the token is known.
    pub fn token_id(&self) -> Option<Uuid> {
        match self {
            AuthError::Forbidden { token_id, .. } => Some(*token_id),
            _ => None,
        }
    }
}

/// Writes the one log line of a refused request: the route it matched, why, and which token
/// (its id when known, else a short fingerprint of its hash), never the token.
pub fn log_refusal(request: &HttpRequest, route: &str, error: &AuthError) {
    let fingerprint = bearer(request).map(|t| hash_token(t)[..12].to_string());
    tracing::warn!(
        method = %request.method(),
        route,
        reason = error.reason(),
        token_id = error.token_id().map(|id| id.to_string()).as_deref().unwrap_or("none"),
        token_fingerprint = fingerprint.as_deref().unwrap_or("none"),
        status = error.status_code().as_u16(),
        "request refused"
    );
}

impl FromRequest for Principal {
    type Error = AuthError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Principal>()
                .cloned()
                .ok_or(AuthError::Missing),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_nest() {
        assert!(Scope::Admin.allows(Scope::Write));
        assert!(Scope::Admin.allows(Scope::Read));
        assert!(Scope::Write.allows(Scope::Read));
        assert!(!Scope::Write.allows(Scope::Admin));
        assert!(!Scope::Read.allows(Scope::Write));
        assert_eq!("write".parse::<Scope>().unwrap(), Scope::Write);
        assert!("root".parse::<Scope>().is_err());
    }

    #[test]
    fn tokens_are_random_and_stored_as_their_hash() {
        let (a, hash_a) = generate_token().unwrap();
        let (b, _) = generate_token().unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(hash_a, hash_token(&a));
        assert_eq!(hash_a.len(), 64);
        assert!(!hash_a.contains(&a[TOKEN_PREFIX.len()..]));
    }

    #[test]
    fn only_bearer_headers_carry_a_token() {
        let req = |v: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((header::AUTHORIZATION, v))
                .to_http_request()
        };
        assert_eq!(bearer(&req("Bearer abc")), Some("abc"));
        assert_eq!(bearer(&req("bearer  abc ")), Some("abc"));
        assert_eq!(bearer(&req("Basic abc")), None);
        assert_eq!(bearer(&req("Bearer ")), None);
    }
}
