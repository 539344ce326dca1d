//! Database access for every service: the connection pool, the embedded migrations, the diesel
//! schema and one module per entity with its row types and queries.
//!
//! Why diesel-async (over diesel with a blocking r2d2 pool behind `web::block`): every service
//! here is an async tokio program (actix-web, apalis workers) whose work is mostly waiting on
//! PostgreSQL. diesel-async keeps those waits on the runtime instead of parking a blocking
//! thread per query, needs no libpq (it speaks the protocol through tokio-postgres, so the
//! images and CI need no C client library), and its deadpool pool is the same one in every
//! service. Migrations still use diesel's synchronous harness through `AsyncMigrationHarness`,
//! which is why services run on the multi-thread runtime.
//!
//! Error policy: queries return diesel's `QueryResult`; pool, connection and migration failures
//! are [`DbError`]. Services wrap both with `anyhow` context; the API maps them to its own
//! error type at the edge.

pub mod locks;
pub mod models;
pub mod schema;

use diesel::sql_query;
use diesel_async::pooled_connection::deadpool::{BuildError, Object, Pool as DeadPool};
use diesel_async::pooled_connection::AsyncDieselConnectionManager;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use diesel_async::pooled_connection::deadpool::PoolError;
pub use diesel_async::AsyncPgConnection as PgConn;

/// The migrations in `migrations/`, compiled into every binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations");

/// The pool every service shares its connections through.
pub type Pool = DeadPool<AsyncPgConnection>;
/// A connection checked out of the [`Pool`].
pub type PooledConn = Object<AsyncPgConnection>;

/// Failures outside a query: reaching the database, the pool, migrations.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("could not build the database pool: {0}")]
    Build(#[from] BuildError),
    #[error("could not get a database connection: {0}")]
    Pool(#[from] PoolError),
    #[error("could not connect to PostgreSQL at {url}: {source}")]
    Connect {
        url: String,
        source: diesel::ConnectionError,
    },
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("invalid database URL {0:?}")]
    BadUrl(String),
}

/// Builds a pool of at most `max_size` connections. Connections open lazily, so this does not
/// fail when PostgreSQL is down; [`ping`] tells.
pub fn pool(database_url: &str, max_size: usize) -> Result<Pool, DbError> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    Ok(DeadPool::builder(manager).max_size(max_size).build()?)
}

/// Lets the current transaction commit without waiting for its WAL to reach the disk
/// (`synchronous_commit = off`, this transaction only). Only for writes a reconciler redoes when
/// they are missing: a PostgreSQL crash may lose the last ~0.6 s of such commits (never corrupt
/// anything), and a lost analysis or cluster placement leaves its ticket waiting for analysis or
/// its issue unclustered, which the analyzer's and clusterer's reconcilers queue again (the fault
/// suite crashes PostgreSQL mid-backfill and checks nothing is lost). One job at a time the
/// 10,000-ticket pipeline waited on these small commits: 104–113 → 142 tickets/s.
pub async fn relaxed_commit(conn: &mut AsyncPgConnection) -> diesel::QueryResult<()> {
    sql_query("SET LOCAL synchronous_commit TO off")
        .execute(conn)
        .await?;
    Ok(())
}

/// Checks that PostgreSQL answers.
pub async fn ping(pool: &Pool) -> Result<(), DbError> {
    let mut conn = pool.get().await?;
    sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

async fn connect(url: &str) -> Result<AsyncPgConnection, DbError> {
    AsyncPgConnection::establish(url)
        .await
        .map_err(|source| DbError::Connect {
            url: redact_url(url),
            source,
        })
}

/// Splits `postgres://…/name?opts` into the server part and the database name.
fn split_database_name(url: &str) -> Result<(String, String), DbError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let (server, name) = base
        .rsplit_once('/')
        .filter(|(server, name)| {
            server.contains("://") && !server.ends_with('/') && !name.is_empty()
        })
        .ok_or_else(|| DbError::BadUrl(redact_url(url)))?;
    let suffix = if query.is_empty() {
        String::new()
    } else {
        format!("?{query}")
    };
    Ok((format!("{server}/postgres{suffix}"), name.to_string()))
}

/// Creates the database named in `database_url` if it does not exist (connecting to the
/// server's `postgres` database to do so), so a fresh machine needs no manual `createdb`.
pub async fn ensure_database(database_url: &str) -> Result<(), DbError> {
    let (admin_url, name) = split_database_name(database_url)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(DbError::BadUrl(format!(
            "database name {name:?} needs quoting; create it by hand"
        )));
    }
    let mut conn = connect(&admin_url).await?;
    #[derive(diesel::QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        exists: bool,
    }
    let found: Exists =
        sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result(&mut conn)
            .await?;
    if !found.exists {
        match sql_query(format!("CREATE DATABASE \"{name}\""))
            .execute(&mut conn)
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another service created it between our check and our CREATE.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("already exists") => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Drops the database named in `database_url` (and every connection to it), if it exists.
pub async fn drop_database(database_url: &str) -> Result<(), DbError> {
    let (admin_url, name) = split_database_name(database_url)?;
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(DbError::BadUrl(format!(
            "database name {name:?} needs quoting; drop it by hand"
        )));
    }
    let mut conn = connect(&admin_url).await?;
    sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// Applies every pending migration; returns how many ran. Safe to call from several services
/// at once: PostgreSQL serializes them through an advisory lock.
pub async fn run_migrations(database_url: &str) -> Result<usize, DbError> {
    let mut conn = connect(database_url).await?;
    // Two services starting together must not both apply the same migration.
    sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(locks::Lock::Migrations.key())
        .execute(&mut conn)
        .await?;
    let ran = tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        let ran = harness
            .run_pending_migrations(MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| DbError::Migration(e.to_string()));
        (harness.into_inner(), ran)
    });
    let (mut conn, ran) = ran;
    sql_query("SELECT pg_advisory_unlock($1)")
        .bind::<diesel::sql_types::BigInt, _>(locks::Lock::Migrations.key())
        .execute(&mut conn)
        .await?;
    ran
}

/// Reverts every applied migration (for the migration round-trip test and `migrate --redo`).
pub async fn revert_all_migrations(database_url: &str) -> Result<usize, DbError> {
    let conn = connect(database_url).await?;
    tokio::task::block_in_place(|| {
        let mut harness = AsyncMigrationHarness::new(conn);
        harness
            .revert_all_migrations(MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| DbError::Migration(e.to_string()))
    })
}

/// `url` with its password replaced, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_logs() {
        assert_eq!(
            redact_url("postgres://u:s3cret@db:5432/x"),
            "postgres://u:***@db:5432/x"
        );
        assert_eq!(redact_url("postgres://db/x"), "postgres://db/x");
    }

    #[test]
    fn the_admin_url_keeps_server_and_options() {
        assert_eq!(
            split_database_name("postgres://u@h:5432/miner?sslmode=disable").unwrap(),
            (
                "postgres://u@h:5432/postgres?sslmode=disable".into(),
                "miner".into()
            )
        );
        assert!(split_database_name("postgres://h:5432/").is_err());
        assert!(split_database_name("nonsense").is_err());
    }
}
