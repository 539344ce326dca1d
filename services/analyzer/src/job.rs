//! The `analyze` job: one ticket in, its validated issues out.

use analysis::{Analyzer, AnalyzerError, PaidCall, RunFailure};
use apalis::prelude::{AbortError, Attempt, BoxDynError, Data};
use db::models::{analysis_run, claude_batch, cluster, issue, ticket};
use domain::jobs::AnalyzeTicket;
use domain::{Taxonomy, ValidatedIssue};
use std::sync::Arc;

/// An analyzer answering with invalid output is retried this many times, then the job is dead.
pub const MAX_INVALID_OUTPUT_ATTEMPTS: usize = 3;

/// What the handler needs.
pub struct AnalyzerState {
    pub pool: db::Pool,
    pub queues: queue::Queues,
    pub taxonomy: Arc<Taxonomy>,
    pub analyzer: Arc<dyn Analyzer>,
    /// Embeds each stored issue (for the clusterer); `None` stores issues without embeddings.
    pub embedder: Option<Arc<embed::Embedder>>,
}

/// Handles one `analyze` job. Idempotent: a ticket whose current text is already analyzed is
/// not analyzed again (it is only queued for clustering again, in case the first run died
/// between storing and queueing). Returns an [`AbortError`] when retrying cannot help.
// A failed run carries its usage so its cost is recorded; one per job, boxing buys nothing.
#[allow(clippy::result_large_err)]
#[tracing::instrument(skip_all, fields(ticket_id = %job.ticket_id, attempt = attempt.current()))]
pub async fn handle(
    job: AnalyzeTicket,
    state: Data<Arc<AnalyzerState>>,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let mut conn = state.pool.get().await?;
    let Some(row) = ticket::find(&mut conn, job.ticket_id).await? else {
        // Deleted since it was queued: nothing to do, ever.
        return Err(AbortError::new(format!("ticket {} does not exist", job.ticket_id)).into());
    };
    if row.is_analyzed() {
        tracing::debug!("already analyzed");
        state.queues.enqueue_cluster(job.ticket_id).await?;
        return Ok(());
    }
    if claude_batch::holds(&mut conn, job.ticket_id, &row.content_hash).await? {
        // A Message Batch is analyzing this text; its poller records the result.
        tracing::debug!("held by a Message Batch");
        return Ok(());
    }
    let incoming = row.to_incoming();
    // Release the connection while the (possibly slow, remote) analyzer works.
    drop(conn);

    let started_at = chrono::Utc::now();
    let analyzed = state.analyzer.analyze_run(&incoming).await.and_then(|run| {
        match run.outcome.validate(&state.taxonomy) {
            Ok(issues) => Ok((run, issues)),
            Err(e) => Err(RunFailure {
                error: AnalyzerError::InvalidOutput(e.to_string()),
                paid: run.usage.map(|usage| PaidCall {
                    analyzer: run.analyzer,
                    model: run.model,
                    usage,
                }),
            }),
        }
    });
    let (run, issues) = match analyzed {
        Ok(analyzed) => analyzed,
        Err(failure) => {
            if let Some(paid) = &failure.paid {
                record_paid_failure(&state, job, &row.content_hash, paid, &failure, started_at)
                    .await;
            }
            return Err(fail(&state, job, failure.error, attempt.current()).await);
        }
    };

    let vectors = match &state.embedder {
        Some(embedder) => Some((embedder.model_name(), embed_issues(embedder, &issues)?)),
        None => None,
    };
    let embeddings = vectors
        .as_ref()
        .map(|(model, vectors)| issue::Embeddings { model, vectors });

    let mut conn = state.pool.get().await?;
    let recorded = issue::record_analysis_full(
        &mut conn,
        job.ticket_id,
        &row.content_hash,
        &issues,
        embeddings,
        issue::Provenance {
            analyzer: &run.analyzer,
            model: run.model.as_deref(),
        },
        run_usage(run.usage),
        started_at,
    )
    .await?;
    match recorded {
        issue::Recorded::Written {
            issues,
            touched_clusters,
        } => {
            tracing::info!(issues, analyzer = %run.analyzer, "ticket analyzed");
            cluster::recompute_stats(&mut conn, chrono::Utc::now(), Some(&touched_clusters))
                .await?;
            state.queues.enqueue_cluster(job.ticket_id).await?;
        }
        issue::Recorded::Stale => {
            tracing::info!("ticket changed during analysis; its newer job will analyze it")
        }
        issue::Recorded::Missing => tracing::info!("ticket deleted during analysis"),
    }
    Ok(())
}

/// The usage row of a run; an analyzer that reports no usage ran locally, for free.
pub(crate) fn run_usage(usage: Option<analysis::TokenUsage>) -> analysis_run::RunUsage {
    let tokens = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match usage {
        None => analysis_run::RunUsage::free(),
        Some(u) => analysis_run::RunUsage {
            input_tokens: tokens(u.input_tokens),
            output_tokens: tokens(u.output_tokens),
            cache_creation_input_tokens: tokens(u.cache_creation_input_tokens),
            cache_read_input_tokens: tokens(u.cache_read_input_tokens),
            batch: u.batch,
            cost_usd: u.cost_usd,
        },
    }
}

/// Records the usage of an answer that was billed but unusable, so cost reports include it.
/// Best effort: the job's own outcome does not depend on it.
async fn record_paid_failure(
    state: &AnalyzerState,
    job: AnalyzeTicket,
    analyzed_hash: &str,
    paid: &PaidCall,
    failure: &RunFailure,
    started_at: chrono::DateTime<chrono::Utc>,
) {
    let recorded = match state.pool.get().await {
        Ok(mut conn) => analysis_run::record_failed(
            &mut conn,
            job.ticket_id,
            analyzed_hash,
            &paid.analyzer,
            paid.model.as_deref(),
            run_usage(Some(paid.usage)),
            &failure.to_string(),
            started_at,
        )
        .await
        .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = recorded {
        tracing::error!(error = %e, "could not record the usage of a failed analysis");
    }
}

/// The text an issue's embedding is computed from: what the issue is about, in the words the
/// clusterer compares (its summary, and the customer's quote when it adds something).
pub fn embedding_text(issue: &ValidatedIssue) -> String {
    domain::text::issue_embedding_text(
        &issue.summary,
        issue.detail.as_deref(),
        issue.representative_quote.as_deref(),
    )
}

/// One embedding per issue, computed off the async workers.
fn embed_issues(
    embedder: &embed::Embedder,
    issues: &[ValidatedIssue],
) -> Result<Vec<Vec<f32>>, embed::EmbedError> {
    if issues.is_empty() {
        return Ok(Vec::new());
    }
    let texts: Vec<String> = issues.iter().map(embedding_text).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    analysis::cpu_bound(|| embedder.embed(&refs))
}

/// Turns an analyzer failure into the job's error: retried while it may pass, dead (and
/// recorded on the ticket for operators) when it cannot.
async fn fail(
    state: &AnalyzerState,
    job: AnalyzeTicket,
    error: AnalyzerError,
    attempt: usize,
) -> BoxDynError {
    let give_up = match &error {
        AnalyzerError::Transient(_) => false,
        // apalis counts attempts from 1.
        AnalyzerError::InvalidOutput(_) => attempt >= MAX_INVALID_OUTPUT_ATTEMPTS,
        AnalyzerError::Permanent(_) => true,
    };
    tracing::warn!(error = %error, give_up, "analysis failed");
    if !give_up {
        return error.into();
    }
    if let Ok(mut conn) = state.pool.get().await {
        if let Err(e) =
            ticket::mark_analysis_failed(&mut conn, job.ticket_id, &error.to_string()).await
        {
            tracing::error!(error = %e, "could not record the failed analysis");
        }
    }
    AbortError::new(error).into()
}
