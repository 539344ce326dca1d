//! Sync runs: one row per run of a source, so operators see when tickets last arrived.

use crate::schema::sync_state;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::Serialize;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = sync_state)]
pub struct SyncRun {
    pub id: i32,
    pub source: String,
    pub cursor: Option<String>,
    pub last_ticket_updated_at: DateTime<Utc>,
    pub tickets_synced: i32,
    pub tickets_changed: i32,
    pub issues_extracted: i32,
    pub sync_started_at: DateTime<Utc>,
    pub sync_completed_at: Option<DateTime<Utc>>,
}

/// What a finished run reports.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sync_state)]
pub struct NewSyncRun<'a> {
    pub source: &'a str,
    pub cursor: Option<&'a str>,
    pub last_ticket_updated_at: DateTime<Utc>,
    pub tickets_synced: i32,
    pub tickets_changed: i32,
    pub sync_started_at: DateTime<Utc>,
    pub sync_completed_at: Option<DateTime<Utc>>,
}

/// Records a run.
pub async fn record(conn: &mut AsyncPgConnection, run: &NewSyncRun<'_>) -> QueryResult<SyncRun> {
    diesel::insert_into(sync_state::table)
        .values(run)
        .returning(SyncRun::as_returning())
        .get_result(conn)
        .await
}

/// The latest run of `source`, if any.
pub async fn latest(conn: &mut AsyncPgConnection, source: &str) -> QueryResult<Option<SyncRun>> {
    sync_state::table
        .filter(sync_state::source.eq(source))
        .order(sync_state::id.desc())
        .select(SyncRun::as_select())
        .first(conn)
        .await
        .optional()
}

/// Opens a run (`sync_completed_at` unset) so its progress can be recorded as it goes; returns
/// its id.
pub async fn start(
    conn: &mut AsyncPgConnection,
    source: &str,
    cursor: Option<&str>,
    started: DateTime<Utc>,
) -> QueryResult<i32> {
    // Explicit NULLs: the column's default is NOW(), which would show a run that has just
    // started (or died before its first page) as completed.
    diesel::insert_into(sync_state::table)
        .values((
            sync_state::source.eq(source),
            sync_state::cursor.eq(cursor),
            sync_state::last_ticket_updated_at.eq(started),
            sync_state::tickets_synced.eq(0),
            sync_state::tickets_changed.eq(0),
            sync_state::sync_started_at.eq(started),
            sync_state::sync_completed_at.eq(None::<DateTime<Utc>>),
        ))
        .returning(sync_state::id)
        .get_result(conn)
        .await
}

/// Where a running sync stands.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// Where the next run resumes: everything before it is stored.
    pub cursor: Option<&'a str>,
    pub last_ticket_updated_at: DateTime<Utc>,
    pub tickets_synced: i32,
    pub tickets_changed: i32,
}

/// Records the progress of run `id` (after each stored page, so an interrupted run resumes
/// from its last stored page); with `completed`, also marks it finished.
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i32,
    progress: Progress<'_>,
    completed: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    diesel::update(sync_state::table.find(id))
        .set((
            sync_state::cursor.eq(progress.cursor),
            sync_state::last_ticket_updated_at.eq(progress.last_ticket_updated_at),
            sync_state::tickets_synced.eq(progress.tickets_synced),
            sync_state::tickets_changed.eq(progress.tickets_changed),
            sync_state::sync_completed_at.eq(completed),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The cursor of the newest run of `source` that recorded one (finished or interrupted):
/// where the next incremental run starts.
pub async fn latest_cursor(
    conn: &mut AsyncPgConnection,
    source: &str,
) -> QueryResult<Option<String>> {
    sync_state::table
        .filter(sync_state::source.eq(source))
        .filter(sync_state::cursor.is_not_null())
        .order(sync_state::id.desc())
        .select(sync_state::cursor)
        .first::<Option<String>>(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// The PostgreSQL advisory lock a Zendesk sync holds while it runs (one sync at a time across
/// replicas). Shared here so the API can tell a running sync from an interrupted one.
pub const ZENDESK_SYNC_LOCK: i64 = crate::locks::Lock::ZendeskSync.key();

/// Runs of `source` that never completed (`sync_completed_at` unset), newest first: the one
/// running now, if any, and those a crash, an error or a shutdown interrupted.
pub async fn unfinished(
    conn: &mut AsyncPgConnection,
    source: &str,
    limit: i64,
) -> QueryResult<Vec<SyncRun>> {
    sync_state::table
        .filter(sync_state::source.eq(source))
        .filter(sync_state::sync_completed_at.is_null())
        .order(sync_state::id.desc())
        .limit(limit)
        .select(SyncRun::as_select())
        .load(conn)
        .await
}

#[derive(QueryableByName)]
struct Held {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    held: bool,
}

/// Whether some session of this database holds the advisory lock `key` (taken with
/// `pg_try_advisory_lock(bigint)`), without taking it.
pub async fn lock_held(conn: &mut AsyncPgConnection, key: i64) -> QueryResult<bool> {
    // A bigint advisory key shows in pg_locks as classid (high half), objid (low half) and
    // objsubid 1.
    let held: Held = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid \
             AND objsubid = 1) AS held",
    )
    .bind::<diesel::sql_types::BigInt, _>(key)
    .get_result(conn)
    .await?;
    Ok(held.held)
}
