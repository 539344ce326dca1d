//! The analyzer service in-process with Claude behind a local fake Anthropic API: real queue,
//! real database.

use analysis::fallback::BreakerSettings;
use analyzer::batch::{BatchSettings, Batcher};
use analyzer::{ClaudeSettings, Settings};
use chrono::Utc;
use db::models::{analysis_run, claude_batch, issue, ticket};
use domain::TicketId;
use runtime::Secret;
use serde_json::json;
use std::time::Duration;
use testkit::fake_anthropic::{Answer, FakeAnthropic};
use testkit::{eventually, Running, TestEnv};

fn claude_settings(fake: &FakeAnthropic, failures: u32) -> ClaudeSettings {
    ClaudeSettings {
        api_key: Secret::new("sk-ant-test"),
        model: "claude-sonnet-5-5".into(),
        base_url: fake.url.clone(),
        max_tokens: 2048,
        timeout: Duration::from_secs(5),
        max_retries: 1,
        base_backoff: Duration::from_millis(5),
        breaker: BreakerSettings {
            failures,
            cooldown: Duration::from_secs(600),
        },
        batch: BatchSettings {
            threshold: 2,
            max_tickets: 100,
            poll_every: Duration::from_secs(3600),
        },
    }
}

fn spawn_with_claude(env: &TestEnv, claude: &ClaudeSettings) -> Running {
    spawn_on_port(env, claude, 0)
}

fn spawn_on_port(env: &TestEnv, claude: &ClaudeSettings, port: u16) -> Running {
    let mut common = env.settings();
    common.port = port;
    let settings = Settings {
        common,
        concurrency: 1,
        reconcile_every: Duration::from_secs(3600),
        reconcile_after: Duration::from_secs(3600),
        poll_interval: Duration::from_millis(50),
    };
    let analyzer = analyzer::default_analyzer(&env.infra, Some(claude), 1).unwrap();
    let infra = env.infra.clone();
    Running::spawn(|shutdown| analyzer::serve(settings, infra, analyzer, shutdown))
}

async fn queued_ticket(env: &TestEnv, id: &str) -> TicketId {
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = testkit::ticket(
        id,
        "Employees can't clock in",
        "Since Monday nobody can clock in from the Android app; the punch button does nothing. \
         Reach me at 916-555-0123.",
        Utc::now(),
    );
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    env.infra.queues.enqueue_analyze(id).await.unwrap();
    id
}

async fn issues_of(env: &TestEnv, id: TicketId) -> Vec<issue::IssueRow> {
    eventually("the ticket's issues", 30, || {
        let pool = env.infra.pool.clone();
        async move {
            let mut conn = pool.get().await.ok()?;
            let issues = issue::for_ticket(&mut conn, id).await.ok()?;
            (!issues.is_empty()).then_some(issues)
        }
    })
    .await
}

fn extraction(severity: &str) -> Answer {
    Answer::json(json!({"issues": [
        {"category": "TIME_AND_ATTENDANCE", "subcategory": "punch_in_out", "issue_type": "bug",
         "severity": severity, "summary": "Android clock-in button does nothing",
         "detail": "Nobody can clock in from the Android app since Monday.",
         "representative_quote": "the punch button does nothing", "confidence": 0.93},
        {"category": "PAYROLL", "subcategory": "pay_runs", "issue_type": "friction",
         "severity": "medium", "summary": "Hours must be re-entered before the pay run",
         "detail": null, "representative_quote": null, "confidence": 0.61}],
        "no_product_issue": false, "skip_reason": null}))
}

#[tokio::test(flavor = "multi_thread")]
async fn claudes_issues_are_stored_with_their_provenance_and_cost() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![extraction("high")], None);
    let id = queued_ticket(&env, "500").await;

    let running = spawn_with_claude(&env, &claude_settings(&fake, 3));
    let issues = issues_of(&env, id).await;
    running.stop().await;

    assert_eq!(issues.len(), 2);
    assert!(issues.iter().all(|i| i.analyzer == "claude"));
    assert!(issues
        .iter()
        .all(|i| i.model.as_deref() == Some("claude-sonnet-5-5")));
    let mut conn = env.infra.pool.get().await.unwrap();
    let runs = analysis_run::for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(
        (run.analyzer.as_str(), run.issues, run.outcome.as_str()),
        ("claude", 2, "issues")
    );
    assert_eq!(
        (
            run.input_tokens,
            run.output_tokens,
            run.cache_read_input_tokens,
            run.cache_creation_input_tokens
        ),
        (350, 120, 1500, 0)
    );
    assert!((run.cost_usd.unwrap() - 0.0022).abs() < 1e-12);
    let cost = analysis_run::cost_for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(
        (cost.runs, cost.input_tokens, cost.unpriced_runs),
        (1, 350, 0)
    );
    let days = analysis_run::cost_per_day(&mut conn, Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].analyzer, "claude");
    assert!((days[0].totals.cost_usd - 0.0022).abs() < 1e-12);
    let sent = fake.received();
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].contains("916-555-0123"), "PII left the process");
    assert!(sent[0].contains("[PHONE]"));
}

#[tokio::test(flavor = "multi_thread")]
async fn when_claude_keeps_failing_the_offline_analyzer_takes_over() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(
        vec![],
        Some(Answer::error(529, "overloaded_error", "Overloaded")),
    );
    let id = queued_ticket(&env, "600").await;

    let running = spawn_with_claude(&env, &claude_settings(&fake, 2));
    let issues = issues_of(&env, id).await;
    running.stop().await;

    assert!(
        issues.iter().all(|i| i.analyzer == offline_name(&env)),
        "{issues:?}"
    );
    assert_eq!(issues[0].subcategory, "punch_in_out");
    let mut conn = env.infra.pool.get().await.unwrap();
    let runs = analysis_run::for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].analyzer.as_str(), runs[0].cost_usd),
        (offline_name(&env), Some(0.0))
    );
    assert_eq!(
        fake.received().len(),
        4,
        "two failed job attempts, each tried twice"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_outside_the_taxonomy_ends_as_a_dead_job_with_the_error_on_the_ticket() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![], Some(extraction("catastrophic")));
    let id = queued_ticket(&env, "700").await;

    let running = spawn_with_claude(&env, &claude_settings(&fake, 3));
    eventually("the job to be dead", 40, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("analyze").await.ok()?.dead == 1).then_some(()) }
    })
    .await;
    running.stop().await;

    assert_eq!(
        fake.received().len(),
        analyzer::job::MAX_INVALID_OUTPUT_ATTEMPTS
    );
    let mut conn = env.infra.pool.get().await.unwrap();
    assert!(issue::for_ticket(&mut conn, id).await.unwrap().is_empty());
    // Every unusable answer was billed, so every one is a failed run with its tokens.
    let runs = analysis_run::for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(runs.len(), analyzer::job::MAX_INVALID_OUTPUT_ATTEMPTS);
    for run in &runs {
        assert_eq!(
            (run.outcome.as_str(), run.issues, run.analyzer.as_str()),
            ("failed", 0, "claude")
        );
        assert_eq!((run.input_tokens, run.output_tokens), (350, 120));
        assert!(run.error.as_deref().unwrap().contains("catastrophic"));
    }
    let cost = analysis_run::cost_for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(
        (cost.runs, cost.failed_runs, cost.input_tokens),
        (3, 3, 1050)
    );
    assert!((cost.cost_usd - 3.0 * 0.0022).abs() < 1e-12, "{cost:?}");
    let row = ticket::find(&mut conn, id).await.unwrap().unwrap();
    assert!(!row.is_analyzed());
    assert!(row.analysis_error.unwrap().contains("catastrophic"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_ticket_is_dead_at_once_with_the_reason() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![], Some(Answer::message("", "refusal")));
    let id = queued_ticket(&env, "800").await;

    let running = spawn_with_claude(&env, &claude_settings(&fake, 3));
    eventually("the job to be dead", 20, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("analyze").await.ok()?.dead == 1).then_some(()) }
    })
    .await;
    running.stop().await;

    assert_eq!(fake.received().len(), 1, "a refusal is not retried");
    let mut conn = env.infra.pool.get().await.unwrap();
    let runs = analysis_run::for_ticket(&mut conn, id).await.unwrap();
    assert_eq!(runs.len(), 1, "the refused answer was billed");
    assert_eq!(
        (runs[0].outcome.as_str(), runs[0].output_tokens),
        ("failed", 120)
    );
    let row = ticket::find(&mut conn, id).await.unwrap().unwrap();
    assert!(row.analysis_error.unwrap().contains("refused"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_spend_limit_is_reported_in_the_health_detail_and_tickets_still_flow() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![Answer::spend_limit()], Some(extraction("high")));
    let analyzer =
        analyzer::default_analyzer(&env.infra, Some(&claude_settings(&fake, 3)), 1).unwrap();
    assert_eq!(
        analyzer::health_detail(analyzer.as_ref())["analyzer"]["status"],
        "ok"
    );

    let t = testkit::ticket(
        "900",
        "Clock in",
        "Nobody can clock in from the Android app.",
        Utc::now(),
    );
    let run = analyzer.analyze_run(&t).await.unwrap();

    assert_eq!(run.analyzer, offline_name(&env));
    let detail = analyzer::health_detail(analyzer.as_ref());
    assert_eq!(detail["analyzer"]["name"], "claude");
    assert_eq!(detail["analyzer"]["status"], "degraded");
    let why = detail["analyzer"]["detail"].as_str().unwrap();
    assert!(
        why.contains("spend limit") && why.contains(offline_name(&env)),
        "{why}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_api_key_the_offline_analyzer_is_used() {
    let env = TestEnv::new().await;
    let analyzer = analyzer::default_analyzer(&env.infra, None, 1).unwrap();
    assert_eq!(analyzer.name(), offline_name(&env));
    assert_eq!(
        analyzer::health_detail(analyzer.as_ref())["analyzer"]["status"],
        "ok"
    );
}

fn batch_object(status: &str, url: &str) -> Answer {
    let ended = status == "ended";
    Answer {
        status: 200,
        headers: vec![],
        body: json!({
            "id": "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d",
            "type": "message_batch",
            "processing_status": status,
            "request_counts": {"processing": if ended {0} else {3}, "succeeded": if ended {2} else {0},
                               "errored": if ended {1} else {0}, "canceled": 0, "expired": 0},
            "ended_at": if ended { json!("2026-11-23T15:00:00Z") } else { json!(null) },
            "created_at": "2026-11-23T14:00:00Z",
            "expires_at": "2026-11-24T14:00:00Z",
            "archived_at": null,
            "cancel_initiated_at": null,
            "results_url": if ended {
                json!(format!("{url}/v1/messages/batches/msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d/results"))
            } else { json!(null) }
        })
        .to_string(),
    }
}

fn succeeded_line(id: TicketId, answer: &Answer) -> String {
    let message: serde_json::Value = serde_json::from_str(&answer.body).unwrap();
    json!({"custom_id": id.0.to_string(), "result": {"type": "succeeded", "message": message}})
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_over_the_threshold_goes_through_a_batch_that_a_restarted_analyzer_applies() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![], None);
    let claude = claude_settings(&fake, 3);
    let ids = [
        queued_ticket(&env, "1001").await,
        queued_ticket(&env, "1002").await,
        queued_ticket(&env, "1003").await,
    ];
    let batcher = || Batcher {
        pool: env.infra.pool.clone(),
        queues: env.infra.queues.clone(),
        taxonomy: env.infra.taxonomy.clone(),
        claude: analyzer::build_claude(&env.infra, &claude, 2).unwrap(),
        settings: claude.batch,
    };

    // Three tickets waiting, threshold two: one batch holding all three.
    fake.push(batch_object("in_progress", &fake.url));
    batcher()
        .submit()
        .await
        .unwrap()
        .expect("a batch was created");
    let sent = fake.received();
    assert!(sent[0].starts_with("/v1/messages/batches {"));
    for id in ids {
        assert!(sent[0].contains(&id.0.to_string()));
    }
    assert!(
        !sent[0].contains("916-555-0123"),
        "batch requests are scrubbed too"
    );
    assert_eq!(
        batcher().submit().await.unwrap(),
        None,
        "held tickets are not sent twice"
    );
    assert_eq!(
        analyzer::reconcile::pass(&env.infra.pool, &env.infra.queues, Duration::ZERO)
            .await
            .unwrap(),
        0,
        "the reconciler leaves tickets held by a batch alone"
    );

    // Their queued jobs defer to the batch: no Claude call, no issues.
    let running = spawn_with_claude(&env, &claude);
    eventually("the three jobs to finish", 30, || {
        let queues = env.infra.queues.clone();
        async move { (queues.depth("analyze").await.ok()?.done == 3).then_some(()) }
    })
    .await;
    running.stop().await;
    assert_eq!(fake.received().len(), 1);
    let mut conn = env.infra.pool.get().await.unwrap();
    for id in ids {
        assert!(issue::for_ticket(&mut conn, id).await.unwrap().is_empty());
    }

    // A fresh batcher (a restarted analyzer) resumes the batch from the database.
    fake.push(batch_object("in_progress", &fake.url));
    assert_eq!(batcher().poll().await.unwrap(), 0);
    let errored = json!({"custom_id": ids[2].0.to_string(), "result": {"type": "errored",
        "error": {"type": "error", "error": {"type": "api_error", "message": "Internal server error"}}}});
    fake.push(batch_object("ended", &fake.url));
    fake.push(Answer {
        status: 200,
        headers: vec![],
        body: format!(
            "{}\n{}\n{}\n",
            succeeded_line(ids[0], &extraction("high")),
            succeeded_line(ids[1], &extraction("catastrophic")),
            errored
        ),
    });
    assert_eq!(batcher().poll().await.unwrap(), 1);

    let issues = issue::for_ticket(&mut conn, ids[0]).await.unwrap();
    assert_eq!(issues.len(), 2);
    assert!(issues.iter().all(|i| i.analyzer == "claude"));
    let runs = analysis_run::for_ticket(&mut conn, ids[0]).await.unwrap();
    assert!(runs[0].batch);
    assert!(
        (runs[0].cost_usd.unwrap() - 0.0011).abs() < 1e-12,
        "half price"
    );
    let wasted = analysis_run::for_ticket(&mut conn, ids[1]).await.unwrap();
    assert_eq!(wasted.len(), 1, "the invalid batch answer was billed");
    assert_eq!(
        (wasted[0].outcome.as_str(), wasted[0].batch),
        ("failed", true)
    );
    assert!((wasted[0].cost_usd.unwrap() - 0.0011).abs() < 1e-12);
    assert!(analysis_run::for_ticket(&mut conn, ids[2])
        .await
        .unwrap()
        .is_empty());
    for id in &ids[1..] {
        assert!(issue::for_ticket(&mut conn, *id).await.unwrap().is_empty());
        let hash = ticket::find(&mut conn, *id)
            .await
            .unwrap()
            .unwrap()
            .content_hash;
        assert!(!claude_batch::holds(&mut conn, *id, &hash).await.unwrap());
    }
    let depth = env.infra.queues.depth("analyze").await.unwrap();
    assert_eq!(
        depth.pending, 2,
        "the invalid and the errored ticket go one by one"
    );
    assert_eq!(env.infra.queues.depth("cluster").await.unwrap().pending, 1);
    assert_eq!(
        batcher().poll().await.unwrap(),
        0,
        "an applied batch is done"
    );
    assert_eq!(claude_batch::unfinished(&mut conn).await.unwrap().len(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn health_says_why_claude_is_off_while_tickets_keep_flowing() {
    let env = TestEnv::new().await;
    let fake = FakeAnthropic::start(vec![Answer::spend_limit()], None);
    let id = queued_ticket(&env, "1100").await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    let running = spawn_on_port(&env, &claude_settings(&fake, 3), port);
    let issues = issues_of(&env, id).await;
    let body: serde_json::Value = reqwest::get(format!("http://127.0.0.1:{port}/health"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    running.stop().await;

    assert_eq!(issues[0].analyzer, offline_name(&env));
    assert_eq!(
        body["status"], "ok",
        "a degraded analyzer is not an unhealthy service"
    );
    assert_eq!(body["analyzer"]["status"], "degraded");
    let why = body["analyzer"]["detail"].as_str().unwrap();
    assert!(why.contains("spend limit"), "{why}");
    assert_eq!(fake.received().len(), 1);
}

/// The offline analyzer this machine runs: the embedding analyzer when the model files are
/// present (`make test` fetches them), the keyword analyzer otherwise.
fn offline_name(env: &TestEnv) -> &'static str {
    analyzer::offline_analyzer(&env.infra).name()
}
