//! A small client for Anthropic's Messages and Message Batches APIs over reqwest.
//!
//! Why not an SDK crate: the crates.io Anthropic crates are young, pre-1.0 and lag the API
//! (no `output_config` structured output, no `cache_control`, `stop_reason: "refusal"` fails to
//! parse — see STACK.md). This crate types only what Issue Miner uses.
//!
//! Failure policy, per the API's documented errors:
//! - 429 `rate_limit_error`: wait as long as `retry-after` says, then retry (bounded);
//! - 429 whose `error.details.error_code` is `enforced_spend_limit_reached` (or a 400 saying the
//!   usage limits are reached): the spend limit. Never retried: [`Error::SpendLimit`];
//! - 529 `overloaded_error`, other 5xx, timeouts and connection errors: exponential backoff with
//!   jitter, bounded;
//! - 401/403: [`Error::Authentication`], never retried;
//! - a success body that is not the documented JSON: [`Error::Malformed`].
//!
//! Every request holds a permit of a semaphore, so a backfill never has more than
//! `concurrency` requests in flight from this process.

pub mod pricing;
pub mod types;

pub use types::*;

use runtime::Secret;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// The API version every request names.
pub const API_VERSION: &str = "2023-06-01";
/// The current Sonnet (platform.claude.com model overview, 2026-11-23).
pub const DEFAULT_MODEL: &str = "claude-sonnet-5-5";

/// How the client talks to the API.
#[derive(Debug, Clone)]
pub struct Config {
    pub api_key: Secret,
    /// `https://api.anthropic.com`, or a local fake server in tests.
    pub base_url: String,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries after the first attempt for retryable failures.
    pub max_retries: u32,
    /// First backoff for 529/5xx/timeouts; doubled per retry, with jitter.
    pub base_backoff: Duration,
    /// Longest single wait. A `retry-after` longer than this is not waited for: the error is
    /// returned and the caller (the job queue) retries later.
    pub max_backoff: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
}

impl Config {
    /// Production defaults around `api_key`.
    pub fn new(api_key: Secret) -> Self {
        Config {
            api_key,
            base_url: DEFAULT_BASE_URL.into(),
            timeout: Duration::from_secs(120),
            max_retries: 4,
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            concurrency: 4,
        }
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// 429: too many requests or tokens per minute.
    #[error("rate limited by the Anthropic API (retry after {retry_after:?}): {message}")]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// The organization's spend limit is reached; nothing will succeed until it is raised or
    /// the month ends.
    #[error("Anthropic spend limit reached: {message}")]
    SpendLimit { message: String },
    /// 529: the API is overloaded for everyone.
    #[error("the Anthropic API is overloaded: {message}")]
    Overloaded { message: String },
    /// 401/403: the key is wrong or lacks permission.
    #[error("Anthropic API key rejected ({status}): {message}")]
    Authentication { status: u16, message: String },
    /// Another 4xx: this request is wrong and will stay wrong.
    #[error("Anthropic API rejected the request ({status} {kind}): {message}")]
    InvalidRequest {
        status: u16,
        kind: String,
        message: String,
    },
    /// 500 and other 5xx.
    #[error("Anthropic API server error {status}: {message}")]
    Server { status: u16, message: String },
    /// No answer in time.
    #[error("Anthropic API request timed out: {0}")]
    Timeout(String),
    /// The connection failed.
    #[error("could not reach the Anthropic API: {0}")]
    Transport(String),
    /// A body that is not the documented JSON.
    #[error("malformed Anthropic API response (HTTP {status}): {reason}; body starts {snippet:?}")]
    Malformed {
        status: u16,
        reason: String,
        snippet: String,
    },
}

impl Error {
    /// Whether waiting and trying again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Overloaded { .. }
                | Error::Server { .. }
                | Error::Timeout(_)
                | Error::Transport(_)
        )
    }
}

/// The client. Cheap to clone; clones share the connection pool and the concurrency limit.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    config: Arc<Config>,
    permits: Arc<Semaphore>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.config.base_url)
            .finish()
    }
}

impl Client {
    /// Builds the client.
    pub fn new(config: Config) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Client {
            http,
            permits: Arc::new(Semaphore::new(config.concurrency.max(1))),
            config: Arc::new(config),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.config.base_url.trim_end_matches('/'))
    }

    /// `POST /v1/messages`.
    pub async fn messages(&self, request: &MessagesRequest) -> Result<MessageResponse, Error> {
        let body = serde_json::to_value(request).map_err(|e| Error::Malformed {
            status: 0,
            reason: format!("request did not serialize: {e}"),
            snippet: String::new(),
        })?;
        let (status, text) = self
            .send(
                reqwest::Method::POST,
                &self.url("/v1/messages"),
                Some(&body),
            )
            .await?;
        parse(status, &text)
    }

    /// `POST /v1/messages/batches`.
    pub async fn create_batch(&self, requests: &[BatchRequest]) -> Result<MessageBatch, Error> {
        let body = serde_json::json!({ "requests": requests });
        let (status, text) = self
            .send(
                reqwest::Method::POST,
                &self.url("/v1/messages/batches"),
                Some(&body),
            )
            .await?;
        parse(status, &text)
    }

    /// `GET /v1/messages/batches/{id}`: poll it until `processing_status` is `ended`.
    pub async fn retrieve_batch(&self, id: &str) -> Result<MessageBatch, Error> {
        let (status, text) = self
            .send(
                reqwest::Method::GET,
                &self.url(&format!("/v1/messages/batches/{id}")),
                None,
            )
            .await?;
        parse(status, &text)
    }

    /// The results of an ended batch (its `results_url`, JSON Lines), in no particular order.
    pub async fn batch_results(&self, batch: &MessageBatch) -> Result<Vec<BatchResultLine>, Error> {
        let url = batch
            .results_url
            .clone()
            .unwrap_or_else(|| self.url(&format!("/v1/messages/batches/{}/results", batch.id)));
        let (status, text) = self.send(reqwest::Method::GET, &url, None).await?;
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str(line).map_err(|e| Error::Malformed {
                    status,
                    reason: format!("results line {}: {e}", i + 1),
                    snippet: snippet(line),
                })
            })
            .collect()
    }

    /// Sends with the retry policy of the crate docs; returns the status and body of a 2xx.
    async fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, String), Error> {
        let mut attempt = 0u32;
        loop {
            let result = {
                let _permit = self
                    .permits
                    .acquire()
                    .await
                    .map_err(|e| Error::Transport(e.to_string()))?;
                self.send_once(method.clone(), url, body).await
            };
            match result {
                Ok(ok) => return Ok(ok),
                Err((error, retry_after)) => {
                    let Some(wait) = self.wait_before_retry(&error, retry_after, attempt) else {
                        return Err(error);
                    };
                    tracing::warn!(%error, attempt, wait_ms = wait.as_millis() as u64, "Anthropic API call failed; retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    /// How long to wait before retry number `attempt + 1`, or `None` to give up.
    fn wait_before_retry(
        &self,
        error: &Error,
        retry_after: Option<Duration>,
        attempt: u32,
    ) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.config.max_retries {
            return None;
        }
        if let Some(wait) = retry_after {
            // The server said how long; longer than we are willing to hold a job means the
            // queue should retry later instead.
            return (wait <= self.config.max_backoff).then_some(wait);
        }
        let exp = self
            .config
            .base_backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.config.max_backoff);
        // Jitter in [exp/2, exp], so replicas that failed together do not retry together.
        let half = exp / 2;
        Some(half + half.mul_f64(jitter()))
    }

    async fn send_once(
        &self,
        method: reqwest::Method,
        url: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, String), (Error, Option<Duration>)> {
        let mut request = self
            .http
            .request(method, url)
            .header("x-api-key", self.config.api_key.expose())
            .header("anthropic-version", API_VERSION);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|e| (transport_error(&e), None))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        let text = response
            .text()
            .await
            .map_err(|e| (transport_error(&e), None))?;
        if (200..300).contains(&status) {
            return Ok((status, text));
        }
        Err((classify(status, &text, retry_after), retry_after))
    }
}

fn transport_error(e: &reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout(e.to_string())
    } else {
        Error::Transport(e.to_string())
    }
}

fn parse<T: DeserializeOwned>(status: u16, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::Malformed {
        status,
        reason: e.to_string(),
        snippet: snippet(text),
    })
}

fn snippet(text: &str) -> String {
    text.chars().take(200).collect()
}

/// Turns an error response into an [`Error`].
fn classify(status: u16, text: &str, retry_after: Option<Duration>) -> Error {
    let detail = serde_json::from_str::<ErrorEnvelope>(text)
        .ok()
        .map(|e| e.error);
    let kind = detail.as_ref().map_or("", |d| d.kind.as_str()).to_string();
    let message = detail
        .as_ref()
        .map(|d| d.message.clone())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| snippet(text));
    let error_code = detail
        .as_ref()
        .and_then(|d| d.details.as_ref())
        .and_then(|d| d.get("error_code"))
        .and_then(|c| c.as_str())
        .unwrap_or("");
    let lower = message.to_lowercase();
    let spend_limit = error_code == "enforced_spend_limit_reached"
        || (status == 429 && lower.contains("spend limit"))
        || (status == 400 && lower.contains("usage limits"));
    match status {
        _ if spend_limit => Error::SpendLimit { message },
        429 => Error::RateLimited {
            retry_after,
            message,
        },
        529 => Error::Overloaded { message },
        _ if kind == "overloaded_error" => Error::Overloaded { message },
        401 | 403 => Error::Authentication { status, message },
        500..=599 => Error::Server { status, message },
        _ => Error::InvalidRequest {
            status,
            kind,
            message,
        },
    }
}

/// A number in [0, 1) that differs between calls and processes, without a random-number crate:
/// std's `RandomState` is seeded randomly per process, and the counter varies it per call.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spend_limit_is_told_apart_from_a_rate_limit() {
        let spend = r#"{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed your account's monthly spend limit.","details":{"error_code":"enforced_spend_limit_reached"}},"request_id":"req_1"}"#;
        assert!(matches!(
            classify(429, spend, None),
            Error::SpendLimit { .. }
        ));
        let workspace = r#"{"type":"error","error":{"type":"invalid_request_error","message":"You have reached your specified API usage limits. You will regain access on 2026-12-01 at 00:00 UTC."}}"#;
        assert!(matches!(
            classify(400, workspace, None),
            Error::SpendLimit { .. }
        ));
        let rate =
            r#"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limited"}}"#;
        assert_eq!(
            classify(429, rate, Some(Duration::from_secs(3))),
            Error::RateLimited {
                retry_after: Some(Duration::from_secs(3)),
                message: "Rate limited".into()
            }
        );
    }

    #[test]
    fn statuses_map_to_their_errors_even_without_a_json_body() {
        assert!(matches!(
            classify(529, "<html>", None),
            Error::Overloaded { .. }
        ));
        assert!(matches!(
            classify(502, "Bad Gateway", None),
            Error::Server { status: 502, .. }
        ));
        assert!(matches!(
            classify(401, "{}", None),
            Error::Authentication { .. }
        ));
        assert!(matches!(
            classify(413, "too large", None),
            Error::InvalidRequest { status: 413, .. }
        ));
    }

    #[test]
    fn backoff_grows_with_jitter_and_respects_retry_after_and_the_limits() {
        let mut config = Config::new(Secret::new("k"));
        config.base_backoff = Duration::from_millis(100);
        config.max_backoff = Duration::from_secs(2);
        config.max_retries = 3;
        let client = Client::new(config).unwrap();
        let overloaded = Error::Overloaded {
            message: "Overloaded".into(),
        };
        let w0 = client.wait_before_retry(&overloaded, None, 0).unwrap();
        let w2 = client.wait_before_retry(&overloaded, None, 2).unwrap();
        assert!(w0 >= Duration::from_millis(50) && w0 <= Duration::from_millis(100));
        assert!(w2 >= Duration::from_millis(200) && w2 <= Duration::from_millis(400));
        assert_eq!(client.wait_before_retry(&overloaded, None, 3), None);
        let limited = Error::RateLimited {
            retry_after: None,
            message: String::new(),
        };
        assert_eq!(
            client.wait_before_retry(&limited, Some(Duration::from_secs(1)), 0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            client.wait_before_retry(&limited, Some(Duration::from_secs(30)), 0),
            None,
            "a retry-after beyond max_backoff is left to the queue"
        );
        let spend = Error::SpendLimit {
            message: String::new(),
        };
        assert_eq!(client.wait_before_retry(&spend, None, 0), None);
    }
}
