//! People who sign in to the dashboard, their sessions, and the single sign-ons under way.
//!
//! Only hashes of secrets are stored: the password as an argon2 PHC string, the session token
//! and the OIDC state as hex sha-256 (looked up by hash, as API tokens are).

use crate::schema::{oidc_logins, user_sessions, users};
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    /// `viewer`, `editor` or `admin`.
    pub role: String,
    pub password_hash: Option<String>,
    pub oidc_issuer: Option<String>,
    pub oidc_subject: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
}

/// A new person.
pub struct NewUser<'a> {
    /// Lower-cased by the caller (the table refuses anything else).
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub oidc: Option<(&'a str, &'a str)>,
}

/// Stores a person; `Ok(None)` when the email (or SSO identity) is taken.
pub async fn create(
    conn: &mut AsyncPgConnection,
    new: NewUser<'_>,
) -> QueryResult<Option<UserRow>> {
    diesel::insert_into(users::table)
        .values((
            users::email.eq(new.email),
            users::name.eq(new.name),
            users::role.eq(new.role),
            users::password_hash.eq(new.password_hash),
            users::oidc_issuer.eq(new.oidc.map(|(issuer, _)| issuer)),
            users::oidc_subject.eq(new.oidc.map(|(_, subject)| subject)),
        ))
        .on_conflict_do_nothing()
        .returning(UserRow::as_returning())
        .get_result(conn)
        .await
        .optional()
}

pub async fn find_by_email(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The person who signed in before with this SSO identity.
pub async fn find_by_oidc(
    conn: &mut AsyncPgConnection,
    issuer: &str,
    subject: &str,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::oidc_issuer.eq(issuer))
        .filter(users::oidc_subject.eq(subject))
        .select(UserRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Ties an SSO identity to a person found by email (their first SSO sign-in).
pub async fn link_oidc(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    issuer: &str,
    subject: &str,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::oidc_issuer.eq(issuer),
            users::oidc_subject.eq(subject),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Everyone, by email.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<UserRow>> {
    users::table
        .order(users::email.asc())
        .select(UserRow::as_select())
        .load(conn)
        .await
}

/// What an admin may change about a person.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub name: Option<&'a str>,
    pub role: Option<&'a str>,
    pub password_hash: Option<Option<&'a str>>,
    pub disabled_at: Option<Option<DateTime<Utc>>>,
}

/// Applies the changes; a person disabled (or whose role or password changed) loses every
/// session at once, in the same transaction, but `keep` (a person changing their own
/// password stays signed in where they did it). `None` when there is no such person.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: UserChanges<'_>,
    keep: Option<Uuid>,
) -> QueryResult<Option<UserRow>> {
    use diesel_async::AsyncConnection as _;
    let ends_sessions = changes.role.is_some()
        || changes.password_hash.is_some()
        || matches!(changes.disabled_at, Some(Some(_)));
    let nothing = changes.name.is_none()
        && changes.role.is_none()
        && changes.password_hash.is_none()
        && changes.disabled_at.is_none();
    conn.transaction(async |conn| {
        let row = if nothing {
            find(conn, id).await?
        } else {
            diesel::update(users::table.find(id))
                .set(&changes)
                .returning(UserRow::as_returning())
                .get_result(conn)
                .await
                .optional()?
        };
        if row.is_some() && ends_sessions {
            revoke_all(conn, id, keep).await?;
        }
        Ok(row)
    })
    .await
}

pub async fn record_login(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = user_sessions)]
pub struct SessionRow {
    pub id: Uuid,
    pub user_id: Uuid,
    pub token_hash: String,
    pub method: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Opens a session that ends `lifetime` from now at the latest.
pub async fn open_session(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    token_hash: &str,
    method: &str,
    lifetime: Duration,
) -> QueryResult<SessionRow> {
    diesel::insert_into(user_sessions::table)
        .values((
            user_sessions::user_id.eq(user_id),
            user_sessions::token_hash.eq(token_hash),
            user_sessions::method.eq(method),
            user_sessions::expires_at.eq(Utc::now() + lifetime),
        ))
        .returning(SessionRow::as_returning())
        .get_result(conn)
        .await
}

/// The live session with this token hash and its person: not revoked, not past its absolute
/// end, seen within `idle`, and its person not disabled.
pub async fn live_session(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    idle: Duration,
) -> QueryResult<Option<(SessionRow, UserRow)>> {
    let now = Utc::now();
    user_sessions::table
        .inner_join(users::table)
        .filter(user_sessions::token_hash.eq(token_hash))
        .filter(user_sessions::revoked_at.is_null())
        .filter(user_sessions::expires_at.gt(now))
        .filter(user_sessions::last_seen_at.gt(now - idle))
        .filter(users::disabled_at.is_null())
        .select((SessionRow::as_select(), UserRow::as_select()))
        .first(conn)
        .await
        .optional()
}

/// Notes that the session was used (the caller does so at most once a minute per session).
pub async fn touch_session(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(user_sessions::table.find(id))
        .set(user_sessions::last_seen_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends one session (sign-out); false when it was not live.
pub async fn revoke_session(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    let n = diesel::update(
        user_sessions::table
            .find(id)
            .filter(user_sessions::revoked_at.is_null()),
    )
    .set(user_sessions::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Ends every session of a person but `keep`.
pub async fn revoke_all(
    conn: &mut AsyncPgConnection,
    user_id: Uuid,
    keep: Option<Uuid>,
) -> QueryResult<usize> {
    diesel::update(
        user_sessions::table
            .filter(user_sessions::user_id.eq(user_id))
            .filter(user_sessions::revoked_at.is_null())
            .filter(user_sessions::id.ne(keep.unwrap_or(Uuid::nil()))),
    )
    .set(user_sessions::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await
}

/// How long an SSO sign-in may take between the redirect and the callback.
pub const OIDC_LOGIN_TTL: Duration = Duration::minutes(10);

/// Remembers an SSO sign-in under way (and forgets the ones older than [`OIDC_LOGIN_TTL`]).
pub async fn start_oidc_login(
    conn: &mut AsyncPgConnection,
    state_hash: &str,
    nonce: &str,
    pkce_verifier: &str,
) -> QueryResult<()> {
    diesel::delete(
        oidc_logins::table.filter(oidc_logins::created_at.lt(Utc::now() - OIDC_LOGIN_TTL)),
    )
    .execute(conn)
    .await?;
    diesel::insert_into(oidc_logins::table)
        .values((
            oidc_logins::state_hash.eq(state_hash),
            oidc_logins::nonce.eq(nonce),
            oidc_logins::pkce_verifier.eq(pkce_verifier),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the SSO sign-in with this state, once: `(nonce, pkce_verifier)`, or `None` when the
/// state is unknown, used already or too old.
pub async fn take_oidc_login(
    conn: &mut AsyncPgConnection,
    state_hash: &str,
) -> QueryResult<Option<(String, String)>> {
    diesel::delete(
        oidc_logins::table
            .filter(oidc_logins::state_hash.eq(state_hash))
            .filter(oidc_logins::created_at.gt(Utc::now() - OIDC_LOGIN_TTL)),
    )
    .returning((oidc_logins::nonce, oidc_logins::pkce_verifier))
    .get_result(conn)
    .await
    .optional()
}
