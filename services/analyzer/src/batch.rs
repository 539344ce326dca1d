//! Backfills through the Message Batches API (half the price of single requests).
//!
//! When more than `threshold` tickets wait for analysis outside any batch, [`Batcher::submit`]
//! records a `claude_batches` row holding them (ticket ids and the hash of the text sent),
//! creates the batch at Anthropic, and stores its id. The tickets' own `analyze` jobs then see
//! that an open batch holds their text and finish without calling Claude.
//!
//! [`Batcher::poll`] runs at start (resuming the batches of a previous process) and then
//! periodically: an ended batch's results are validated and recorded exactly like a single
//! request's (issues, `analyzed_at` and an `analysis_runs` row with `batch = true`, one
//! transaction per ticket), and tickets whose result failed, expired or was invalid are queued
//! for a single request again after the batch is marked applied. Applying twice (a crash
//! mid-way) skips tickets already analyzed with the same text. A batch whose creation was never
//! confirmed is given up after [`SUBMIT_TIMEOUT`] and its tickets re-queued; if Anthropic did
//! create it, those tickets are paid for twice, which is the price of losing none.

use analysis::claude::{usage_of, ClaudeAnalyzer};
use analysis::AnalyzerError;
use anthropic::{BatchRequest, BatchResult, BatchStatus};
use anyhow::Context as _;
use db::models::{analysis_run, claude_batch, cluster, issue, ticket};
use domain::TicketId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a batch may stay unconfirmed before its tickets go back to single requests.
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(600);

/// When backfills are batched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchSettings {
    /// `CLAUDE_BATCH_THRESHOLD`: a backlog larger than this goes through a batch.
    pub threshold: i64,
    /// `CLAUDE_BATCH_MAX`: tickets per batch (the API allows 100,000 requests / 256 MB).
    pub max_tickets: i64,
    /// `CLAUDE_BATCH_POLL_SECS`: how often batches are polled and the backlog checked.
    pub poll_every: Duration,
}

impl Default for BatchSettings {
    fn default() -> Self {
        BatchSettings {
            threshold: 200,
            max_tickets: 10_000,
            poll_every: Duration::from_secs(60),
        }
    }
}

/// Submits and applies batches.
pub struct Batcher {
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub taxonomy: Arc<domain::Taxonomy>,
    pub claude: Arc<ClaudeAnalyzer>,
    pub settings: BatchSettings,
}

impl Batcher {
    /// Sends the backlog as one batch when it is larger than the threshold; returns the
    /// batch's row id when one was created.
    pub async fn submit(&self) -> anyhow::Result<Option<uuid::Uuid>> {
        if self.claude.disabled_reason().is_some() {
            return Ok(None);
        }
        let mut conn = self.pool.get().await?;
        let Some((row_id, held)) = claude_batch::open_for_backlog(
            &mut conn,
            self.claude.model_id(),
            self.settings.threshold,
            self.settings.max_tickets,
        )
        .await?
        else {
            return Ok(None);
        };
        let mut requests = Vec::with_capacity(held.len());
        for (id, hash) in &held {
            // Changed or deleted since: its newer job (or nothing) takes care of it, and the
            // batch's results will not mention it.
            let Some(row) = ticket::find(&mut conn, *id).await? else {
                continue;
            };
            if row.content_hash != *hash {
                continue;
            }
            requests.push(BatchRequest {
                custom_id: id.0.to_string(),
                params: self.claude.request_for(&row.to_incoming()),
            });
        }
        if requests.is_empty() {
            claude_batch::mark_failed(&mut conn, row_id, "every ticket changed before submission")
                .await?;
            drop(conn);
            self.requeue(held.into_iter().map(|(id, _)| id).collect())
                .await?;
            return Ok(None);
        }
        drop(conn);
        tracing::info!(tickets = requests.len(), "submitting a Message Batch");
        match self.claude.client().create_batch(&requests).await {
            Ok(created) => {
                let mut conn = self.pool.get().await?;
                claude_batch::mark_submitted(&mut conn, row_id, &created.id).await?;
                tracing::info!(batch = %created.id, "Message Batch created");
                Ok(Some(row_id))
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not create the Message Batch; tickets go one by one");
                let mut conn = self.pool.get().await?;
                claude_batch::mark_failed(&mut conn, row_id, &e.to_string()).await?;
                self.requeue(held.into_iter().map(|(id, _)| id).collect())
                    .await?;
                Ok(None)
            }
        }
    }

    /// Checks every unfinished batch and applies the ended ones; returns how many were applied.
    pub async fn poll(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().await?;
        let open = claude_batch::unfinished(&mut conn).await?;
        drop(conn);
        let mut applied = 0;
        for batch in open {
            let Some(batch_id) = batch.batch_id.as_deref() else {
                let age = chrono::Utc::now() - batch.created_at;
                if age.to_std().unwrap_or_default() > SUBMIT_TIMEOUT {
                    let mut conn = self.pool.get().await?;
                    claude_batch::mark_failed(&mut conn, batch.id, "creation never confirmed")
                        .await?;
                    let tickets = claude_batch::tickets(&mut conn, batch.id).await?;
                    drop(conn);
                    self.requeue(tickets.into_iter().map(|(id, _)| id).collect())
                        .await?;
                }
                continue;
            };
            let remote = self
                .claude
                .client()
                .retrieve_batch(batch_id)
                .await
                .with_context(|| format!("polling Message Batch {batch_id}"))?;
            if remote.processing_status != BatchStatus::Ended {
                tracing::debug!(batch = batch_id, counts = ?remote.request_counts, "batch in progress");
                continue;
            }
            let results = self
                .claude
                .client()
                .batch_results(&remote)
                .await
                .with_context(|| format!("reading the results of Message Batch {batch_id}"))?;
            self.apply(batch.id, batch_id, results).await?;
            applied += 1;
        }
        Ok(applied)
    }

    async fn apply(
        &self,
        row_id: uuid::Uuid,
        batch_id: &str,
        results: Vec<anthropic::BatchResultLine>,
    ) -> anyhow::Result<()> {
        let mut conn = self.pool.get().await?;
        let mut members: HashMap<TicketId, String> = claude_batch::tickets(&mut conn, row_id)
            .await?
            .into_iter()
            .collect();
        let mut retry: Vec<TicketId> = Vec::new();
        let mut recorded = 0usize;
        let started_at = chrono::Utc::now();
        for line in results {
            let Some(id) = line.custom_id.parse().ok().map(TicketId) else {
                continue;
            };
            let Some(hash) = members.remove(&id) else {
                continue;
            };
            let BatchResult::Succeeded { message } = line.result else {
                tracing::warn!(ticket = %id.0, result = ?line.result, "batch request did not succeed");
                retry.push(id);
                continue;
            };
            let checked = self.claude.parse_response(&message).and_then(|outcome| {
                outcome
                    .validate(&self.taxonomy)
                    .map_err(|e| AnalyzerError::InvalidOutput(e.to_string()))
            });
            let issues = match checked {
                Ok(issues) => issues,
                Err(e) => {
                    tracing::warn!(ticket = %id.0, error = %e, "batch answer unusable; retrying alone");
                    // Billed all the same. (A batch re-applied after a crash records it again.)
                    analysis_run::record_failed(
                        &mut conn,
                        id,
                        &hash,
                        analysis::claude::NAME,
                        Some(&message.model),
                        crate::job::run_usage(Some(usage_of(&message, true))),
                        &e.to_string(),
                        started_at,
                    )
                    .await?;
                    retry.push(id);
                    continue;
                }
            };
            let Some(row) = ticket::find(&mut conn, id).await? else {
                continue;
            };
            // Applied before a crash: nothing to do twice.
            if row.analyzed_hash.as_deref() == Some(hash.as_str()) {
                continue;
            }
            let usage = usage_of(&message, true);
            let done = issue::record_analysis_with_run(
                &mut conn,
                id,
                &hash,
                &issues,
                issue::Provenance {
                    analyzer: analysis::claude::NAME,
                    model: Some(&message.model),
                },
                crate::job::run_usage(Some(usage)),
                started_at,
            )
            .await?;
            if let issue::Recorded::Written {
                touched_clusters, ..
            } = done
            {
                cluster::recompute_stats(&mut conn, chrono::Utc::now(), Some(&touched_clusters))
                    .await?;
                self.queues.enqueue_cluster(id).await?;
                recorded += 1;
            }
        }
        // Tickets the results did not mention.
        retry.extend(members.into_keys());
        claude_batch::mark_applied(&mut conn, row_id).await?;
        drop(conn);
        tracing::info!(
            batch = batch_id,
            recorded,
            retried = retry.len(),
            "Message Batch applied"
        );
        // Queued after the batch is closed, so their jobs no longer defer to it.
        self.requeue(retry).await
    }

    async fn requeue(&self, ids: Vec<TicketId>) -> anyhow::Result<()> {
        for id in ids {
            self.queues.enqueue_analyze(id).await?;
        }
        Ok(())
    }
}

/// Polls (resuming earlier batches first) and submits every `poll_every` until aborted.
pub async fn run(batcher: Batcher) {
    let mut tick = tokio::time::interval(batcher.settings.poll_every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = batcher.poll().await {
            tracing::warn!(error = %format!("{e:#}"), "batch poll failed");
        }
        if let Err(e) = batcher.submit().await {
            tracing::warn!(error = %format!("{e:#}"), "batch submit failed");
        }
    }
}
