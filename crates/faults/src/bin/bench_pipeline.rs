//! `make bench-pipeline`: the offline pipeline end to end — a ticket file imported by `ingest
//! import`, analyzed by the analyzer service, clustered by the clusterer service, with the api
//! service answering dashboard reads meanwhile — timed from the start of the import until every
//! ticket is analyzed and every issue clustered, with each service's peak memory (VmHWM). The
//! baseline is the same pipeline working one job at a time (concurrency 1 everywhere).

use anyhow::Context as _;
use clap::Parser;
use faults::pipeline::Pipeline;
use faults::service::{peak_rss_kib, Service};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Offline pipeline throughput and per-service peak memory")]
struct Args {
    /// Tickets through the keyword analyzer (and through the baseline).
    #[arg(long, default_value_t = 10_000)]
    tickets: usize,
    /// Tickets through the embedding analyzer (0 skips it; needs `make model`).
    #[arg(long, default_value_t = 2_000)]
    embedding_tickets: usize,
    /// Tickets through the embedding analyzer on the distilled static table
    /// (`EMBEDDING_KIND=static`; 0 skips it; needs `make model`).
    #[arg(long, default_value_t = 10_000)]
    static_tickets: usize,
    /// Give up after this many seconds per run.
    #[arg(long, default_value_t = 3_600)]
    limit_secs: u64,
}

struct Run {
    name: String,
    tickets: usize,
    seconds: f64,
    peaks_mib: [f64; 4],
}

/// Hits the dashboard's main reads once a second until aborted (so the api's memory is that
/// of a serving process, not an idle one).
async fn dashboard_reads(port: u16, token: String) {
    let http = reqwest::Client::new();
    loop {
        for path in [
            "/api/clusters?per_page=50",
            "/api/issues/summary?days=30",
            "/api/issues",
        ] {
            let _ = http
                .get(format!("http://127.0.0.1:{port}{path}"))
                .bearer_auth(&token)
                .send()
                .await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn run(
    name: &str,
    tickets: usize,
    env: &[(&str, String)],
    limit: Duration,
) -> anyhow::Result<Run> {
    println!("== {name}: {tickets} tickets");
    let p = Pipeline::start(true, env).await?;
    let mut analyzer = p.service("analyzer");
    let mut clusterer = p.service("clusterer");
    let mut api = p.service("api");
    let api_port: u16 = api_port(&api);
    analyzer.start()?;
    clusterer.start()?;
    api.start()?;
    faults::infra::wait_for_port(api_port, Duration::from_secs(120))?;
    let token = token(&p)?;
    let reads = tokio::spawn(dashboard_reads(api_port, token));

    let started = Instant::now();
    let mut import = p.import(tickets)?;
    let mut ingest_peak = 0u64;
    while import.try_wait()?.is_none() {
        ingest_peak = ingest_peak.max(peak_rss_kib(import.id()).unwrap_or(0));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    p.settle(
        tickets,
        limit,
        &mut [&mut analyzer, &mut clusterer, &mut api],
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    reads.abort();
    for s in [&mut analyzer, &mut clusterer, &mut api] {
        s.stop()?;
    }
    let mib = |kib: u64| kib as f64 / 1024.0;
    Ok(Run {
        name: name.to_string(),
        tickets,
        seconds,
        peaks_mib: [
            mib(ingest_peak),
            mib(analyzer.peak_rss_kib),
            mib(clusterer.peak_rss_kib),
            mib(api.peak_rss_kib),
        ],
    })
}

fn api_port(api: &Service) -> u16 {
    api.env_value("PORT")
        .and_then(|p| p.parse().ok())
        .expect("the service has a PORT")
}

/// A read token for the dashboard reads, made with the api's own command.
fn token(p: &Pipeline) -> anyhow::Result<String> {
    let out = std::process::Command::new(faults::bin_dir().join("api"))
        .args(["token", "create", "--name", "bench", "--scope", "read"])
        .envs(p.env.iter().map(|(k, v)| (k, v)))
        .output()
        .context("api token create")?;
    anyhow::ensure!(out.status.success(), "api token create failed");
    Ok(String::from_utf8(out.stdout)?.trim().to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let limit = Duration::from_secs(args.limit_secs);
    let keywords = [("EMBEDDING_MODEL_DIR", "/nonexistent".to_string())];
    let mut runs = vec![
        run(
            "baseline: keyword analyzer, one job at a time",
            args.tickets,
            &[
                keywords[0].clone(),
                ("ANALYZER_CONCURRENCY", "1".into()),
                ("CLUSTERER_CONCURRENCY", "1".into()),
            ],
            limit,
        )
        .await?,
        run(
            "keyword analyzer, default concurrency",
            args.tickets,
            &keywords,
            limit,
        )
        .await?,
    ];
    let model = embed::model_dir_from_env();
    let dir = ("EMBEDDING_MODEL_DIR", model.display().to_string());
    if args.static_tickets > 0 {
        anyhow::ensure!(
            model.join(embed::distilled::FILE).is_file(),
            "the static table is missing in {} (make model)",
            model.display()
        );
        runs.push(
            run(
                "embedding analyzer on the static table, default concurrency",
                args.static_tickets,
                &[dir.clone(), ("EMBEDDING_KIND", "static".into())],
                limit,
            )
            .await?,
        );
    }
    if args.embedding_tickets > 0 {
        anyhow::ensure!(
            embed::model_present(&model),
            "the embedding model is missing in {} (make model)",
            model.display()
        );
        let dir = [dir];
        runs.push(
            run(
                "embedding analyzer, default concurrency",
                args.embedding_tickets,
                &dir,
                limit,
            )
            .await?,
        );
    }

    let base = runs[0].tickets as f64 / runs[0].seconds;
    println!();
    println!("| run | tickets | seconds | tickets/s | vs baseline | peak MiB ingest / analyzer / clusterer / api |");
    println!("|---|---|---|---|---|---|");
    for r in &runs {
        let rate = r.tickets as f64 / r.seconds;
        let [i, a, c, p] = r.peaks_mib;
        println!(
            "| {} | {} | {:.1} | {:.0} | {:.1}× | {i:.0} / {a:.0} / {c:.0} / {p:.0} |",
            r.name,
            r.tickets,
            r.seconds,
            rate,
            rate / base
        );
    }
    println!(
        "goals: ≥ 150 tickets/s; < 150 MiB per service, < 400 MiB for the analyzer with its model"
    );
    Ok(())
}
