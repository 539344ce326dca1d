//! The analyzers: what turns a ticket into product issues.
//!
//! [`Analyzer`] is the seam: the analyzer service holds a `dyn Analyzer` and never knows which
//! one it has. Offline (no API key, no network) there are two: [`embedding::EmbeddingAnalyzer`],
//! the default when the embedding model's files are present, and [`offline::KeywordAnalyzer`],
//! the keyword baseline used when they are not. [`claude::ClaudeAnalyzer`] calls Claude, and
//! [`fallback::FallbackAnalyzer`] puts Claude first with an offline analyzer behind it.
//! [`pii::scrub`] cleans text before it leaves the process.

pub mod classifier;
pub mod claude;
pub mod embedding;
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

    /// [`Analyzer::analyze`] with what produced the answer and what it cost — also when it
    /// failed after a paid model answered. The default names this analyzer and reports no
    /// usage; analyzers that call a paid model, or that delegate to another analyzer (a
    /// fallback), override it.
    fn analyze_run<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisRun, RunFailure>> {
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

/// A failed analysis, with the model call that was paid for when a metered model did answer
/// (an answer that is invalid or refused is billed like a good one, so cost reports count it).
#[derive(Debug)]
pub struct RunFailure {
    pub error: AnalyzerError,
    pub paid: Option<PaidCall>,
}

/// A model call that was answered, and billed, but produced no analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidCall {
    pub analyzer: String,
    pub model: Option<String>,
    pub usage: TokenUsage,
}

impl From<AnalyzerError> for RunFailure {
    /// A failure before any model answered: nothing was paid.
    fn from(error: AnalyzerError) -> Self {
        RunFailure { error, paid: None }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
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

/// Runs CPU-bound work (a model's forward pass) from async code. On a multi-thread runtime
/// (the services') tokio is told, so its other tasks move to another worker meanwhile; on a
/// current-thread runtime it simply runs.
pub fn cpu_bound<T>(f: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(f)
    } else {
        f()
    }
}
