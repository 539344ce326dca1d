//! `make faults`: the pipeline under fire. On a PostgreSQL and a Redis of its own, it imports a
//! backfill of tickets (offline analyzer) and meanwhile SIGKILLs the analyzer and the clusterer
//! at random moments (restarting them), crashes and restarts Redis and PostgreSQL once; then it
//! runs a second backfill through Claude — a local fake that answers 429, 529, 500 and malformed
//! JSON for stretches of time — retries whatever died, and checks the invariants of
//! `faults::check` after each. Exits non-zero with the violations when one does not hold.

use anyhow::{bail, Context as _};
use clap::Parser;
use fastrand::Rng;
use faults::check::{self, Settled, CLAUDE_ISSUES_PER_TICKET};
use faults::pipeline::Pipeline;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(about = "Fault-injection suite: kills, restarts and a failing Claude during backfills")]
struct Args {
    /// Tickets in the offline backfill.
    #[arg(long, default_value_t = 20_000)]
    tickets: usize,
    /// SIGKILLs of the analyzer, and as many of the clusterer, during the offline backfill.
    #[arg(long, default_value_t = 10)]
    kills: usize,
    /// Redis with an append-only file (as deployed) or with no persistence at all.
    #[arg(long, value_enum, default_value_t = Persistence::Both)]
    redis: Persistence,
    /// Tickets in the backfill through the failing fake Claude (0 skips it).
    #[arg(long, default_value_t = 1_000)]
    claude_tickets: usize,
    /// Random seed (the moments of the kills); printed so a failing run can be repeated.
    #[arg(long)]
    seed: Option<u64>,
    /// Give up waiting for the pipeline to settle after this many seconds.
    #[arg(long, default_value_t = 1_800)]
    settle_secs: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Persistence {
    On,
    Off,
    Both,
}

/// One run's figures, printed as a row of the final table.
struct Row {
    scenario: String,
    tickets: usize,
    seconds: f64,
    kills: String,
    restarts: String,
    settled: Settled,
    retried_dead: usize,
    violations: Vec<String>,
}

/// The offline backfill with kills and infrastructure restarts.
async fn offline_run(args: &Args, persistent: bool, rng: &mut Rng) -> anyhow::Result<Row> {
    let mode = if persistent { "AOF" } else { "no persistence" };
    println!(
        "== offline backfill of {} tickets, Redis with {mode}",
        args.tickets
    );
    let mut p = Pipeline::start(persistent, &[]).await?;
    let mut analyzer = p.service("analyzer");
    let mut clusterer = p.service("clusterer");
    analyzer.start()?;
    clusterer.start()?;

    let started = Instant::now();
    let mut import = p.import(args.tickets)?;

    // The kills, the Redis crash and the PostgreSQL crash happen when analysis passes random
    // points of its progress, so they land across the whole backfill whatever its speed.
    let total_events = 2 * args.kills + 2;
    let mut points: Vec<f64> = (0..total_events).map(|_| 0.03 + 0.87 * rng.f64()).collect();
    points.sort_by(f64::total_cmp);
    let mut events: Vec<&str> = std::iter::repeat_n("analyzer", args.kills)
        .chain(std::iter::repeat_n("clusterer", args.kills))
        .chain(["redis", "postgres"])
        .collect();
    rng.shuffle(&mut events);

    let mut next = 0;
    let mut import_done = false;
    while next < events.len() {
        if !import_done {
            if let Some(status) = import.try_wait()? {
                if !status.success() {
                    bail!("ingest import failed: {status}");
                }
                import_done = true;
            }
        }
        let done = match p.progress().await {
            Ok((_, done, _, _)) => done as f64 / args.tickets as f64,
            Err(_) => 0.0,
        };
        if done >= points[next] {
            let what = events[next];
            let pause = Duration::from_millis(rng.u64(0..1_500));
            match what {
                "analyzer" => {
                    analyzer.kill9()?;
                    tokio::time::sleep(pause).await;
                    analyzer.start()?;
                }
                "clusterer" => {
                    clusterer.kill9()?;
                    tokio::time::sleep(pause).await;
                    clusterer.start()?;
                }
                "redis" => p.redis.crash_and_restart(pause)?,
                _ => p.pg.crash_and_restart(pause)?,
            }
            println!(
                "  {:>5.1}s at {:>4.1}% analyzed: {what} {}",
                started.elapsed().as_secs_f64(),
                done * 100.0,
                if what == "analyzer" || what == "clusterer" {
                    "SIGKILLed and restarted"
                } else {
                    "crashed and restarted"
                }
            );
            next += 1;
        } else {
            analyzer.sample_memory();
            clusterer.sample_memory();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        if !analyzer.running() || !clusterer.running() {
            bail!(
                "a service exited on its own; logs in {}:\n{}",
                p.logs.display(),
                tail_logs(&p.logs)
            );
        }
    }
    if !import.wait()?.success() {
        bail!("ingest import failed");
    }
    let limit = Duration::from_secs(args.settle_secs);
    p.settle(args.tickets, limit, &mut [&mut analyzer, &mut clusterer])
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let settled = check::settled(&p.pool, &p.queues, &domain::Taxonomy::default()).await?;
    let violations = settled.violations(args.tickets);
    analyzer.stop()?;
    clusterer.stop()?;
    if violations.is_empty() {
        let _ = std::fs::remove_dir_all(&p.logs);
    } else {
        eprintln!("logs of the failed run: {}", p.logs.display());
    }
    Ok(Row {
        scenario: format!("offline, Redis {mode}"),
        tickets: args.tickets,
        seconds,
        kills: format!("analyzer {}, clusterer {}", analyzer.kills, clusterer.kills),
        restarts: "Redis 1, PostgreSQL 1".into(),
        settled,
        retried_dead: 0,
        violations,
    })
}

/// What the fake Claude does at a given moment.
#[derive(Debug, Clone, Copy)]
#[repr(u8)]
enum Mood {
    Fine = 0,
    RateLimited = 1,
    Overloaded = 2,
    Broken = 3,
    Malformed = 4,
}

/// A fake Anthropic Messages API whose mood changes over time: valid extractions (one issue
/// per ticket), or 429 with retry-after, 529, 500, or a 200 whose text is not the JSON asked for.
fn start_fake_claude(mood: Arc<AtomicU8>) -> anyhow::Result<String> {
    use actix_web::{web, App, HttpResponse, HttpServer};
    use testkit::fake_anthropic::Answer;
    let taxonomy = domain::Taxonomy::default();
    let (category, sub) = taxonomy.pairs().next().context("empty taxonomy")?;
    let valid = serde_json::json!({
        "issues": [{
            "category": category.key, "subcategory": sub.key, "issue_type": "bug",
            "severity": "high", "summary": "Employees cannot clock in from the app",
            "detail": "Reported during a fault-injection run.", "representative_quote": null,
            "confidence": 0.9
        }],
        "no_product_issue": false, "skip_reason": null
    });
    assert_eq!(
        valid["issues"].as_array().map(Vec::len),
        Some(CLAUDE_ISSUES_PER_TICKET)
    );
    let respond = move |mood: web::Data<AtomicU8>| {
        let valid = valid.clone();
        async move {
            let answer = match mood.load(Ordering::Relaxed) {
                0 => Answer::json(valid),
                1 => {
                    let mut a = Answer::error(
                        429,
                        "rate_limit_error",
                        "Number of request tokens has exceeded your per-minute rate limit",
                    );
                    a.headers.push(("retry-after".into(), "1".into()));
                    a
                }
                2 => Answer::error(529, "overloaded_error", "Overloaded"),
                3 => Answer::error(500, "api_error", "Internal server error"),
                _ => Answer::message("{\"issues\": [{\"category\": \"PAYROLL\"", "end_turn"),
            };
            let mut resp = HttpResponse::build(
                actix_web::http::StatusCode::from_u16(answer.status).expect("valid status"),
            );
            for (k, v) in answer.headers {
                resp.insert_header((k, v));
            }
            resp.content_type("application/json").body(answer.body)
        }
    };
    let data = web::Data::from(mood);
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .default_service(web::to(respond.clone()))
    })
    .workers(2)
    .disable_signals()
    .bind(("127.0.0.1", 0))?;
    let url = format!("http://{}", server.addrs()[0]);
    tokio::spawn(server.run());
    Ok(url)
}

/// The backfill through a failing Claude, with two analyzer kills; dead jobs are retried once
/// Claude is well again.
async fn claude_run(args: &Args, rng: &mut Rng) -> anyhow::Result<Row> {
    let n = args.claude_tickets;
    println!("== backfill of {n} tickets through a fake Claude that fails in stretches");
    let mood = Arc::new(AtomicU8::new(Mood::Fine as u8));
    let url = start_fake_claude(mood.clone())?;
    let env = [
        ("ANTHROPIC_API_KEY", "sk-ant-faults".to_string()),
        ("ANTHROPIC_BASE_URL", url),
        ("ANTHROPIC_MAX_RETRIES", "2".to_string()),
        ("ANTHROPIC_TIMEOUT_SECS", "5".to_string()),
        ("CLAUDE_BREAKER_FAILURES", "5".to_string()),
        ("CLAUDE_BREAKER_COOLDOWN_SECS", "3".to_string()),
        // One Messages call per ticket: the stretches of failure are what is tested here (the
        // Message Batches path has its own tests against the fake).
        ("CLAUDE_BATCH_THRESHOLD", "1000000000".to_string()),
    ];
    let p = Pipeline::start(true, &env).await?;
    let mut analyzer = p.service("analyzer");
    let mut clusterer = p.service("clusterer");
    analyzer.start()?;
    clusterer.start()?;
    let started = Instant::now();
    let mut import = p.import(n)?;

    // Malformed answers early and long enough for tickets to run out of attempts (dead jobs an
    // operator must retry), then each kind of API failure for a random stretch.
    let moods = [
        (Mood::Fine, 1_000..2_000),
        (Mood::Malformed, 6_000..8_000),
        (Mood::Fine, 2_000..4_000),
        (Mood::RateLimited, 2_000..5_000),
        (Mood::Fine, 2_000..4_000),
        (Mood::Overloaded, 2_000..5_000),
        (Mood::Broken, 2_000..5_000),
        (Mood::Fine, 1_000..2_000),
    ];
    for (i, (m, millis)) in moods.into_iter().enumerate() {
        mood.store(m as u8, Ordering::Relaxed);
        println!("  {:>5.1}s Claude: {m:?}", started.elapsed().as_secs_f64());
        tokio::time::sleep(Duration::from_millis(rng.u64(millis))).await;
        if i == 2 || i == 5 {
            analyzer.kill9()?;
            analyzer.start()?;
            println!(
                "  {:>5.1}s analyzer SIGKILLed and restarted",
                started.elapsed().as_secs_f64()
            );
        }
        analyzer.sample_memory();
    }
    mood.store(Mood::Fine as u8, Ordering::Relaxed);
    if !import.wait()?.success() {
        bail!("ingest import failed");
    }

    // Whatever ran out of attempts during the malformed stretch is dead, with its error, until
    // an operator retries it: do what the ops API's retry does.
    let limit = Duration::from_secs(args.settle_secs);
    let _ = p
        .settle(
            n,
            Duration::from_secs(30),
            &mut [&mut analyzer, &mut clusterer],
        )
        .await;
    let mut retried = 0;
    for queue in domain::jobs::ALL_QUEUES {
        for job in p.queues.jobs(queue, queue::JobState::Dead, 10_000).await? {
            if job.error.as_deref().unwrap_or_default().is_empty() {
                bail!("dead job {} on {queue} has no error", job.id);
            }
            if p.queues.retry_dead(queue, &job.id).await? {
                retried += 1;
            }
        }
    }
    if retried == 0 {
        bail!(
            "the malformed stretch left no dead job to retry: the suite tested less than it says"
        );
    }
    p.settle(n, limit, &mut [&mut analyzer, &mut clusterer])
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let settled = check::settled(&p.pool, &p.queues, &domain::Taxonomy::default()).await?;
    let violations = settled.violations(n);
    analyzer.stop()?;
    clusterer.stop()?;
    Ok(Row {
        scenario: "Claude failing in stretches (429, 529, 500, malformed)".into(),
        tickets: n,
        seconds,
        kills: format!("analyzer {}", analyzer.kills),
        restarts: "none".into(),
        settled,
        retried_dead: retried,
        violations,
    })
}

/// The last lines of every service log in `dir`.
fn tail_logs(dir: &std::path::Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        out.push_str(&format!("--- {}\n", entry.path().display()));
        for l in &lines[lines.len().saturating_sub(8)..] {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(|| fastrand::u64(..));
    println!("seed {seed} (repeat with --seed {seed})");
    let mut rng = Rng::with_seed(seed);
    for bin in ["ingest", "analyzer", "clusterer"] {
        let path = faults::bin_dir().join(bin);
        if !path.is_file() {
            bail!(
                "{} is missing: build the services first (make build)",
                path.display()
            );
        }
    }

    let mut rows = Vec::new();
    let modes: &[bool] = match args.redis {
        Persistence::On => &[true],
        Persistence::Off => &[false],
        Persistence::Both => &[true, false],
    };
    for &persistent in modes {
        rows.push(offline_run(&args, persistent, &mut rng).await?);
    }
    if args.claude_tickets > 0 {
        rows.push(claude_run(&args, &mut rng).await?);
    }

    println!();
    println!("| scenario | tickets | seconds | kills | restarts | issues | clusters | dead retried | result |");
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut failed = false;
    for r in &rows {
        let result = if r.violations.is_empty() {
            "all invariants hold".to_string()
        } else {
            failed = true;
            r.violations.join("; ")
        };
        println!(
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            r.scenario,
            r.tickets,
            r.seconds,
            r.kills,
            r.restarts,
            r.settled.issues,
            r.settled.clusters,
            r.retried_dead,
            result
        );
    }
    if failed {
        bail!("invariants violated (seed {seed})");
    }
    Ok(())
}
