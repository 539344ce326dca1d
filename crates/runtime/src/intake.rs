//! Accepting one ticket from any channel: the one place that decides whether it needs analysis.

use db::models::ticket::{self, Upserted};
use domain::IncomingTicket;

/// Upserts the ticket by (source, source id) and, when it is new or its analyzed text changed,
/// queues it for analysis. Idempotent: the same ticket twice stores one row and queues once.
///
/// If queueing fails after the upsert, the ticket is stored but not queued; the analyzer's
/// reconciler finds it (its text is not analyzed) and queues it, so nothing is lost.
pub async fn accept(
    conn: &mut db::PgConn,
    queues: &queue::Queues,
    incoming: &IncomingTicket,
) -> anyhow::Result<Upserted> {
    let upserted = ticket::upsert(conn, incoming).await?;
    if upserted.content_changed {
        queues.enqueue_analyze(upserted.id).await?;
    }
    Ok(upserted)
}

/// [`accept`] for many tickets: one upsert statement and one enqueue for the lot (file imports
/// and Zendesk export pages). The result is in the order of `incoming`.
pub async fn accept_batch(
    conn: &mut db::PgConn,
    queues: &queue::Queues,
    incoming: &[IncomingTicket],
) -> anyhow::Result<Vec<Upserted>> {
    let upserted = ticket::upsert_many(conn, incoming).await?;
    let changed: Vec<_> = upserted
        .iter()
        .filter(|u| u.content_changed)
        .map(|u| u.id)
        .collect();
    queues.enqueue_analyze_many(&changed).await?;
    Ok(upserted)
}
