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
