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
