//! Intake dead letters: verified webhook payloads that could not be normalized into a ticket,
//! kept for operators to inspect and replay.

use super::{Page, Paged};
use crate::schema::intake_dead_letters;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Serialize, PartialEq)]
#[diesel(table_name = intake_dead_letters)]
pub struct DeadLetter {
    pub id: i64,
    pub source: String,
    pub received_at: DateTime<Utc>,
    pub headers: serde_json::Value,
    pub body: String,
    /// Why it could not be normalized (the latest replay's reason, once replayed).
    pub error: String,
    pub replay_count: i32,
    pub last_replayed_at: Option<DateTime<Utc>>,
    /// When a replay stored its tickets (or found it is not a ticket).
    pub resolved_at: Option<DateTime<Utc>>,
    /// What that replay did.
    pub resolution: Option<String>,
    /// How many times this very body arrived (one row per distinct body).
    pub repeat_count: i32,
    /// When it last arrived, if more than once.
    pub last_received_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct NewDeadLetter<'a> {
    pub source: &'a str,
    pub headers: serde_json::Value,
    pub body: &'a str,
    pub error: &'a str,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Stores a payload for inspection; returns its id. The same body from the same source again
/// (a platform redelivering what can never succeed) counts a repeat on the first row.
pub async fn insert(conn: &mut AsyncPgConnection, letter: &NewDeadLetter<'_>) -> QueryResult<i64> {
    use diesel::sql_types::{Jsonb, Text};
    let row: Inserted = diesel::sql_query(
        "INSERT INTO intake_dead_letters (source, headers, body, error, body_hash) \
         VALUES ($1, $2, $3, $4, encode(sha256(convert_to($3, 'UTF8')), 'hex')) \
         ON CONFLICT (source, body_hash) DO UPDATE SET \
             repeat_count = intake_dead_letters.repeat_count + 1, last_received_at = NOW() \
         RETURNING id",
    )
    .bind::<Text, _>(letter.source)
    .bind::<Jsonb, _>(&letter.headers)
    .bind::<Text, _>(letter.body)
    .bind::<Text, _>(letter.error)
    .get_result(conn)
    .await?;
    Ok(row.id)
}

/// The newest dead letters first.
pub async fn recent(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<DeadLetter>> {
    intake_dead_letters::table
        .order(intake_dead_letters::id.desc())
        .limit(limit)
        .select(DeadLetter::as_select())
        .load(conn)
        .await
}

/// Which dead letters to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolution {
    /// Not resolved yet (the default view).
    #[default]
    Open,
    Resolved,
    All,
}

/// A page of dead letters, newest first, optionally of one source, with the total.
pub async fn list(
    conn: &mut AsyncPgConnection,
    resolution: Resolution,
    source: Option<&str>,
    page: Page,
) -> QueryResult<Paged<DeadLetter>> {
    let filtered = || {
        let mut q = intake_dead_letters::table.into_boxed();
        q = match resolution {
            Resolution::Open => q.filter(intake_dead_letters::resolved_at.is_null()),
            Resolution::Resolved => q.filter(intake_dead_letters::resolved_at.is_not_null()),
            Resolution::All => q,
        };
        if let Some(s) = source {
            q = q.filter(intake_dead_letters::source.eq(s.to_string()));
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn).await?;
    let items = filtered()
        .order(intake_dead_letters::id.desc())
        .limit(page.per_page)
        .offset(page.offset())
        .select(DeadLetter::as_select())
        .load(conn)
        .await?;
    Ok(Paged { items, total })
}

/// The dead letter with this id.
pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<DeadLetter>> {
    intake_dead_letters::table
        .find(id)
        .select(DeadLetter::as_select())
        .first(conn)
        .await
        .optional()
}

/// Records a replay at `at`: `Ok(resolution)` resolves the letter, `Err(error)` keeps it open
/// with the replay's error as its reason. Returns the updated letter (None: no such id).
pub async fn record_replay(
    conn: &mut AsyncPgConnection,
    id: i64,
    outcome: Result<&str, &str>,
    at: DateTime<Utc>,
) -> QueryResult<Option<DeadLetter>> {
    let target = intake_dead_letters::table.find(id);
    let counted = (
        intake_dead_letters::replay_count.eq(intake_dead_letters::replay_count + 1),
        intake_dead_letters::last_replayed_at.eq(at),
    );
    match outcome {
        Ok(resolution) => {
            diesel::update(target)
                .set((
                    counted,
                    intake_dead_letters::resolved_at.eq(at),
                    intake_dead_letters::resolution.eq(resolution),
                ))
                .returning(DeadLetter::as_returning())
                .get_result(conn)
                .await
        }
        Err(error) => {
            diesel::update(target)
                .set((counted, intake_dead_letters::error.eq(error)))
                .returning(DeadLetter::as_returning())
                .get_result(conn)
                .await
        }
    }
    .optional()
}
