//! The analyzers: what turns a ticket into product issues.
//!
//! [`Analyzer`] is the seam: the analyzer service holds a `dyn Analyzer` and never knows which
//! one it has. [`offline::KeywordAnalyzer`] is the embedded default (no API key, no network);
//! the Claude and embedding analyzers implement the same trait. [`fallback::FallbackAnalyzer`]
//! puts Claude first and an offline analyzer behind it. [`pii::scrub`] cleans text before it
//! leaves the process.

pub mod claude;
pub mod fallback;
pub mod offline;
pub mod pii;

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

    /// [`Analyzer::analyze`] with what produced the answer and what it cost. The default
    /// names this analyzer and reports no usage; analyzers that call a paid model, or that
    /// delegate to another analyzer (a fallback), override it.
    fn analyze_run<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisRun, AnalyzerError>> {
        Box::pin(async move {
            let outcome = self.analyze(ticket).await?;
            Ok(AnalysisRun {
                outcome,
                analyzer: self.name().to_string(),
                model: self.model().map(str::to_string),
                usage: None,
            })
        })
    }

    /// Something operators should know about the analyzer's state (e.g. "Claude disabled:
    /// spend limit reached"), shown on `/health`; `None` when all is normal.
    fn status(&self) -> Option<String> {
        None
    }
}

/// An analysis with its provenance and cost.
#[derive(Debug, Clone, PartialEq)]
pub struct AnalysisRun {
    pub outcome: AnalysisOutcome,
    /// The analyzer that actually answered (a fallback names the one it used).
    pub analyzer: String,
    pub model: Option<String>,
    /// Tokens and cost, when a metered model answered.
    pub usage: Option<TokenUsage>,
}

/// Tokens one model call used, and its cost.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TokenUsage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
    /// Sent through the Message Batches API.
    pub batch: bool,
    /// `None` when the model's price is unknown.
    pub cost_usd: Option<f64>,
}
