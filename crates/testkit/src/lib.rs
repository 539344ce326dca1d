//! Test utilities: every test gets its own PostgreSQL database (created from scratch, migrated,
//! dropped when the test ends) and its own Redis key prefix (deleted when the test ends), so
//! tests run in parallel against the real services without seeing each other.
//!
//! `TEST_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) names the server
//! to create databases on; `TEST_REDIS_URL` (default `redis://127.0.0.1:6379`) the Redis.

pub mod fake_anthropic;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use domain::{IncomingTicket, SourceKind, Taxonomy};
use runtime::{CommonSettings, Infra, Secret};
use std::sync::Arc;

fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn with_database(server: &str, name: &str) -> String {
    let (base, query) = server.split_once('?').map_or((server, ""), |(b, q)| (b, q));
    let root = base.rsplit_once('/').map_or(base, |(root, _)| root);
    if query.is_empty() {
        format!("{root}/{name}")
    } else {
        format!("{root}/{name}?{query}")
    }
}

/// A database of one test's own, dropped when this value is.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    /// Creates an empty database (no migrations).
    pub async fn empty() -> Self {
        let name = format!("test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = AsyncPgConnection::establish(&server_url())
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see README: Tests)");
        diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .expect("create the test database");
        TestDb {
            url: with_database(&server_url(), &name),
            name,
        }
    }

    /// Creates a database with every migration applied and the default taxonomy loaded.
    pub async fn migrated() -> Self {
        let db = Self::empty().await;
        db::run_migrations(&db.url).await.expect("migrations apply");
        let pool = db.pool(2);
        let mut conn = pool.get().await.expect("connect to the test database");
        db::models::taxonomy::sync(&mut conn, &Taxonomy::default())
            .await
            .expect("load the taxonomy");
        db
    }

    pub fn pool(&self, size: usize) -> db::Pool {
        db::pool(&self.url, size).expect("build the pool")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async; a short-lived runtime on its own thread does the cleanup.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut admin = AsyncPgConnection::establish(&server_url()).await.ok()?;
                diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()
            })
        })
        .join();
    }
}

/// A Redis key prefix of one test's own; its keys are deleted when this value is dropped.
pub struct TestRedis {
    pub prefix: String,
    pub url: String,
}

impl TestRedis {
    pub fn new() -> Self {
        TestRedis {
            prefix: format!("test-{}", uuid::Uuid::new_v4().simple()),
            url: redis_url(),
        }
    }

    pub async fn queues(&self) -> queue::Queues {
        let conn = queue::connect(&self.url)
            .await
            .expect("Redis must run on 127.0.0.1:6379");
        queue::Queues::new(conn, &self.prefix)
    }

    /// Every key under the prefix.
    pub async fn keys(&self) -> Vec<String> {
        let client = redis::Client::open(self.url.as_str()).expect("redis url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("connect to Redis");
        redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query_async(&mut conn)
            .await
            .expect("KEYS")
    }
}

impl Default for TestRedis {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestRedis {
    fn drop(&mut self) {
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let client = redis::Client::open(url.as_str()).ok()?;
                let mut conn = client.get_multiplexed_async_connection().await.ok()?;
                let keys: Vec<String> = redis::cmd("KEYS")
                    .arg(format!("{prefix}:*"))
                    .query_async(&mut conn)
                    .await
                    .ok()?;
                if !keys.is_empty() {
                    let _: () = redis::cmd("DEL")
                        .arg(keys)
                        .query_async(&mut conn)
                        .await
                        .ok()?;
                }
                Some(())
            })
        })
        .join();
    }
}

/// A database and a Redis prefix with the settings and infrastructure a service needs.
pub struct TestEnv {
    pub db: TestDb,
    pub redis: TestRedis,
    pub infra: Infra,
}

impl TestEnv {
    pub async fn new() -> Self {
        let db = TestDb::migrated().await;
        let redis = TestRedis::new();
        let infra = Infra {
            pool: db.pool(8),
            queues: redis.queues().await,
            taxonomy: Arc::new(Taxonomy::default()),
        };
        TestEnv { db, redis, infra }
    }

    /// Service settings pointing at this environment, on a free port.
    pub fn settings(&self) -> CommonSettings {
        CommonSettings {
            database_url: Secret::new(self.db.url.clone()),
            redis_url: Secret::new(self.redis.url.clone()),
            queue_prefix: self.redis.prefix.clone(),
            host: "127.0.0.1".into(),
            port: 0,
            taxonomy_path: None,
        }
    }
}

/// A plausible Zendesk ticket for tests.
pub fn ticket(
    source_id: &str,
    subject: &str,
    description: &str,
    created_at: DateTime<Utc>,
) -> IncomingTicket {
    IncomingTicket {
        source: SourceKind::Zendesk,
        source_id: source_id.into(),
        subject: Some(subject.into()),
        description: Some(description.into()),
        public_comments: None,
        internal_notes: None,
        requester_email: Some(format!("user{source_id}@acme-{source_id}.com")),
        requester_org_name: None,
        source_org_id: None,
        tags: vec![],
        status: Some("open".into()),
        priority: None,
        created_at,
        updated_at: created_at,
    }
}

/// Polls `check` every 100 ms until it returns `Some`, or panics after `secs` seconds naming
/// `what`.
pub async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// A service started in-process by a test; [`Running::stop`] asks it to shut down and checks it
/// did so cleanly.
pub struct Running {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Spawns `start(shutdown)`, where `shutdown` resolves when [`Running::stop`] is called.
    pub fn spawn<F, Fut>(start: F) -> Self
    where
        F: FnOnce(std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>) -> Fut,
        Fut: std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shutdown = Box::pin(async {
            let _ = stopped.await;
        });
        Running {
            stop,
            task: tokio::spawn(start(shutdown)),
        }
    }

    /// Stops the service; panics unless it stops without error within 20 s.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(std::time::Duration::from_secs(20), self.task)
            .await
            .expect("the service stops within 20 s")
            .expect("the service task did not panic")
            .expect("the service stopped without error");
    }
}

/// The log lines of this test process, captured once [`capture_logs`] ran (tests of one binary
/// share them: look for a line with your own ids).
static LOGS: std::sync::LazyLock<std::sync::Arc<std::sync::Mutex<Vec<u8>>>> =
    std::sync::LazyLock::new(Default::default);

#[derive(Clone)]
struct LogWriter;

impl std::io::Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Starts capturing this process's log lines (idempotent; INFO and above, no colours).
pub fn capture_logs() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(tracing_subscriber::filter::LevelFilter::INFO)
            .with_writer(|| LogWriter)
            .try_init();
    });
}

/// Everything logged since [`capture_logs`].
pub fn captured_logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().expect("log buffer")).into_owned()
}
