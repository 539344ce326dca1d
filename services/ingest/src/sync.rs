//! The sync loop: from any [`TicketSource`] into the database and the analyze queue.

use crate::source::TicketSource;
use anyhow::Context as _;
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

/// Reads the source to its end. Each batch is upserted by (source, source id) in one
/// statement; a new ticket, or one whose text changed, is queued for analysis. Safe to run
/// again on the same input: the second run changes nothing and queues nothing.
///
/// The run is recorded in `sync_state` when it starts and after every stored batch, with the
/// source's cursor: a run that stops half-way (crash, Zendesk down) leaves the cursor of its
/// last stored batch, and the next run resumes there.
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
    let kind = source.kind();
    let run = sync_state::start(
        &mut conn,
        kind.as_str(),
        source.cursor().as_deref(),
        started,
    )
    .await
    .context("recording the start of the sync")?;
    while let Some(batch) = source.next_batch().await? {
        let mut tickets = Vec::with_capacity(batch.len());
        for record in batch {
            report.read += 1;
            match record {
                Ok(t) => tickets.push(t),
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(error = %e, "skipped a ticket that could not be read");
                    eprintln!("skipped {e}");
                }
            }
        }
        newest = newest.max(tickets.iter().map(|t| t.updated_at).max());
        let results = match runtime::intake::accept_batch(&mut conn, queues, &tickets).await {
            Ok(upserted) => upserted.into_iter().map(Ok).collect(),
            Err(e) => {
                // One bad ticket fails the whole statement: redo the batch one by one so only
                // that ticket is reported and the rest are stored.
                tracing::warn!(error = %e, "batch upsert failed; storing the batch ticket by ticket");
                let mut one_by_one = Vec::with_capacity(tickets.len());
                for t in &tickets {
                    one_by_one.push(runtime::intake::accept(&mut conn, queues, t).await);
                }
                one_by_one
            }
        };
        for (incoming, result) in tickets.iter().zip(results) {
            match result {
                Ok(upserted) => {
                    match (upserted.created, upserted.content_changed) {
                        (true, _) => report.created += 1,
                        (false, true) => report.changed += 1,
                        (false, false) => report.unchanged += 1,
                    }
                    if upserted.content_changed {
                        report.enqueued += 1;
                    }
                }
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(source_id = %incoming.source_id, error = %e, "could not store ticket");
                    eprintln!("could not store ticket {}: {e}", incoming.source_id);
                }
            }
        }
        let cursor = source.cursor();
        sync_state::update(
            &mut conn,
            run,
            progress(&report, cursor.as_deref(), newest.unwrap_or(started)),
            None,
        )
        .await
        .context("recording sync progress")?;
    }
    let cursor = source.cursor();
    sync_state::update(
        &mut conn,
        run,
        progress(&report, cursor.as_deref(), newest.unwrap_or(started)),
        Some(Utc::now()),
    )
    .await
    .context("recording the end of the sync")?;
    tracing::info!(%report, "sync finished");
    Ok(report)
}

fn progress<'a>(
    report: &SyncReport,
    cursor: Option<&'a str>,
    newest: DateTime<Utc>,
) -> sync_state::Progress<'a> {
    sync_state::Progress {
        cursor,
        last_ticket_updated_at: newest,
        tickets_synced: report.read as i32,
        tickets_changed: (report.created + report.changed) as i32,
    }
}
