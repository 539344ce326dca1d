//! Tickets: upserted by (source, source_id), read by the analyzer and the API.

use crate::schema::tickets;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use domain::{customer::customer_key, IncomingTicket, SourceKind, TicketId};
use std::borrow::Cow;
use uuid::Uuid;

/// A stored ticket.
#[derive(Debug, Clone, Queryable, Selectable, PartialEq)]
#[diesel(table_name = tickets)]
pub struct TicketRow {
    pub id: Uuid,
    pub source: String,
    pub source_id: String,
    pub subject: Option<String>,
    pub description: Option<String>,
    pub internal_notes: Option<String>,
    pub public_comments: Option<String>,
    pub requester_email: Option<String>,
    pub requester_org_name: Option<String>,
    pub source_org_id: Option<i64>,
    pub customer_key: Option<String>,
    pub tags: serde_json::Value,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub content_hash: String,
    pub analyzed_hash: Option<String>,
    pub ticket_created_at: DateTime<Utc>,
    pub ticket_updated_at: DateTime<Utc>,
    pub synced_at: DateTime<Utc>,
    pub analyzed_at: Option<DateTime<Utc>>,
    pub analysis_failed_at: Option<DateTime<Utc>>,
    pub analysis_error: Option<String>,
}

impl TicketRow {
    pub fn ticket_id(&self) -> TicketId {
        TicketId(self.id)
    }

    /// Whether the current text has issues extracted from it.
    pub fn is_analyzed(&self) -> bool {
        self.analyzed_hash.as_deref() == Some(self.content_hash.as_str())
    }

    /// The ticket as the analyzer reads it.
    pub fn to_incoming(&self) -> IncomingTicket {
        IncomingTicket {
            source: self.source.parse().unwrap_or(SourceKind::Api),
            source_id: self.source_id.clone(),
            subject: self.subject.clone(),
            description: self.description.clone(),
            public_comments: self.public_comments.clone(),
            internal_notes: self.internal_notes.clone(),
            requester_email: self.requester_email.clone(),
            requester_org_name: self.requester_org_name.clone(),
            source_org_id: self.source_org_id,
            tags: serde_json::from_value(self.tags.clone()).unwrap_or_default(),
            status: self.status.clone(),
            priority: self.priority.clone(),
            created_at: self.ticket_created_at,
            updated_at: self.ticket_updated_at,
        }
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    pub id: TicketId,
    /// The ticket was not stored before.
    pub created: bool,
    /// New, or its analyzed text differs from what was stored: it needs (re-)analysis.
    pub content_changed: bool,
    /// The stored ticket was updated at the source after this version (an older event
    /// arriving late, or a replay): nothing was written.
    pub stale: bool,
}

#[derive(QueryableByName)]
struct UpsertRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    previous_hash: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    written: bool,
}

impl UpsertRow {
    fn outcome(&self, hash: &str) -> Upserted {
        Upserted {
            id: TicketId(self.id),
            created: self.previous_hash.is_none(),
            content_changed: self.written && self.previous_hash.as_deref() != Some(hash),
            stale: !self.written,
        }
    }
}

/// What an update of a stored ticket must satisfy: the source changed it no earlier than the
/// stored version, so an older event (delivered late, or replayed) never overwrites a newer
/// one. Equal times pass: a re-sync of the same version is idempotent anyway.
const NEWER_ONLY: &str = "WHERE tickets.ticket_updated_at <= EXCLUDED.ticket_updated_at";

/// Column limits of `tickets`, applied before writing so a long subject from a source is cut
/// rather than rejected.
fn cap(value: &Option<String>, max: usize) -> Option<String> {
    value.as_ref().map(|v| v.chars().take(max).collect())
}

/// Inserts the ticket, or updates the stored one with the same (source, source_id) unless the
/// stored one is newer at the source ([`Upserted::stale`]). Idempotent: the same ticket twice
/// yields one row and reports no content change the second time.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    ticket: &IncomingTicket,
) -> QueryResult<Upserted> {
    let ticket = &*ticket.storable();
    let hash = ticket.content_hash();
    let customer = customer_key(
        ticket.requester_org_name.as_deref(),
        ticket.requester_email.as_deref(),
    );
    // The CTE reads the row as it was before this statement, which tells new from changed.
    let row: UpsertRow = diesel::sql_query(format!(
        "WITH previous AS (SELECT id, content_hash FROM tickets WHERE source = $1 AND source_id = $2), \
         upserted AS (INSERT INTO tickets (source, source_id, subject, description, internal_notes, public_comments, \
             requester_email, requester_org_name, source_org_id, customer_key, tags, status, priority, \
             content_hash, ticket_created_at, ticket_updated_at, synced_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, NOW()) \
         ON CONFLICT (source, source_id) DO UPDATE SET \
             subject = EXCLUDED.subject, description = EXCLUDED.description, \
             internal_notes = EXCLUDED.internal_notes, public_comments = EXCLUDED.public_comments, \
             requester_email = EXCLUDED.requester_email, requester_org_name = EXCLUDED.requester_org_name, \
             source_org_id = EXCLUDED.source_org_id, customer_key = EXCLUDED.customer_key, \
             tags = EXCLUDED.tags, status = EXCLUDED.status, priority = EXCLUDED.priority, \
             content_hash = EXCLUDED.content_hash, ticket_created_at = EXCLUDED.ticket_created_at, \
             ticket_updated_at = EXCLUDED.ticket_updated_at, synced_at = NOW(), \
             analysis_failed_at = CASE WHEN tickets.content_hash = EXCLUDED.content_hash \
                 THEN tickets.analysis_failed_at END, \
             analysis_error = CASE WHEN tickets.content_hash = EXCLUDED.content_hash \
                 THEN tickets.analysis_error END \
             {NEWER_ONLY} \
             RETURNING id) \
         SELECT COALESCE((SELECT id FROM upserted), (SELECT id FROM previous)) AS id, \
             (SELECT content_hash FROM previous) AS previous_hash, \
             EXISTS (SELECT 1 FROM upserted) AS written",
    ))
    .bind::<Text, _>(ticket.source.as_str())
    .bind::<Text, _>(ticket.source_id.chars().take(255).collect::<String>())
    .bind::<Nullable<Text>, _>(cap(&ticket.subject, 500))
    .bind::<Nullable<Text>, _>(&ticket.description)
    .bind::<Nullable<Text>, _>(&ticket.internal_notes)
    .bind::<Nullable<Text>, _>(&ticket.public_comments)
    .bind::<Nullable<Text>, _>(cap(&ticket.requester_email, 255))
    .bind::<Nullable<Text>, _>(cap(&ticket.requester_org_name, 255))
    .bind::<Nullable<BigInt>, _>(ticket.source_org_id)
    .bind::<Nullable<Text>, _>(cap(&customer, 300))
    .bind::<Jsonb, _>(serde_json::json!(ticket.tags))
    .bind::<Nullable<Text>, _>(cap(&ticket.status, 50))
    .bind::<Nullable<Text>, _>(cap(&ticket.priority, 50))
    .bind::<Text, _>(&hash)
    .bind::<Timestamptz, _>(ticket.created_at)
    .bind::<Timestamptz, _>(ticket.updated_at)
    .get_result(conn)
    .await?;
    Ok(row.outcome(&hash))
}

#[derive(QueryableByName)]
struct UpsertManyRow {
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    source_id: String,
    #[diesel(embed)]
    row: UpsertRow,
}

/// [`upsert`] for many tickets in one statement per chunk (what file imports and export pages
/// use: one round trip instead of one per ticket). Same semantics per ticket; the result is in
/// the order of `tickets`. A ticket repeated in the slice is applied in order, the later copy
/// winning, and reported as unchanged if its text matches the earlier copy.
pub async fn upsert_many(
    conn: &mut AsyncPgConnection,
    tickets: &[IncomingTicket],
) -> QueryResult<Vec<Upserted>> {
    let cleaned: Vec<IncomingTicket>;
    let tickets = if tickets
        .iter()
        .any(|t| matches!(t.storable(), Cow::Owned(_)))
    {
        cleaned = tickets.iter().map(|t| t.storable().into_owned()).collect();
        &cleaned[..]
    } else {
        tickets
    };
    let mut out = Vec::with_capacity(tickets.len());
    // ON CONFLICT cannot touch one row twice in a statement: a repeated key starts a new chunk.
    let mut start = 0;
    while start < tickets.len() {
        let mut seen = std::collections::HashSet::new();
        let mut end = start;
        while end < tickets.len()
            && end - start < 1000
            && seen.insert((tickets[end].source, tickets[end].source_id.as_str()))
        {
            end += 1;
        }
        out.extend(upsert_chunk(conn, &tickets[start..end]).await?);
        start = end;
    }
    Ok(out)
}

async fn upsert_chunk(
    conn: &mut AsyncPgConnection,
    tickets: &[IncomingTicket],
) -> QueryResult<Vec<Upserted>> {
    use diesel::sql_types::Array;
    let hashes: Vec<String> = tickets.iter().map(IncomingTicket::content_hash).collect();
    let col = |f: &dyn Fn(&IncomingTicket) -> Option<String>| -> Vec<Option<String>> {
        tickets.iter().map(f).collect()
    };
    let rows: Vec<UpsertManyRow> = diesel::sql_query(format!(
        "WITH input AS ( \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
                 $7::text[], $8::text[], $9::int8[], $10::text[], $11::jsonb[], $12::text[], $13::text[], \
                 $14::text[], $15::timestamptz[], $16::timestamptz[]) \
             AS i(source, source_id, subject, description, internal_notes, public_comments, requester_email, \
                 requester_org_name, source_org_id, customer_key, tags, status, priority, content_hash, \
                 ticket_created_at, ticket_updated_at)), \
         previous AS ( \
             SELECT t.id, t.source, t.source_id, t.content_hash FROM tickets t \
             JOIN input i ON t.source = i.source AND t.source_id = i.source_id), \
         upserted AS ( \
             INSERT INTO tickets (source, source_id, subject, description, internal_notes, public_comments, \
                 requester_email, requester_org_name, source_org_id, customer_key, tags, status, priority, \
                 content_hash, ticket_created_at, ticket_updated_at, synced_at) \
             SELECT source, source_id, subject, description, internal_notes, public_comments, \
                 requester_email, requester_org_name, source_org_id, customer_key, tags, status, priority, \
                 content_hash, ticket_created_at, ticket_updated_at, NOW() FROM input \
             ON CONFLICT (source, source_id) DO UPDATE SET \
                 subject = EXCLUDED.subject, description = EXCLUDED.description, \
                 internal_notes = EXCLUDED.internal_notes, public_comments = EXCLUDED.public_comments, \
                 requester_email = EXCLUDED.requester_email, requester_org_name = EXCLUDED.requester_org_name, \
                 source_org_id = EXCLUDED.source_org_id, customer_key = EXCLUDED.customer_key, \
                 tags = EXCLUDED.tags, status = EXCLUDED.status, priority = EXCLUDED.priority, \
                 content_hash = EXCLUDED.content_hash, ticket_created_at = EXCLUDED.ticket_created_at, \
                 ticket_updated_at = EXCLUDED.ticket_updated_at, synced_at = NOW(), \
                 analysis_failed_at = CASE WHEN tickets.content_hash = EXCLUDED.content_hash \
                     THEN tickets.analysis_failed_at END, \
                 analysis_error = CASE WHEN tickets.content_hash = EXCLUDED.content_hash \
                     THEN tickets.analysis_error END \
                 {NEWER_ONLY} \
             RETURNING id, source, source_id) \
         SELECT COALESCE(u.id, p.id) AS id, i.source::text AS source, i.source_id::text AS source_id, \
             p.content_hash::text AS previous_hash, u.id IS NOT NULL AS written \
         FROM input i \
         LEFT JOIN upserted u ON u.source = i.source AND u.source_id = i.source_id \
         LEFT JOIN previous p ON p.source = i.source AND p.source_id = i.source_id",
    ))
    .bind::<Array<Text>, _>(tickets.iter().map(|t| t.source.as_str()).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(
        tickets
            .iter()
            .map(|t| t.source_id.chars().take(255).collect::<String>())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Nullable<Text>>, _>(col(&|t| cap(&t.subject, 500)))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| t.description.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| t.internal_notes.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| t.public_comments.clone()))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| cap(&t.requester_email, 255)))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| cap(&t.requester_org_name, 255)))
    .bind::<Array<Nullable<BigInt>>, _>(tickets.iter().map(|t| t.source_org_id).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(col(&|t| {
        cap(
            &customer_key(t.requester_org_name.as_deref(), t.requester_email.as_deref()),
            300,
        )
    }))
    .bind::<Array<Jsonb>, _>(
        tickets
            .iter()
            .map(|t| serde_json::json!(t.tags))
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Nullable<Text>>, _>(col(&|t| cap(&t.status, 50)))
    .bind::<Array<Nullable<Text>>, _>(col(&|t| cap(&t.priority, 50)))
    .bind::<Array<Text>, _>(&hashes)
    .bind::<Array<Timestamptz>, _>(tickets.iter().map(|t| t.created_at).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(tickets.iter().map(|t| t.updated_at).collect::<Vec<_>>())
    .load(conn)
    .await?;
    let by_key: std::collections::HashMap<(String, String), UpsertManyRow> = rows
        .into_iter()
        .map(|r| ((r.source.clone(), r.source_id.clone()), r))
        .collect();
    tickets
        .iter()
        .zip(&hashes)
        .map(|(t, hash)| {
            let key = (
                t.source.as_str().to_string(),
                t.source_id.chars().take(255).collect::<String>(),
            );
            let found = by_key.get(&key).ok_or(diesel::result::Error::NotFound)?;
            Ok(found.row.outcome(hash))
        })
        .collect()
}

/// The ticket with this id.
pub async fn find(conn: &mut AsyncPgConnection, id: TicketId) -> QueryResult<Option<TicketRow>> {
    tickets::table
        .find(id.0)
        .select(TicketRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// The ticket a source knows by `source_id`.
pub async fn find_by_source(
    conn: &mut AsyncPgConnection,
    source: SourceKind,
    source_id: &str,
) -> QueryResult<Option<TicketRow>> {
    tickets::table
        .filter(tickets::source.eq(source.as_str()))
        .filter(tickets::source_id.eq(source_id))
        .select(TicketRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Tickets whose current text has not been analyzed and that were synced before `before`:
/// the ones a lost job left behind, for the reconciler to enqueue again. Tickets an open
/// Message Batch holds are not lost (a batch may take hours) and are left out.
pub async fn pending_analysis(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<TicketId>> {
    use crate::schema::{claude_batch_tickets, claude_batches};
    let held_by_a_batch = claude_batch_tickets::table
        .inner_join(claude_batches::table)
        .filter(claude_batch_tickets::ticket_id.eq(tickets::id))
        .filter(claude_batch_tickets::content_hash.eq(tickets::content_hash))
        .filter(claude_batches::status.eq_any(["submitting", "in_progress"]));
    let ids: Vec<Uuid> = tickets::table
        .filter(tickets::analyzed_hash.is_distinct_from(tickets::content_hash.nullable()))
        .filter(tickets::analysis_failed_at.is_null())
        .filter(tickets::synced_at.lt(before))
        .filter(diesel::dsl::not(diesel::dsl::exists(held_by_a_batch)))
        .order(tickets::synced_at.asc())
        .limit(limit)
        .select(tickets::id)
        .load(conn)
        .await?;
    Ok(ids.into_iter().map(TicketId).collect())
}

/// Pipeline progress: how many tickets exist and how many have their current text analyzed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TicketCounts {
    pub total: i64,
    pub analyzed: i64,
    /// Not analyzed because analysis failed for good.
    pub failed: i64,
}

pub async fn counts(conn: &mut AsyncPgConnection) -> QueryResult<TicketCounts> {
    let (total, analyzed, failed): (i64, i64, i64) = tickets::table
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sql::<BigInt>("COUNT(*) FILTER (WHERE analyzed_hash = content_hash)"),
            diesel::dsl::sql::<BigInt>(
                "COUNT(*) FILTER (WHERE analyzed_hash IS DISTINCT FROM content_hash AND analysis_failed_at IS NOT NULL)",
            ),
        ))
        .first(conn)
        .await?;
    Ok(TicketCounts {
        total,
        analyzed,
        failed,
    })
}

/// Records that the ticket's current text cannot be analyzed (its job is dead), so operators
/// see why and the reconciler leaves it alone until the text changes.
pub async fn mark_analysis_failed(
    conn: &mut AsyncPgConnection,
    id: TicketId,
    error: &str,
) -> QueryResult<()> {
    diesel::update(tickets::table.find(id.0))
        .set((
            tickets::analysis_failed_at.eq(diesel::dsl::now),
            tickets::analysis_error.eq(error.chars().take(2000).collect::<String>()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
