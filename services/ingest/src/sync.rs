//! The sync loop: from any [`TicketSource`] into the database and the analyze queue.

use crate::source::TicketSource;
use chrono::{DateTime, Utc};
use db::models::sync_state;
use std::fmt;

/// What a sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub read: usize,
    pub created: usize,
    /// Stored before, text changed: re-analyzed.
    pub changed: usize,
    /// Stored before with the same text: nothing to do.
    pub unchanged: usize,
    /// Records that could not be normalized or stored.
    pub failed: usize,
    pub enqueued: usize,
}

impl fmt::Display for SyncReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {} ticket(s): {} new, {} changed, {} unchanged, {} failed; {} queued for analysis",
            self.read, self.created, self.changed, self.unchanged, self.failed, self.enqueued
        )
    }
}

/// Reads the source to its end. Each ticket is upserted by (source, source id); a new ticket,
/// or one whose text changed, is queued for analysis. Safe to run again on the same input:
/// the second run changes nothing and queues nothing.
#[tracing::instrument(skip_all, fields(source = %source.kind()))]
pub async fn sync(
    source: &mut dyn TicketSource,
    pool: &db::Pool,
    queues: &queue::Queues,
) -> anyhow::Result<SyncReport> {
    let started = Utc::now();
    let mut report = SyncReport::default();
    let mut newest: Option<DateTime<Utc>> = None;
    let mut conn = pool.get().await?;
    while let Some(batch) = source.next_batch().await? {
        for record in batch {
            report.read += 1;
            let incoming = match record {
                Ok(t) => t,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(error = %e, "skipped a ticket that could not be read");
                    eprintln!("skipped {e}");
                    continue;
                }
            };
            newest = newest.max(Some(incoming.updated_at));
            let upserted = match runtime::intake::accept(&mut conn, queues, &incoming).await {
                Ok(u) => u,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(source_id = %incoming.source_id, error = %e, "could not store ticket");
                    eprintln!("could not store ticket {}: {e}", incoming.source_id);
                    continue;
                }
            };
            match (upserted.created, upserted.content_changed) {
                (true, _) => report.created += 1,
                (false, true) => report.changed += 1,
                (false, false) => report.unchanged += 1,
            }
            if upserted.content_changed {
                report.enqueued += 1;
            }
        }
    }
    let kind = source.kind();
    let cursor = source.cursor();
    sync_state::record(
        &mut conn,
        &sync_state::NewSyncRun {
            source: kind.as_str(),
            cursor: cursor.as_deref(),
            last_ticket_updated_at: newest.unwrap_or(started),
            tickets_synced: report.read as i32,
            tickets_changed: (report.created + report.changed) as i32,
            sync_started_at: started,
            sync_completed_at: Some(Utc::now()),
        },
    )
    .await?;
    tracing::info!(%report, "sync finished");
    Ok(report)
}
