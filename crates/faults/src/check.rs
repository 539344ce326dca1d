//! What must hold once the pipeline settles, however it was mistreated on the way: every ticket
//! analyzed exactly once in effect (the issues it has are exactly the issues its analyzer gives
//! for its text: none missing, none doubled), every issue in exactly one cluster, every cluster's
//! count equal to the issues it holds, no job left running or waiting.

use analysis::offline::KeywordAnalyzer;
use db::models::{cluster, ticket::TicketRow};
use db::schema::{extracted_issues, tickets};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::Taxonomy;
use std::collections::HashMap;

/// How many issues the fake Claude of the suite returns for every ticket.
pub const CLAUDE_ISSUES_PER_TICKET: usize = 1;

/// The figures of a settled pipeline and what is wrong with it (nothing, when all is well).
#[derive(Debug, Default)]
pub struct Settled {
    pub tickets: usize,
    pub analyzed: usize,
    pub failed: usize,
    pub issues: usize,
    pub unclustered: usize,
    pub clusters: usize,
    /// Tickets whose issues differ in number from what their analyzer yields for their text.
    pub wrong_issue_counts: Vec<String>,
    /// Clusters whose stored count differs from the issues that point at them.
    pub wrong_cluster_counts: usize,
    pub outstanding_jobs: u64,
    pub running_jobs: u64,
    pub dead_jobs: u64,
}

impl Settled {
    /// Every violated invariant, in words.
    pub fn violations(&self, expected_tickets: usize) -> Vec<String> {
        let mut v = Vec::new();
        if self.tickets != expected_tickets {
            v.push(format!(
                "{} tickets stored, {expected_tickets} sent",
                self.tickets
            ));
        }
        if self.analyzed != self.tickets {
            v.push(format!(
                "{} of {} tickets analyzed ({} failed)",
                self.analyzed, self.tickets, self.failed
            ));
        }
        if !self.wrong_issue_counts.is_empty() {
            v.push(format!(
                "{} tickets with missing or duplicate issues, e.g. {:?}",
                self.wrong_issue_counts.len(),
                &self.wrong_issue_counts[..self.wrong_issue_counts.len().min(5)]
            ));
        }
        if self.unclustered > 0 {
            v.push(format!("{} issues in no cluster", self.unclustered));
        }
        if self.wrong_cluster_counts > 0 {
            v.push(format!(
                "{} clusters whose issue_count differs from the issues they hold",
                self.wrong_cluster_counts
            ));
        }
        if self.outstanding_jobs > 0 || self.running_jobs > 0 {
            v.push(format!(
                "{} jobs still outstanding, {} running",
                self.outstanding_jobs, self.running_jobs
            ));
        }
        v
    }
}

/// Reads the pipeline's state; recomputes cluster statistics first, as the clusterer's schedule
/// would, so counts are compared with what they should be now.
pub async fn settled(
    pool: &db::Pool,
    queues: &queue::Queues,
    taxonomy: &Taxonomy,
) -> anyhow::Result<Settled> {
    let mut conn = pool.get().await?;
    cluster::recompute_stats(&mut conn, chrono::Utc::now(), None).await?;

    let rows: Vec<TicketRow> = tickets::table
        .select(TicketRow::as_select())
        .load(&mut conn)
        .await?;
    let per_ticket: Vec<(uuid::Uuid, String, i64)> = extracted_issues::table
        .group_by((extracted_issues::ticket_id, extracted_issues::analyzer))
        .select((
            extracted_issues::ticket_id,
            extracted_issues::analyzer,
            diesel::dsl::count_star(),
        ))
        .load(&mut conn)
        .await?;
    let mut found: HashMap<uuid::Uuid, Vec<(String, usize)>> = HashMap::new();
    for (ticket, analyzer, n) in per_ticket {
        found
            .entry(ticket)
            .or_default()
            .push((analyzer, n as usize));
    }

    let keywords = KeywordAnalyzer::new(taxonomy.clone());
    let mut out = Settled {
        tickets: rows.len(),
        ..Settled::default()
    };
    for row in &rows {
        if row.analysis_failed_at.is_some() {
            out.failed += 1;
        }
        if !row.is_analyzed() {
            continue;
        }
        out.analyzed += 1;
        let issues = found.remove(&row.id).unwrap_or_default();
        let expected_keywords = || {
            keywords
                .extract(&row.to_incoming())
                .validate(taxonomy)
                .map(|v| v.len())
                .unwrap_or(0)
        };
        let ok = match issues.as_slice() {
            [] => expected_keywords() == 0,
            [(analyzer, n)] if analyzer == "claude" => *n == CLAUDE_ISSUES_PER_TICKET,
            [(analyzer, n)] if analyzer == "offline-keywords" => *n == expected_keywords(),
            // Two analyzers' issues on one ticket, or an analyzer this suite does not run.
            _ => false,
        };
        if !ok {
            out.wrong_issue_counts
                .push(format!("{} {:?}", row.source_id, issues));
        }
    }

    let (issues, unclustered) = db::models::issue::counts(&mut conn).await?;
    out.issues = issues as usize;
    out.unclustered = unclustered as usize;
    out.clusters = cluster::counts(&mut conn).await?.0 as usize;
    out.wrong_cluster_counts = diesel::sql_query(
        "SELECT c.id FROM issue_clusters c \
         LEFT JOIN extracted_issues i ON i.cluster_id = c.id \
         GROUP BY c.id, c.issue_count HAVING c.issue_count <> count(i.id)",
    )
    .execute(&mut conn)
    .await?;

    for depth in queues.depths().await? {
        out.outstanding_jobs += depth.outstanding();
        out.running_jobs += depth.running;
        out.dead_jobs += depth.dead;
    }
    Ok(out)
}
