//! Message Batches in flight: which tickets a batch holds, so a restarted analyzer resumes it
//! and the tickets' own jobs leave them to it.

use crate::schema::{claude_batch_tickets, claude_batches};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bpchar, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::TicketId;
use uuid::Uuid;

/// A stored batch.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = claude_batches)]
pub struct BatchRow {
    pub id: Uuid,
    pub batch_id: Option<String>,
    pub model: String,
    pub status: String,
    pub error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
}

/// The statuses of a batch still to be finished.
const OPEN: [&str; 2] = ["submitting", "in_progress"];

/// Tickets waiting for analysis that no open batch holds.
const UNBATCHED: &str = "FROM tickets t \
    WHERE t.analyzed_hash IS DISTINCT FROM t.content_hash AND t.analysis_failed_at IS NULL \
      AND NOT EXISTS (SELECT 1 FROM claude_batch_tickets bt JOIN claude_batches b ON b.id = bt.batch \
                      WHERE bt.ticket_id = t.id AND bt.content_hash = t.content_hash \
                        AND b.status IN ('submitting', 'in_progress'))";

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

#[derive(QueryableByName)]
struct Pending {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Bpchar)]
    content_hash: String,
}

/// How many tickets wait for analysis outside any open batch (the backlog a batch could take).
pub async fn count_unbatched(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    let c: Count = diesel::sql_query(format!("SELECT COUNT(*) AS count {UNBATCHED}"))
        .get_result(conn)
        .await?;
    Ok(c.count)
}

/// Up to `limit` of those tickets with their current hash, oldest first.
pub async fn unbatched(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<(TicketId, String)>> {
    let rows: Vec<Pending> = diesel::sql_query(format!(
        "SELECT t.id, t.content_hash {UNBATCHED} ORDER BY t.synced_at, t.id LIMIT $1"
    ))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (TicketId(r.id), r.content_hash))
        .collect())
}

/// Opens a batch for the backlog when more than `threshold` tickets wait outside any open
/// batch: records it (status `submitting`) holding up to `max` of them, oldest first, with the
/// hash of their current text, and returns its id and tickets. One transaction under an
/// advisory lock, so analyzer replicas checking at the same time never hold a ticket twice.
pub async fn open_for_backlog(
    conn: &mut AsyncPgConnection,
    model: &str,
    threshold: i64,
    max: i64,
) -> QueryResult<Option<(Uuid, Vec<(TicketId, String)>)>> {
    conn.transaction(async |conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(crate::locks::Lock::ClaudeBatchOpen.key())
            .execute(conn)
            .await?;
        if count_unbatched(conn).await? <= threshold {
            return Ok(None);
        }
        let tickets = unbatched(conn, max).await?;
        let id: Uuid = diesel::insert_into(claude_batches::table)
            .values(claude_batches::model.eq(model))
            .returning(claude_batches::id)
            .get_result(conn)
            .await?;
        let rows: Vec<_> = tickets
            .iter()
            .map(|(t, hash)| {
                (
                    claude_batch_tickets::batch.eq(id),
                    claude_batch_tickets::ticket_id.eq(t.0),
                    claude_batch_tickets::content_hash.eq(hash.as_str()),
                )
            })
            .collect();
        diesel::insert_into(claude_batch_tickets::table)
            .values(&rows)
            .execute(conn)
            .await?;
        Ok(Some((id, tickets)))
    })
    .await
}

/// The batch was created at Anthropic as `batch_id`.
pub async fn mark_submitted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    batch_id: &str,
) -> QueryResult<()> {
    diesel::update(claude_batches::table.find(id))
        .set((
            claude_batches::batch_id.eq(batch_id),
            claude_batches::status.eq("in_progress"),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The batch could not be created or read: its tickets go back to single requests.
pub async fn mark_failed(conn: &mut AsyncPgConnection, id: Uuid, error: &str) -> QueryResult<()> {
    diesel::update(claude_batches::table.find(id))
        .set((
            claude_batches::status.eq("failed"),
            claude_batches::error.eq(error),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Every result of the batch was recorded.
pub async fn mark_applied(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(claude_batches::table.find(id))
        .set((
            claude_batches::status.eq("applied"),
            claude_batches::applied_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Batches not finished yet, oldest first.
pub async fn unfinished(conn: &mut AsyncPgConnection) -> QueryResult<Vec<BatchRow>> {
    claude_batches::table
        .filter(claude_batches::status.eq_any(OPEN))
        .order(claude_batches::created_at.asc())
        .select(BatchRow::as_select())
        .load(conn)
        .await
}

/// The batch's tickets with the hash of the text sent.
pub async fn tickets(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Vec<(TicketId, String)>> {
    let rows: Vec<(Uuid, String)> = claude_batch_tickets::table
        .filter(claude_batch_tickets::batch.eq(id))
        .select((
            claude_batch_tickets::ticket_id,
            claude_batch_tickets::content_hash,
        ))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(t, h)| (TicketId(t), h)).collect())
}

/// Whether an open batch holds this text of the ticket (its job then has nothing to do).
pub async fn holds(
    conn: &mut AsyncPgConnection,
    ticket_id: TicketId,
    content_hash: &str,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        claude_batch_tickets::table
            .inner_join(claude_batches::table)
            .filter(claude_batch_tickets::ticket_id.eq(ticket_id.0))
            .filter(claude_batch_tickets::content_hash.eq(content_hash))
            .filter(claude_batches::status.eq_any(OPEN)),
    ))
    .get_result(conn)
    .await
}
