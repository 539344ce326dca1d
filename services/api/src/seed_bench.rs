//! `api seed-bench`: synthetic tickets, issues and clusters for `make bench-api`, generated in
//! SQL (`generate_series`) so 100k issues load in seconds. Meant for a database of its own.

use anyhow::Context as _;
use chrono::Utc;
use diesel::sql_types::Integer;
use diesel_async::RunQueryDsl;
use runtime::Infra;

/// Words the summaries are built from, so `search=` benchmarks have realistic hit rates
/// (each phrase is in one issue in eight).
pub const TOPICS: [&str; 8] = [
    "payroll run",
    "timesheet approval",
    "pto balance",
    "clock in",
    "direct deposit",
    "tax form",
    "benefits enrollment",
    "shift schedule",
];

pub async fn run(infra: &Infra, issues: u32, clusters: u32) -> anyhow::Result<()> {
    anyhow::ensure!(
        issues > 0 && clusters > 0,
        "--issues and --clusters must be > 0"
    );
    let mut conn = infra.pool.get().await?;
    let existing: i64 = {
        use db::schema::tickets;
        use diesel::QueryDsl;
        tickets::table.count().get_result(&mut conn).await?
    };
    anyhow::ensure!(
        existing == 0,
        "the database already has {existing} tickets; seed-bench wants an empty one (api migrate --reset)"
    );
    let topics = TOPICS
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(",");
    let started = std::time::Instant::now();
    diesel::sql_query(
        "INSERT INTO issue_clusters (category, subcategory, cluster_name, pm_status) \
         SELECT p.category, p.subcategory, 'Bench cluster ' || g, \
                (ARRAY['new','reviewing','acknowledged','fixed','wont_fix'])[1 + g % 5] \
         FROM generate_series(0, $1 - 1) g \
         JOIN (SELECT category, subcategory, (row_number() OVER (ORDER BY category, subcategory)) - 1 AS n \
               FROM taxonomy_subcategories WHERE NOT retired) p \
           ON p.n = g % (SELECT COUNT(*) FROM taxonomy_subcategories WHERE NOT retired)",
    )
    .bind::<Integer, _>(clusters as i32)
    .execute(&mut conn)
    .await
    .context("inserting clusters")?;
    // One issue per ticket, created over the last 90 days, from 500 organizations.
    diesel::sql_query(
        "INSERT INTO tickets (source, source_id, subject, description, requester_org_name, \
             customer_key, content_hash, analyzed_hash, ticket_created_at, ticket_updated_at, analyzed_at) \
         SELECT 'csv', 'bench-' || g, 'Ticket ' || g, 'Generated ticket ' || md5(g::text), \
                'Org ' || (g % 500), 'org ' || (g % 500), md5(g::text) || md5(g::text), \
                md5(g::text) || md5(g::text), ts, ts, ts \
         FROM (SELECT g, NOW() - (random() * interval '90 days') AS ts \
               FROM generate_series(0, $1 - 1) g) s",
    )
    .bind::<Integer, _>(issues as i32)
    .execute(&mut conn)
    .await
    .context("inserting tickets")?;
    diesel::sql_query(format!(
        "WITH c AS (SELECT id, category, subcategory, (row_number() OVER (ORDER BY id)) - 1 AS n \
                    FROM issue_clusters), \
              t AS (SELECT id, substr(source_id, 7)::int AS g FROM tickets WHERE source = 'csv') \
         INSERT INTO extracted_issues (ticket_id, category, subcategory, issue_type, severity, summary, \
             detail, representative_quote, cluster_id, confidence, analyzer) \
         SELECT t.id, c.category, c.subcategory, \
                (ARRAY['bug','friction','ux_confusion','feature_request','documentation_gap','data_issue'])[1 + t.g % 6], \
                (ARRAY['critical','high','medium','low'])[1 + (t.g / 7) % 4], \
                'Problem with ' || (ARRAY[{topics}])[1 + t.g % 8] || ' number ' || t.g, \
                'Customer reports trouble with ' || (ARRAY[{topics}])[1 + (t.g / 3) % 8], \
                'It does not work since the update', c.id, 0.8, 'bench' \
         FROM t JOIN c ON c.n = t.g % $1"
    ))
    .bind::<Integer, _>(clusters as i32)
    .execute(&mut conn)
    .await
    .context("inserting issues")?;
    let updated = db::models::cluster::recompute_stats(&mut conn, Utc::now(), None)
        .await
        .context("computing cluster statistics")?;
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .await
        .context("ANALYZE")?;
    println!(
        "seeded {issues} tickets/issues in {updated} clusters in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
