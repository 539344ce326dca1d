//! A client for the Zendesk Support API: the cursor-based incremental ticket export, ticket
//! comments, users and organizations.
//!
//! Authentication is an API token (`Authorization: Basic base64({email}/token:{api_token})`);
//! the token is a [`Secret`] and never appears in logs or errors.
//!
//! Every request goes through the same rate limiting and retry policy:
//! - an account-wide token bucket (`requests_per_minute`, Zendesk's plan limit) and, for the
//!   export endpoints, a second bucket for their own limit of 10 requests per minute;
//! - a 429 waits for its `Retry-After` (capped), then the request is sent again;
//! - a 5xx, a timeout or a dropped connection is retried with exponential backoff and jitter,
//!   up to `max_retries` times; other 4xx fail at once.
//!
//! Nothing here advances a cursor: the caller keeps it, so a failed request never loses it.

mod limiter;
pub mod types;

pub use limiter::RateLimiter;
pub use runtime::Secret;
pub use types::*;

use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::time::Duration;

/// Zendesk's limit on the incremental export endpoints.
pub const EXPORT_REQUESTS_PER_MINUTE: u32 = 10;
/// The largest page the cursor export returns.
pub const MAX_EXPORT_PAGE: u32 = 1000;

/// Errors from the Zendesk API.
#[derive(Debug, thiserror::Error)]
pub enum ZendeskError {
    #[error("Zendesk answered {status} for {path}: {body}")]
    Status {
        status: u16,
        path: String,
        body: String,
    },
    #[error("Zendesk kept rate limiting {path} (429) after {attempts} attempts")]
    RateLimited { path: String, attempts: u32 },
    #[error("Zendesk request to {path} failed after {attempts} attempts: {message}")]
    Unavailable {
        path: String,
        attempts: u32,
        message: String,
    },
    #[error("Zendesk sent a body for {path} that is not the expected JSON: {message}")]
    Decode { path: String, message: String },
    #[error("refusing to follow a pagination link outside {base}: {url}")]
    ForeignLink { base: String, url: String },
    #[error("could not build the HTTP client: {0}")]
    Client(String),
}

/// How to reach Zendesk and how gently.
#[derive(Debug, Clone)]
pub struct Config {
    /// `https://{subdomain}.zendesk.com`, or a local fake server in tests.
    pub base_url: String,
    pub email: String,
    pub api_token: Secret,
    /// The account's API limit (requests per minute, shared by every endpoint).
    pub requests_per_minute: u32,
    /// The export endpoints' own limit.
    pub export_requests_per_minute: u32,
    /// Tickets per export page (at most 1000).
    pub export_page_size: u32,
    /// Per-request timeout (connect + response).
    pub timeout: Duration,
    /// Retries of a request that failed with a 5xx, a timeout or a dropped connection.
    pub max_retries: u32,
    /// First backoff; doubles per retry, with up to 50% jitter added.
    pub backoff_base: Duration,
    /// Waits on 429 before giving up (each waits for `Retry-After`).
    pub max_rate_limit_waits: u32,
    /// The longest `Retry-After` honoured as sent; longer ones are cut to this.
    pub max_retry_after: Duration,
}

impl Config {
    /// The production settings for `https://{subdomain}.zendesk.com`.
    pub fn new(subdomain: &str, email: &str, api_token: Secret) -> Self {
        Config {
            base_url: format!("https://{subdomain}.zendesk.com"),
            email: email.to_string(),
            api_token,
            requests_per_minute: 400,
            export_requests_per_minute: EXPORT_REQUESTS_PER_MINUTE,
            export_page_size: MAX_EXPORT_PAGE,
            timeout: Duration::from_secs(30),
            max_retries: 5,
            backoff_base: Duration::from_millis(500),
            max_rate_limit_waits: 20,
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// Where an export starts: a time (first run, backfill) or a stored cursor (every later run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportFrom {
    /// Unix seconds; tickets updated at or after it.
    StartTime(i64),
    Cursor(String),
}

/// The Zendesk API client. Cheap to clone (the limiters and connection pool are shared).
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    account: RateLimiter,
    export: RateLimiter,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("zendesk::Client")
            .field("base_url", &self.inner.config.base_url)
            .field("email", &self.inner.config.email)
            .finish()
    }
}

enum Outcome<T> {
    Done(T),
    NotFound,
}

impl Client {
    pub fn new(mut config: Config) -> Result<Self, ZendeskError> {
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("issue-miner/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ZendeskError::Client(e.to_string()))?;
        Ok(Client {
            inner: Arc::new(Inner {
                account: RateLimiter::per_minute(config.requests_per_minute),
                export: RateLimiter::per_minute(config.export_requests_per_minute),
                config,
                http,
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// One page of the cursor-based incremental ticket export, with the requesters and
    /// organizations side-loaded. Continue with `after_cursor` until `end_of_stream`; the last
    /// page's `after_cursor` is where the next incremental run starts.
    #[tracing::instrument(skip(self))]
    pub async fn export_tickets(&self, from: &ExportFrom) -> Result<ExportPage, ZendeskError> {
        let per_page = self
            .inner
            .config
            .export_page_size
            .clamp(1, MAX_EXPORT_PAGE)
            .to_string();
        let mut query = vec![
            ("per_page", per_page),
            ("include", "users,organizations".to_string()),
        ];
        match from {
            ExportFrom::StartTime(t) => query.push(("start_time", t.to_string())),
            ExportFrom::Cursor(c) => query.push(("cursor", c.clone())),
        }
        let url = self.url("/api/v2/incremental/tickets/cursor.json");
        match self.get(&url, &query, true).await? {
            Outcome::Done(page) => Ok(page),
            Outcome::NotFound => Err(ZendeskError::Status {
                status: 404,
                path: "/api/v2/incremental/tickets/cursor.json".into(),
                body: "not found".into(),
            }),
        }
    }

    /// One ticket with its requester and organization side-loaded; `None` if it does not exist
    /// (deleted, or never did).
    #[tracing::instrument(skip(self))]
    pub async fn ticket(&self, id: i64) -> Result<Option<TicketResponse>, ZendeskError> {
        let url = self.url(&format!("/api/v2/tickets/{id}.json"));
        match self
            .get(
                &url,
                &[("include", "users,organizations".to_string())],
                false,
            )
            .await?
        {
            Outcome::Done(t) => Ok(Some(t)),
            Outcome::NotFound => Ok(None),
        }
    }

    /// Every comment of a ticket, oldest first (following `next_page`, or cursor pagination's
    /// `links.next` while `meta.has_more`). A ticket that no longer exists has none.
    #[tracing::instrument(skip(self))]
    pub async fn comments(&self, ticket_id: i64) -> Result<Vec<Comment>, ZendeskError> {
        let mut url = self.url(&format!("/api/v2/tickets/{ticket_id}/comments.json"));
        let mut query = vec![("page[size]", "100".to_string())];
        let mut out = Vec::new();
        loop {
            let page: CommentsPage = match self.get(&url, &query, false).await? {
                Outcome::Done(p) => p,
                Outcome::NotFound => return Ok(out),
            };
            out.extend(page.comments);
            let next = page.next_page.or_else(|| {
                page.meta
                    .filter(|m| m.has_more)
                    .and_then(|_| page.links.and_then(|l| l.next))
            });
            match next {
                Some(next) => {
                    self.check_same_origin(&next)?;
                    url = next;
                    query.clear();
                }
                None => return Ok(out),
            }
        }
    }

    /// Users by id (`show_many`, 100 per request).
    #[tracing::instrument(skip(self, ids), fields(count = ids.len()))]
    pub async fn users(&self, ids: &[i64]) -> Result<Vec<User>, ZendeskError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let url = self.url("/api/v2/users/show_many.json");
            if let Outcome::Done(page) = self
                .get::<UsersPage>(&url, &[("ids", join_ids(chunk))], false)
                .await?
            {
                out.extend(page.users);
            }
        }
        Ok(out)
    }

    /// Organizations by id (`show_many`, 100 per request).
    #[tracing::instrument(skip(self, ids), fields(count = ids.len()))]
    pub async fn organizations(&self, ids: &[i64]) -> Result<Vec<Organization>, ZendeskError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(100) {
            let url = self.url("/api/v2/organizations/show_many.json");
            if let Outcome::Done(page) = self
                .get::<OrganizationsPage>(&url, &[("ids", join_ids(chunk))], false)
                .await?
            {
                out.extend(page.organizations);
            }
        }
        Ok(out)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.inner.config.base_url)
    }

    /// Pagination links are absolute; following one to another host would send it our
    /// credentials.
    fn check_same_origin(&self, url: &str) -> Result<(), ZendeskError> {
        let base = &self.inner.config.base_url;
        if url.starts_with(&format!("{base}/")) {
            Ok(())
        } else {
            Err(ZendeskError::ForeignLink {
                base: base.clone(),
                url: url.to_string(),
            })
        }
    }

    /// GET with the rate limits and the retry policy of the crate docs.
    async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        query: &[(&str, String)],
        export: bool,
    ) -> Result<Outcome<T>, ZendeskError> {
        let config = &self.inner.config;
        let path = url
            .strip_prefix(&config.base_url)
            .unwrap_or(url)
            .split('?')
            .next()
            .unwrap_or_default()
            .to_string();
        let mut failures = 0u32;
        let mut rate_limited = 0u32;
        loop {
            if export {
                self.inner.export.acquire().await;
            }
            self.inner.account.acquire().await;
            let sent = self
                .inner
                .http
                .get(with_query(url, query))
                .basic_auth(
                    format!("{}/token", config.email),
                    Some(config.api_token.expose()),
                )
                .header(reqwest::header::ACCEPT, "application/json")
                .send()
                .await;
            let failure = match sent {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        match resp.bytes().await {
                            Ok(body) => {
                                return serde_json::from_slice(&body).map(Outcome::Done).map_err(
                                    |e| ZendeskError::Decode {
                                        path,
                                        message: e.to_string(),
                                    },
                                )
                            }
                            Err(e) => format!("reading the body: {e}"),
                        }
                    } else if status == reqwest::StatusCode::NOT_FOUND {
                        return Ok(Outcome::NotFound);
                    } else if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
                        rate_limited += 1;
                        if rate_limited > config.max_rate_limit_waits {
                            return Err(ZendeskError::RateLimited {
                                path,
                                attempts: rate_limited,
                            });
                        }
                        let wait = retry_after(resp.headers())
                            .unwrap_or_else(|| backoff(config.backoff_base, rate_limited))
                            .min(config.max_retry_after);
                        tracing::warn!(%path, wait_ms = wait.as_millis() as u64, "Zendesk rate limited us (429); waiting as told");
                        tokio::time::sleep(wait).await;
                        continue;
                    } else if status.is_server_error() {
                        format!("HTTP {status}")
                    } else {
                        let body = resp.text().await.unwrap_or_default();
                        return Err(ZendeskError::Status {
                            status: status.as_u16(),
                            path,
                            body: body.chars().take(300).collect(),
                        });
                    }
                }
                Err(e) => transport_message(&e),
            };
            failures += 1;
            if failures > config.max_retries {
                return Err(ZendeskError::Unavailable {
                    path,
                    attempts: failures,
                    message: failure,
                });
            }
            let wait = backoff(config.backoff_base, failures);
            tracing::warn!(%path, attempt = failures, wait_ms = wait.as_millis() as u64, error = %failure, "Zendesk request failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

/// `url` with `query` appended, percent-encoded (reqwest's `query` needs a feature the
/// workspace does not enable).
fn with_query(url: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return url.to_string();
    }
    let encode = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    let joined = query
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{joined}")
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

/// The error without its URL (reqwest puts the full URL, query included, in its messages).
fn transport_message(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the connection dropped while reading"
    } else {
        "the request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// `Retry-After` as seconds (what Zendesk sends); fractional values are honoured too.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// `base * 2^(attempt-1)` plus up to 50% jitter, so many clients do not retry in step.
fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(10));
    let jitter = exp.mul_f64(fastrand::f64() * 0.5);
    exp + jitter
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_adds_at_most_half_as_jitter() {
        let base = Duration::from_millis(100);
        for attempt in 1..=4 {
            let exp = base * (1 << (attempt - 1));
            let d = backoff(base, attempt);
            assert!(d >= exp && d <= exp.mul_f64(1.5), "{attempt}: {d:?}");
        }
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            with_query(
                "http://z/x.json",
                &[("cursor", "a+b/c=".into()), ("page[size]", "1".into())]
            ),
            "http://z/x.json?cursor=a%2Bb%2Fc%3D&page%5Bsize%5D=1"
        );
        assert_eq!(
            with_query("http://z/x.json?page=2", &[]),
            "http://z/x.json?page=2"
        );
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(reqwest::header::RETRY_AFTER, "0.25".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_millis(250)));
        h.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn the_token_never_prints() {
        let client =
            Client::new(Config::new("acme", "a@acme.com", Secret::new("tok-123"))).unwrap();
        let shown = format!("{client:?} {:?}", client.config());
        assert!(!shown.contains("tok-123"), "{shown}");
    }
}
