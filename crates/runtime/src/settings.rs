//! Settings from the environment (12-factor: Railway and docker-compose set env vars).
//! Nothing here is global: each service builds its settings once and passes them down, so
//! tests can start services with their own.

use anyhow::{anyhow, Context as _};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// A value that must never be printed: `Debug` and `Display` show `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The variable's value, treating an empty value as unset (compose passes unset optional
/// variables as empty strings).
pub fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The parsed variable, or `default` when unset; an unparsable value is an error naming it.
pub fn env_or<T: FromStr>(name: &str, default: T) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    match env_var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|e| anyhow!("{name}={v:?} is not valid: {e}")),
    }
}

/// Settings every service shares.
#[derive(Debug, Clone)]
pub struct CommonSettings {
    /// `DATABASE_URL` (default: the local development database).
    pub database_url: Secret,
    /// `REDIS_URL` (default: the local Redis).
    pub redis_url: Secret,
    /// `QUEUE_PREFIX`: namespace of the queue keys in Redis.
    pub queue_prefix: String,
    /// `HOST` to bind (default 0.0.0.0) and `PORT`.
    pub host: String,
    pub port: u16,
    /// `TAXONOMY_PATH`: a company's own taxonomy file; the embedded default otherwise.
    pub taxonomy_path: Option<PathBuf>,
}

/// The development defaults: the PostgreSQL and Redis on this machine.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/issue_miner";
pub const DEFAULT_REDIS_URL: &str = "redis://127.0.0.1:6379";

impl CommonSettings {
    /// Reads the environment; `default_port` is the service's own.
    pub fn from_env(default_port: u16) -> anyhow::Result<Self> {
        Ok(CommonSettings {
            database_url: Secret::new(
                env_var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            ),
            redis_url: Secret::new(
                env_var("REDIS_URL").unwrap_or_else(|| DEFAULT_REDIS_URL.into()),
            ),
            queue_prefix: env_var("QUEUE_PREFIX").unwrap_or_else(|| queue::DEFAULT_PREFIX.into()),
            host: env_var("HOST").unwrap_or_else(|| "0.0.0.0".into()),
            port: env_or("PORT", default_port).context("reading PORT")?,
            taxonomy_path: env_var("TAXONOMY_PATH").map(PathBuf::from),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("sk-ant-123");
        assert_eq!(format!("{s:?} {s}"), "Secret(***) ***");
        assert_eq!(s.expose(), "sk-ant-123");
    }
}
