//! Signing in and out: email and password, single sign-on through OpenID Connect, and who is
//! signed in. A successful sign-in answers a session token that the dashboard's server keeps
//! in an httpOnly cookie and sends as its bearer; the API enforces the person's role on every
//! route as it enforces a token's scope.

use crate::dto::ErrorBody;
use crate::{ApiError, AppState};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use auth::{password, session, Principal, Role};
use chrono::{DateTime, Utc};
use db::models::user::{self, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest email accepted (the audit columns' size).
pub const MAX_EMAIL: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

/// Who is calling.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// The person's id; null for an API token.
    pub id: Option<Uuid>,
    /// Null for an API token.
    pub email: Option<String>,
    /// The person's name, or the API token's.
    pub name: String,
    /// viewer, editor or admin; null for an API token.
    pub role: Option<String>,
    /// The API scope the caller acts with: read, write or admin.
    pub scope: String,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Self {
        match &p.person {
            Some(person) => Me {
                id: Some(person.id),
                email: Some(person.email.clone()),
                name: person.name.clone(),
                role: Some(person.role.to_string()),
                scope: p.scope.to_string(),
            },
            None => Me {
                id: None,
                email: None,
                name: p.name.clone(),
                role: None,
                scope: p.scope.to_string(),
            },
        }
    }
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    /// The session token (`ims_…`): send it as `Authorization: Bearer …`. Shown once.
    pub token: String,
    /// The latest the session can last; it ends sooner after 12 hours unused.
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// How people can sign in here.
#[derive(Debug, Serialize, ToSchema)]
pub struct Providers {
    pub password: bool,
    /// Single sign-on, when configured.
    pub oidc: Option<OidcProvider>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OidcProvider {
    /// What the sign-in button says.
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OidcStart {
    /// Where to send the browser: the provider's sign-in page.
    pub authorize_url: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OidcCallback {
    pub code: String,
    pub state: String,
}

/// The same answer for an unknown email, a wrong password and a disabled person.
fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("wrong email or password".into())
}

/// The email as stored: trimmed, lower-case, plausible.
pub fn normalize_email(email: &str) -> Result<String, ApiError> {
    let email = email.trim().to_lowercase();
    let plausible = email.len() <= MAX_EMAIL
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if plausible {
        Ok(email)
    } else {
        Err(ApiError::Unprocessable(format!(
            "email must look like name@example.com and have at most {MAX_EMAIL} characters"
        )))
    }
}

/// Opens a session for `row` and answers it.
async fn open(
    conn: &mut diesel_async::AsyncPgConnection,
    row: &UserRow,
    method: &str,
) -> Result<HttpResponse, ApiError> {
    let role: Role = row
        .role
        .parse()
        .map_err(|e: String| ApiError::Internal(anyhow::anyhow!(e)))?;
    let (token, hash) = session::generate_token().map_err(|e| ApiError::Internal(e.into()))?;
    let opened = user::open_session(conn, row.id, &hash, method, session::LIFETIME).await?;
    user::record_login(conn, row.id).await?;
    tracing::info!(user = %row.id, email = %row.email, method, "signed in");
    let principal = Principal {
        token_id: opened.id,
        name: row.email.clone(),
        scope: role.scope(),
        person: Some(auth::Person {
            id: row.id,
            email: row.email.clone(),
            name: row.name.clone(),
            role,
            session_id: opened.id,
        }),
    };
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(SessionBody {
            token,
            expires_at: opened.expires_at,
            user: Me::from(&principal),
        }))
}

/// `POST /api/auth/login`: signs in with email and password. Any wrong email, wrong password
/// or disabled account gets the same 401, after the same work.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = SessionBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody, description = "too many attempts; see Retry-After"),
        (status = 503, body = ErrorBody),
    ),
    security(())
)]
#[post("/api/auth/login", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest { email, password } = body.into_inner();
    if password.chars().count() > password::MAX_LEN {
        return Err(ApiError::BadRequest(format!(
            "a password has at most {} characters",
            password::MAX_LEN
        )));
    }
    let email = email.trim().to_lowercase();
    if email.is_empty() || email.len() > MAX_EMAIL || password.is_empty() {
        return Err(wrong_credentials());
    }
    state.limits.check_login(&req, &email)?;
    let mut conn = state.pool.get().await?;
    let found = user::find_by_email(&mut conn, &email).await?;
    let stored = found
        .as_ref()
        .filter(|u| u.disabled_at.is_none())
        .and_then(|u| u.password_hash.clone());
    let matches = tokio::task::spawn_blocking(move || {
        password::verify_or_decoy(stored.as_deref(), &password)
    })
    .await
    .map_err(|e| ApiError::Internal(e.into()))?;
    match found {
        Some(row) if matches => open(&mut conn, &row, "password").await,
        _ => {
            let reason = match &found {
                None => "unknown email",
                Some(u) if u.disabled_at.is_some() => "disabled",
                Some(u) if u.password_hash.is_none() => "no password (SSO only)",
                Some(_) => "wrong password",
            };
            tracing::warn!(email = %email, reason, "sign-in refused");
            Err(wrong_credentials())
        }
    }
}

/// `POST /api/auth/logout`: ends the caller's session at once (on every replica).
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "signed out"),
        (status = 400, body = ErrorBody, description = "the bearer is an API token, not a session"),
        (status = 401, body = ErrorBody),
    ),
    security(("bearer" = ["read"]))
)]
#[post("/api/auth/logout", wrap = "crate::access::Authorize")]
pub async fn logout(
    state: web::Data<AppState>,
    principal: Principal,
) -> Result<HttpResponse, ApiError> {
    let Some(person) = &principal.person else {
        return Err(ApiError::BadRequest(
            "this is an API token, not a session: revoke it with `api token revoke`".into(),
        ));
    };
    let mut conn = state.pool.get().await?;
    user::revoke_session(&mut conn, person.session_id).await?;
    tracing::info!(user = %person.id, email = %person.email, "signed out");
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/auth/me`: who the bearer is and what they may do.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)),
    security(("bearer" = ["read"]))
)]
#[get("/api/auth/me", wrap = "crate::access::Authorize")]
pub async fn me(principal: Principal) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(Me::from(&principal))
}

/// `GET /api/auth/providers`: whether single sign-on is configured (for the sign-in page).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = Providers)),
    security(())
)]
#[get("/api/auth/providers", wrap = "crate::access::Authorize")]
pub async fn providers(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(Providers {
        password: true,
        oidc: state.oidc.as_ref().map(|o| OidcProvider {
            name: o.display_name().to_string(),
        }),
    })
}

/// `POST /api/auth/oidc/start`: begins a single sign-on. The browser goes to `authorize_url`;
/// the provider sends it back to the dashboard's callback with a code and this sign-in's
/// state, which the dashboard posts to `/api/auth/oidc/callback`.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 200, body = OidcStart),
        (status = 404, body = ErrorBody, description = "single sign-on is not configured"),
        (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "the identity provider cannot be reached"),
    ),
    security(())
)]
#[post("/api/auth/oidc/start", wrap = "crate::access::Authorize")]
pub async fn oidc_start(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let oidc = state.oidc.as_ref().ok_or_else(not_configured)?;
    state.limits.check_login(&req, "")?;
    let started = oidc.start().await?;
    let mut conn = state.pool.get().await?;
    user::start_oidc_login(
        &mut conn,
        &auth::hash_token(&started.state),
        &started.nonce,
        &started.pkce_verifier,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(OidcStart {
            authorize_url: started.authorize_url,
        }))
}

fn not_configured() -> ApiError {
    ApiError::NotFound("single sign-on is not configured (OIDC_ISSUER_URL)".into())
}

/// `POST /api/auth/oidc/callback`: finishes a single sign-on: checks the state (once, within
/// ten minutes), redeems the code with PKCE, verifies the ID token (signature, issuer,
/// audience, expiry, nonce), and opens a session for the person it names: the one who signed
/// in with this identity before, else the one with its verified email, else (when the email's
/// domain is allowed) a new person with the default role.
#[utoipa::path(
    tag = "auth",
    request_body = OidcCallback,
    responses(
        (status = 200, body = SessionBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody, description = "unknown or expired state, or the provider refused the code"),
        (status = 403, body = ErrorBody, description = "no account for this person"),
        (status = 404, body = ErrorBody),
        (status = 503, body = ErrorBody),
    ),
    security(())
)]
#[post("/api/auth/oidc/callback", wrap = "crate::access::Authorize")]
#[tracing::instrument(skip_all)]
pub async fn oidc_callback(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<OidcCallback>,
) -> Result<HttpResponse, ApiError> {
    let oidc = state.oidc.as_ref().ok_or_else(not_configured)?;
    state.limits.check_login(&req, "")?;
    let mut conn = state.pool.get().await?;
    let Some((nonce, verifier)) =
        user::take_oidc_login(&mut conn, &auth::hash_token(&body.state)).await?
    else {
        return Err(ApiError::Unauthorized(
            "this sign-in is unknown, used already or older than ten minutes: start again".into(),
        ));
    };
    let identity = oidc.finish(&body.code, &nonce, &verifier).await?;
    let row = match user::find_by_oidc(&mut conn, &identity.issuer, &identity.subject).await? {
        Some(row) => row,
        None => oidc_account(&mut conn, oidc, &identity).await?,
    };
    if row.disabled_at.is_some() {
        tracing::warn!(email = %row.email, "SSO sign-in refused: disabled");
        return Err(ApiError::Forbidden("this account is disabled".into()));
    }
    open(&mut conn, &row, "oidc").await
}

/// The person a first SSO sign-in belongs to: matched by verified email, or created.
async fn oidc_account(
    conn: &mut diesel_async::AsyncPgConnection,
    oidc: &crate::oidc::Oidc,
    identity: &crate::oidc::Identity,
) -> Result<UserRow, ApiError> {
    let no_account = |why: &str| {
        tracing::warn!(subject = %identity.subject, email = ?identity.email, why, "SSO sign-in refused");
        ApiError::Forbidden(format!(
            "no Issue Miner account for this person ({why}); ask an admin to add you"
        ))
    };
    let Some(email) = identity
        .email
        .as_deref()
        .filter(|_| identity.email_verified)
    else {
        return Err(no_account("the provider gave no verified email"));
    };
    let email = normalize_email(email).map_err(|_| no_account("the email is not usable"))?;
    if let Some(row) = user::find_by_email(conn, &email).await? {
        if row.oidc_subject.is_some() {
            return Err(no_account("the account is tied to another SSO identity"));
        }
        user::link_oidc(conn, row.id, &identity.issuer, &identity.subject).await?;
        return Ok(row);
    }
    if !oidc.allows_domain(&email) {
        return Err(no_account("the email's domain is not allowed to join"));
    }
    let name = identity
        .name
        .as_deref()
        .and_then(|n| super::params::name("name", n, 100).ok())
        .unwrap_or_else(|| email.clone());
    let created = user::create(
        conn,
        user::NewUser {
            email: &email,
            name: &name,
            role: oidc.default_role().as_str(),
            password_hash: None,
            oidc: Some((&identity.issuer, &identity.subject)),
        },
    )
    .await?;
    let row = created.ok_or_else(|| {
        ApiError::Conflict("the account was created meanwhile: sign in again".into())
    })?;
    tracing::info!(email = %row.email, role = %row.role, "account created at first SSO sign-in");
    Ok(row)
}
