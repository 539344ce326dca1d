//! Claude first, an offline analyzer when Claude is unavailable, so tickets keep flowing.
//!
//! Claude is unavailable when it is disabled (spend limit, rejected key: permanent for the
//! process) or when its circuit breaker is open: after `failures` consecutive transient
//! failures (each one already retried by the client), Claude is not asked for `cooldown`;
//! then one ticket tries it again (half-open), and a success closes the breaker.
//!
//! A transient failure that does not open the breaker is returned as such, so the job is
//! retried and the ticket gets Claude's analysis when Claude recovers. Answers that are wrong
//! for one ticket (invalid output, refusal) are not about availability and are returned too.
//! Every run names the analyzer that actually answered.

use crate::claude::ClaudeAnalyzer;
use crate::{AnalysisRun, Analyzer, AnalyzerError, RunFailure};
use domain::{AnalysisOutcome, IncomingTicket};
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When the breaker opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive transient failures that open the breaker.
    pub failures: u32,
    /// How long an open breaker keeps Claude out.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            failures: 3,
            cooldown: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    last_error: Option<String>,
}

/// Claude with an offline analyzer behind it.
pub struct FallbackAnalyzer {
    primary: Arc<ClaudeAnalyzer>,
    fallback: Arc<dyn Analyzer>,
    settings: BreakerSettings,
    breaker: Mutex<Breaker>,
}

impl FallbackAnalyzer {
    pub fn new(
        primary: Arc<ClaudeAnalyzer>,
        fallback: Arc<dyn Analyzer>,
        settings: BreakerSettings,
    ) -> Self {
        FallbackAnalyzer {
            primary,
            fallback,
            settings,
            breaker: Mutex::new(Breaker::default()),
        }
    }

    /// Why Claude is not being asked right now, if it is not.
    fn unavailable(&self) -> Option<String> {
        if let Some(reason) = self.primary.disabled_reason() {
            return Some(format!("Claude disabled: {reason}"));
        }
        let breaker = self.breaker.lock().ok()?;
        match breaker.open_until {
            Some(until) if Instant::now() < until => Some(format!(
                "Claude failed {} times in a row (last: {}); retrying it in {}s",
                breaker.consecutive_failures,
                breaker.last_error.as_deref().unwrap_or("unknown"),
                until.saturating_duration_since(Instant::now()).as_secs()
            )),
            _ => None,
        }
    }

    /// Records a transient failure; true when the breaker is now open.
    fn record_failure(&self, error: &str) -> bool {
        let Ok(mut b) = self.breaker.lock() else {
            return false;
        };
        b.consecutive_failures += 1;
        b.last_error = Some(error.to_string());
        if b.consecutive_failures >= self.settings.failures {
            b.open_until = Some(Instant::now() + self.settings.cooldown);
            true
        } else {
            false
        }
    }

    fn record_success(&self) {
        if let Ok(mut b) = self.breaker.lock() {
            *b = Breaker::default();
        }
    }

    async fn run_fallback(
        &self,
        ticket: &IncomingTicket,
        why: &str,
    ) -> Result<AnalysisRun, RunFailure> {
        tracing::warn!(
            reason = why,
            fallback = self.fallback.name(),
            "analyzing without Claude"
        );
        self.fallback.analyze_run(ticket).await
    }

    async fn run(&self, ticket: &IncomingTicket) -> Result<AnalysisRun, RunFailure> {
        if let Some(why) = self.unavailable() {
            return self.run_fallback(ticket, &why).await;
        }
        match self.primary.extract(ticket).await {
            Ok(run) => {
                self.record_success();
                Ok(run)
            }
            Err(RunFailure {
                error: AnalyzerError::Transient(e),
                paid,
            }) => {
                if self.record_failure(&e) {
                    tracing::error!(error = %e, cooldown_s = self.settings.cooldown.as_secs(), "Claude circuit breaker opened");
                    self.run_fallback(ticket, &e).await
                } else {
                    Err(RunFailure {
                        error: AnalyzerError::Transient(e),
                        paid,
                    })
                }
            }
            // Claude just became disabled (spend limit, key): this ticket falls back too.
            Err(RunFailure {
                error: AnalyzerError::Permanent(e),
                ..
            }) if self.primary.disabled_reason().is_some() => self.run_fallback(ticket, &e).await,
            Err(failure) => Err(failure),
        }
    }
}

impl Analyzer for FallbackAnalyzer {
    fn name(&self) -> &'static str {
        self.primary.name()
    }

    fn model(&self) -> Option<&str> {
        self.primary.model()
    }

    fn analyze<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisOutcome, AnalyzerError>> {
        Box::pin(async move {
            self.run(ticket)
                .await
                .map(|run| run.outcome)
                .map_err(|f| f.error)
        })
    }

    fn analyze_run<'a>(
        &'a self,
        ticket: &'a IncomingTicket,
    ) -> BoxFuture<'a, Result<AnalysisRun, RunFailure>> {
        Box::pin(self.run(ticket))
    }

    fn status(&self) -> Option<String> {
        self.unavailable()
            .map(|why| format!("{why}; tickets are analyzed by {}", self.fallback.name()))
    }
}
