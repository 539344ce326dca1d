//! API tokens: bearer tokens for the REST API. Only the sha-256 of a token is stored, so a
//! leaked database does not leak usable tokens; the token itself is shown once, at creation.

use crate::schema::api_tokens;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

/// A stored token (without the token).
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = api_tokens)]
pub struct ApiTokenRow {
    pub id: Uuid,
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Stores a token by its hash.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    scope: &str,
    token_hash: &str,
) -> QueryResult<ApiTokenRow> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::name.eq(name),
            api_tokens::scope.eq(scope),
            api_tokens::token_hash.eq(token_hash),
        ))
        .returning(ApiTokenRow::as_returning())
        .get_result(conn)
        .await
}

/// The unrevoked token with this hash, if any.
pub async fn find_active(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
) -> QueryResult<Option<ApiTokenRow>> {
    api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select(ApiTokenRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Notes that the token was used (called at most once per cache period, not per request).
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(api_tokens::table.find(id))
        .set(api_tokens::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every token, newest first.
pub async fn list(conn: &mut AsyncPgConnection) -> QueryResult<Vec<ApiTokenRow>> {
    api_tokens::table
        .order((api_tokens::created_at.desc(), api_tokens::id.asc()))
        .select(ApiTokenRow::as_select())
        .load(conn)
        .await
}

/// Revokes the token; false when there is no such unrevoked token.
pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    let n = diesel::update(
        api_tokens::table
            .find(id)
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}
