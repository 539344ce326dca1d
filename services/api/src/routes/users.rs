//! The people who sign in, managed by admins: list, add, change role or password, disable.
//! A change of role or password, or disabling, ends the person's sessions at once.

use super::auth::normalize_email;
use crate::dto::ErrorBody;
use crate::{ApiError, AppState};
use actix_web::{get, patch, post, web, HttpResponse};
use auth::{password, Principal, Role};
use chrono::{DateTime, Utc};
use db::models::user::{self, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// The longest name.
const MAX_NAME: usize = 100;

/// A person (never their password).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserBody {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// viewer, editor or admin.
    pub role: String,
    /// Whether the person can sign in with a password (else only through SSO).
    pub has_password: bool,
    /// Whether the person has signed in through SSO.
    pub sso_linked: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for UserBody {
    fn from(row: UserRow) -> Self {
        UserBody {
            id: row.id,
            email: row.email,
            name: row.name,
            role: row.role,
            has_password: row.password_hash.is_some(),
            sso_linked: row.oidc_subject.is_some(),
            created_at: row.created_at,
            last_login_at: row.last_login_at,
            disabled_at: row.disabled_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    /// viewer, editor or admin.
    pub role: String,
    /// At least 12 characters; leave out for a person who signs in only through SSO.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    pub password: Option<String>,
    /// true disables the person (their sessions end); false enables them again.
    pub disabled: Option<bool>,
}

fn parse_role(role: &str) -> Result<Role, ApiError> {
    role.parse().map_err(ApiError::Unprocessable)
}

/// The argon2 hash of a new password, off the executor.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || password::hash_new(&password))
        .await
        .map_err(|e| ApiError::Internal(e.into()))?
        .map_err(|e| match e {
            password::NewPasswordError::Weak(why) => ApiError::Unprocessable(why),
            other => ApiError::Internal(other.into()),
        })
}

/// `GET /api/users`: everyone who can sign in, by email.
#[utoipa::path(
    tag = "users",
    operation_id = "list_users",
    responses(
        (status = 200, body = Vec<UserBody>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[get("/api/users", wrap = "crate::access::Authorize")]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let mut conn = state.pool.get().await?;
    let rows = user::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(rows.into_iter().map(UserBody::from).collect::<Vec<_>>()))
}

/// `POST /api/users`: adds a person. 409 when the email is taken.
#[utoipa::path(
    tag = "users",
    operation_id = "create_user",
    request_body = NewUserBody,
    responses(
        (status = 201, body = UserBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[post("/api/users", wrap = "crate::access::Authorize")]
pub async fn create(
    state: web::Data<AppState>,
    principal: Principal,
    body: web::Json<NewUserBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = normalize_email(&body.email)?;
    let name = super::params::name("name", &body.name, MAX_NAME)?;
    let role = parse_role(&body.role)?;
    let password_hash = match body.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let created = user::create(
        &mut conn,
        user::NewUser {
            email: &email,
            name: &name,
            role: role.as_str(),
            password_hash: password_hash.as_deref(),
            oidc: None,
        },
    )
    .await?
    .ok_or_else(|| ApiError::Conflict(format!("{email} has an account already")))?;
    tracing::info!(by = %principal.name, email = %created.email, role = %created.role, "user added");
    Ok(HttpResponse::Created().json(UserBody::from(created)))
}

/// `PATCH /api/users/{id}`: changes a person's name, role or password, or disables them. An
/// admin cannot demote or disable themselves (someone must stay able to manage people).
#[utoipa::path(
    tag = "users",
    operation_id = "update_user",
    request_body = UserPatch,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UserBody),
        (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = ["admin"]))
)]
#[patch("/api/users/{id}", wrap = "crate::access::Authorize")]
pub async fn update(
    state: web::Data<AppState>,
    principal: Principal,
    id: web::Path<Uuid>,
    body: web::Json<UserPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let body = body.into_inner();
    let name = body
        .name
        .as_deref()
        .map(|n| super::params::name("name", n, MAX_NAME))
        .transpose()?;
    let role = body.role.as_deref().map(parse_role).transpose()?;
    let is_self = principal.person.as_ref().is_some_and(|p| p.id == id);
    if is_self && (role.is_some_and(|r| r != Role::Admin) || body.disabled == Some(true)) {
        return Err(ApiError::Conflict(
            "you cannot demote or disable yourself; ask another admin".into(),
        ));
    }
    let password_hash = match body.password {
        Some(p) => Some(hash_password(p).await?),
        None => None,
    };
    let mut conn = state.pool.get().await?;
    let changes = user::UserChanges {
        name: name.as_deref(),
        role: role.map(Role::as_str),
        password_hash: password_hash.as_deref().map(Some),
        disabled_at: body.disabled.map(|d| d.then(Utc::now)),
    };
    // Changing your own password keeps you signed in here and signs you out elsewhere.
    let keep = principal
        .person
        .as_ref()
        .filter(|p| p.id == id)
        .map(|p| p.session_id);
    let row = user::update(&mut conn, id, changes, keep)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no user {id}")))?;
    tracing::info!(by = %principal.name, email = %row.email, role = %row.role, disabled = row.disabled_at.is_some(), "user changed");
    Ok(HttpResponse::Ok().json(UserBody::from(row)))
}
