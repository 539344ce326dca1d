//! The analyzers: what turns a ticket into product issues.
//!
//! [`Analyzer`] is the seam: the analyzer service holds a `dyn Analyzer` and never knows which
//! one it has. [`offline::KeywordAnalyzer`] is the embedded default (no API key, no network);
//! the Claude and embedding analyzers implement the same trait.

pub mod offline;

use domain::{AnalysisOutcome, IncomingTicket};
use futures::future::BoxFuture;

/// Why an analysis failed, which decides what the job does next.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzerError {
    /// Worth retrying later (timeouts, rate limits, overload).
    #[error("analyzer temporarily unavailable: {0}")]
    Transient(String),
    /// The analyzer answered with something unusable (bad JSON, values outside the taxonomy).
    /// Retried a bounded number of times, then the job is dead.
    #[error("analyzer returned invalid output: {0}")]
    InvalidOutput(String),
    /// Will never succeed for this input or configuration (bad key, spend limit, refusal).
    #[error("analyzer cannot process this ticket: {0}")]
    Permanent(String),
}

/// Extracts the distinct product issues of one ticket.
pub trait Analyzer: Send + Sync + 'static {
    /// A short stable name stored with every issue ("offline-keywords", "claude").
    fn name(&self) -> &'static str;

    /// The model behind it, when there is one.
    fn model(&self) -> Option<&str> {
        None
    }

    /// Analyzes the ticket. The result is not yet validated against the taxonomy: callers
    /// validate every field (`AnalysisOutcome::validate`).
    fn analyze<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>>;
}
