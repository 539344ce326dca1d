//! Intake dead letters: verified webhook payloads that could not be normalized into a ticket.

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
    pub error: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = intake_dead_letters)]
pub struct NewDeadLetter<'a> {
    pub source: &'a str,
    pub headers: serde_json::Value,
    pub body: &'a str,
    pub error: &'a str,
}

/// Stores a payload for inspection; returns its id.
pub async fn insert(conn: &mut AsyncPgConnection, letter: &NewDeadLetter<'_>) -> QueryResult<i64> {
    diesel::insert_into(intake_dead_letters::table)
        .values(letter)
        .returning(intake_dead_letters::id)
        .get_result(conn)
        .await
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
