//! `make bench-cluster`: how fast the semantic clusterer places issues when 100,000 issues
//! are already clustered, and how long a consolidation pass takes at that size.
//!
//! The vectors are synthetic (384-d, like MiniLM's): 1,500 random topic directions, each issue
//! a topic plus Gaussian noise (cosine ≈ 0.9 to its topic, ≈ 0.8 between issues of a topic),
//! all in ONE subcategory — the worst case, as every placement compares against every
//! cluster. Speed only: quality is `make eval`'s job on real texts.
//!
//! Two measurements: the `clustering` crate in memory (the algorithm), and the service's path
//! over PostgreSQL (the `cluster` job's work: read the subcategory's centroids under its
//! advisory lock, place, write, refresh statistics; and `consolidate::pass`). The run creates
//! its own database and Redis prefix and drops them at the end.
//!
//! `cargo test --all-targets` runs this binary too (without `--bench`): then it is a smoke
//! run on 3,000 issues, checking the bench still works, not measuring.

use chrono::Utc;
use clusterer::assign::{Method, Placement};
use clusterer::naming::Namer;
use clustering::{Params, Stream, Thresholds};
use db::models::{cluster, issue, ticket};
use diesel::sql_types::{Array, Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use domain::{IssueType, Severity, ValidatedIssue};
use std::time::Instant;
use testkit::TestEnv;

const DIM: usize = 384;
const CATEGORY: &str = "TIME_AND_ATTENDANCE";
const SUBCATEGORY: &str = "pto";

struct Synthetic {
    rng: fastrand::Rng,
    topics: Vec<Vec<f32>>,
}

impl Synthetic {
    fn new(topics: usize) -> Self {
        let mut s = Synthetic {
            rng: fastrand::Rng::with_seed(5),
            topics: Vec::new(),
        };
        s.topics = (0..topics).map(|_| s.noisy(&vec![0.0; DIM], 1.0)).collect();
        s
    }

    fn gaussian(&mut self) -> f32 {
        let (u, v) = (self.rng.f32().max(1e-9), self.rng.f32());
        (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
    }

    fn noisy(&mut self, base: &[f32], sigma: f32) -> Vec<f32> {
        let v: Vec<f32> = base.iter().map(|b| b + sigma * self.gaussian()).collect();
        let n = clustering::dot(&v, &v).sqrt();
        v.into_iter().map(|x| x / n).collect()
    }

    /// An issue of a random topic: (topic, vector). σ = 0.025 puts it at cosine ≈ 0.9 to its
    /// topic, ≈ 0.8 to another issue of the topic.
    fn issue(&mut self) -> (usize, Vec<f32>) {
        let t = self.rng.usize(..self.topics.len());
        let topic = self.topics[t].clone();
        (t, self.noisy(&topic, 0.025))
    }
}

fn literal(v: &[f32]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:.6}")).collect();
    format!("{{{}}}", parts.join(","))
}

fn rate(n: usize, secs: f64) -> String {
    format!("{n} in {secs:.2} s = {:.0}/s", n as f64 / secs)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (existing, topics, new) = if measuring {
        (100_000, 1_500, 200)
    } else {
        (3_000, 100, 50)
    };
    let mut data = Synthetic::new(topics);
    let vectors: Vec<(usize, Vec<f32>)> = (0..existing).map(|_| data.issue()).collect();
    let thresholds = Thresholds::default();
    let params = Params {
        join: thresholds.join,
        merge: thresholds.merge,
        consolidate_every: 0,
    };

    // In memory: the algorithm alone.
    let mut stream = Stream::new(params);
    let started = Instant::now();
    for (_, v) in &vectors {
        stream.add(v);
    }
    let build = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let merges = stream.consolidate();
    let consolidate_mem = started.elapsed().as_secs_f64();
    let extra: Vec<(usize, Vec<f32>)> = (0..new).map(|_| data.issue()).collect();
    let mut more = stream.clone();
    let started = Instant::now();
    for (_, v) in &extra {
        more.add(v);
    }
    let add_mem = started.elapsed().as_secs_f64();
    let clusters = stream.active();

    // PostgreSQL: the same clusters and issues loaded, then the service's own code measured.
    let env = TestEnv::new().await;
    let mut conn = env.infra.pool.get().await.unwrap();
    let labels = stream.labels();
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let started = Instant::now();
    let cluster_ids: Vec<uuid::Uuid> = {
        #[derive(diesel::QueryableByName)]
        struct Id {
            #[diesel(sql_type = SqlUuid)]
            id: uuid::Uuid,
        }
        let rows: Vec<Id> = diesel::sql_query(format!(
            "INSERT INTO issue_clusters (category, subcategory, cluster_name, named_from, name_terms) \
             SELECT '{CATEGORY}', '{SUBCATEGORY}', 'cluster ' || g, 10, ARRAY['topic'] \
             FROM generate_series(1, {k}) g ORDER BY g RETURNING id"
        ))
        .load(&mut conn)
        .await
        .unwrap();
        rows.into_iter().map(|r| r.id).collect()
    };
    for (chunk_no, chunk) in vectors.chunks(2_000).enumerate() {
        let base = chunk_no * 2_000;
        let embeddings: Vec<String> = chunk.iter().map(|(_, v)| literal(v)).collect();
        let summaries: Vec<String> = chunk
            .iter()
            .map(|(t, _)| format!("Topic {t} problem with word{t} and thing{}", t % 7))
            .collect();
        let clusters: Vec<uuid::Uuid> = (0..chunk.len())
            .map(|i| cluster_ids[labels[base + i]])
            .collect();
        let source_ids: Vec<String> = (0..chunk.len()).map(|i| format!("b{}", base + i)).collect();
        diesel::sql_query(format!(
            "WITH t AS ( \
                 INSERT INTO tickets (source, source_id, content_hash, analyzed_hash, ticket_created_at, \
                                      ticket_updated_at, customer_key) \
                 SELECT 'api', s, repeat('0', 64), repeat('0', 64), \
                        NOW() - (abs(hashtext(s)) % 30) * interval '1 day', NOW(), 'org' || (abs(hashtext(s)) % 500) \
                 FROM unnest($1::text[]) s RETURNING id, source_id) \
             INSERT INTO extracted_issues (ticket_id, category, subcategory, issue_type, severity, summary, \
                                           analyzer, embedding, embedding_model, cluster_id) \
             SELECT t.id, '{CATEGORY}', '{SUBCATEGORY}', 'bug', 'medium', x.summary, 'bench', \
                    x.embedding::real[], '{model}', x.cluster \
             FROM unnest($1::text[], $2::text[], $3::text[], $4::uuid[]) AS x(s, summary, embedding, cluster) \
             JOIN t ON t.source_id = x.s",
            model = embed::MODEL_NAME
        ))
        .bind::<Array<Text>, _>(&source_ids)
        .bind::<Array<Text>, _>(&summaries)
        .bind::<Array<Text>, _>(&embeddings)
        .bind::<Array<SqlUuid>, _>(&clusters)
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let load = started.elapsed().as_secs_f64();
    let started = Instant::now();
    cluster::recompute_stats(&mut conn, Utc::now(), None)
        .await
        .unwrap();
    let stats = started.elapsed().as_secs_f64();

    // New tickets, stored as the analyzer stores them (not timed), then placed as the
    // `cluster` job places them, one ticket at a time (timed).
    let mut new_tickets = Vec::new();
    for (i, (t, v)) in extra.iter().enumerate() {
        let tk = testkit::ticket(&format!("new{i}"), "s", &format!("text {i}"), Utc::now());
        let id = ticket::upsert(&mut conn, &tk).await.unwrap().id;
        let issue = ValidatedIssue {
            category: CATEGORY.into(),
            subcategory: SUBCATEGORY.into(),
            issue_type: IssueType::Bug,
            severity: Severity::Medium,
            summary: format!("Topic {t} problem with word{t}"),
            detail: None,
            representative_quote: None,
            confidence: None,
        };
        issue::record_analysis_with_embeddings(
            &mut conn,
            id,
            &tk.content_hash(),
            &[issue],
            Some(issue::Embeddings {
                model: embed::MODEL_NAME,
                vectors: std::slice::from_ref(v),
            }),
            issue::Provenance {
                analyzer: "bench",
                model: None,
            },
        )
        .await
        .unwrap();
        new_tickets.push(id);
    }
    // One clusterer process: its centroid cache lives across the jobs.
    let cache = clusterer::assign::CentroidCache::default();
    let started = Instant::now();
    let mut steps = [0.0f64; 4];
    for id in &new_tickets {
        let t0 = Instant::now();
        let pending = clusterer::job::pending(&mut conn, *id).await.unwrap();
        let vectors = clusterer::job::vectors_for(&mut conn, &pending, || None, embed::MODEL_NAME)
            .await
            .unwrap();
        steps[0] += t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let placement = Placement {
            method: Method::Embeddings,
            join: thresholds.join,
            model: embed::MODEL_NAME,
            vectors: &vectors,
            cache: &cache,
        };
        let touched = clusterer::assign::assign_issues(&mut conn, &pending, Utc::now(), placement)
            .await
            .unwrap();
        steps[1] += t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        cluster::recompute_stats(&mut conn, Utc::now(), Some(&touched))
            .await
            .unwrap();
        steps[2] += t0.elapsed().as_secs_f64();
    }
    eprintln!(
        "read {:.2} s, assign {:.2} s, stats {:.2} s",
        steps[0], steps[1], steps[2]
    );
    let place_db = started.elapsed().as_secs_f64();
    let (_, unclustered) = issue::counts(&mut conn).await.unwrap();
    assert_eq!(unclustered, 0, "every new issue placed");

    let mut passes = Vec::new();
    for _ in 0..2 {
        let started = Instant::now();
        let report = clusterer::consolidate::pass(
            &env.infra.pool,
            thresholds,
            &Namer::Offline,
            embed::MODEL_NAME,
            Utc::now(),
        )
        .await
        .unwrap();
        passes.push((started.elapsed().as_secs_f64(), report));
    }
    let (total, active) = cluster::counts(&mut conn).await.unwrap();

    println!(
        "| what ({existing} existing issues, {clusters} clusters, one subcategory) | result |"
    );
    println!("|---|---|");
    println!(
        "| in memory: build by incremental assignment | {} |",
        rate(existing, build)
    );
    println!("| in memory: consolidation ({merges} merges) | {consolidate_mem:.2} s |");
    println!("| in memory: new issues placed | {} |", rate(new, add_mem));
    println!(
        "| PostgreSQL: load {existing} issues (centroid triggers on) | {} |",
        rate(existing, load)
    );
    println!("| PostgreSQL: statistics of all {total} clusters (SQL aggregation) | {stats:.2} s |");
    println!(
        "| PostgreSQL: `cluster` job path, one ticket at a time | {} |",
        rate(new, place_db)
    );
    for (i, (secs, r)) in passes.iter().enumerate() {
        println!(
            "| PostgreSQL: consolidation pass {} ({} merged, {} split, {} named) | {secs:.2} s |",
            i + 1,
            r.merged,
            r.split,
            r.named
        );
    }
    println!("active clusters at the end: {active} of {total}");
}
