//! The Claude analyzer and its fallback against a local fake Anthropic API.

use analysis::claude::{ClaudeAnalyzer, ClusterIssue};
use analysis::fallback::{BreakerSettings, FallbackAnalyzer};
use analysis::offline::KeywordAnalyzer;
use analysis::{Analyzer, AnalyzerError, RunFailure};
use anthropic::{Client, Config};
use chrono::Utc;
use domain::Taxonomy;
use runtime::Secret;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use testkit::fake_anthropic::{Answer, FakeAnthropic};

fn claude(fake: &FakeAnthropic) -> ClaudeAnalyzer {
    let mut config = Config::new(Secret::new("sk-ant-test"));
    config.base_url = fake.url.clone();
    config.max_retries = 1;
    config.base_backoff = Duration::from_millis(5);
    let client = Client::new(config).unwrap();
    ClaudeAnalyzer::new(client, Taxonomy::default(), "claude-sonnet-5-5", 2048)
}

fn ticket() -> domain::IncomingTicket {
    testkit::ticket(
        "7",
        "Android clock-in broken",
        "Since the update nobody can clock in from Android. Call me on 916-555-0123.",
        Utc::now(),
    )
}

fn punch_issue(severity: &str) -> serde_json::Value {
    json!({"issues": [{
        "category": "TIME_AND_ATTENDANCE", "subcategory": "punch_in_out",
        "issue_type": "bug", "severity": severity,
        "summary": "Android clock-in fails after the update",
        "detail": null, "representative_quote": "nobody can clock in from Android",
        "confidence": 0.9}],
        "no_product_issue": false, "skip_reason": null})
}

#[tokio::test]
async fn an_answer_becomes_a_run_with_its_usage_and_cost() {
    let fake = FakeAnthropic::start(vec![Answer::json(punch_issue("high"))], None);
    let run = claude(&fake).extract(&ticket()).await.unwrap();

    assert_eq!(run.analyzer, "claude");
    assert_eq!(run.model.as_deref(), Some("claude-sonnet-5-5"));
    assert_eq!(run.outcome.issues[0].subcategory, "punch_in_out");
    let usage = run.usage.unwrap();
    assert_eq!(
        (
            usage.input_tokens,
            usage.output_tokens,
            usage.cache_read_input_tokens
        ),
        (350, 120, 1500)
    );
    // 350 × $2 + 120 × $10 + 1500 × $0.20 per million tokens
    assert!(
        (usage.cost_usd.unwrap() - 0.0022).abs() < 1e-12,
        "{usage:?}"
    );
    let sent = &fake.received()[0];
    assert!(sent.starts_with("/v1/messages {"));
    assert!(sent.contains("\"json_schema\""));
    assert!(
        !sent.contains("916-555-0123") && !sent.contains("user7@acme-7.com"),
        "{sent}"
    );
}

#[tokio::test]
async fn an_answer_outside_the_taxonomy_or_not_json_is_invalid_output() {
    let fake = FakeAnthropic::start(
        vec![
            Answer::json(punch_issue("catastrophic")),
            Answer::message("Sure! Here are the issues:", "end_turn"),
            Answer::message("{\"issues\": [", "max_tokens"),
        ],
        None,
    );
    let claude = claude(&fake);
    for expected in ["catastrophic", "not the extraction JSON", "max_tokens"] {
        match claude.extract(&ticket()).await {
            Err(RunFailure {
                error: AnalyzerError::InvalidOutput(e),
                paid: Some(paid),
            }) => {
                assert!(e.contains(expected), "{e}");
                // The unusable answer was billed: its usage comes with the failure.
                assert_eq!(
                    (paid.analyzer.as_str(), paid.model.as_deref()),
                    ("claude", Some("claude-sonnet-5-5"))
                );
                assert_eq!(
                    (paid.usage.input_tokens, paid.usage.output_tokens),
                    (350, 120)
                );
                assert!((paid.usage.cost_usd.unwrap() - 0.0022).abs() < 1e-12);
            }
            other => panic!("expected a paid invalid output mentioning {expected}, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_failure_before_any_answer_reports_nothing_paid() {
    let fake = FakeAnthropic::start(
        vec![],
        Some(Answer::error(400, "invalid_request_error", "bad")),
    );
    let failure = claude(&fake).extract(&ticket()).await.unwrap_err();
    assert!(
        matches!(failure.error, AnalyzerError::Permanent(_)),
        "{failure:?}"
    );
    assert_eq!(failure.paid, None);
}

#[tokio::test]
async fn a_refusal_is_permanent_for_the_ticket_but_does_not_disable_claude() {
    let fake = FakeAnthropic::start(vec![Answer::message("", "refusal")], None);
    let claude = claude(&fake);
    let err = claude.extract(&ticket()).await.unwrap_err();
    assert!(
        matches!(&err.error, AnalyzerError::Permanent(e) if e.contains("refused")),
        "{err:?}"
    );
    assert_eq!(
        err.paid.map(|p| p.usage.output_tokens),
        Some(120),
        "a refusal is billed"
    );
    assert_eq!(claude.disabled_reason(), None);
}

#[tokio::test]
async fn the_spend_limit_switches_to_the_offline_analyzer_and_says_why() {
    let fake = FakeAnthropic::start(
        vec![Answer::spend_limit()],
        Some(Answer::json(punch_issue("high"))),
    );
    let fallback = FallbackAnalyzer::new(
        Arc::new(claude(&fake)),
        Arc::new(KeywordAnalyzer::new(Taxonomy::default())),
        BreakerSettings::default(),
    );
    assert_eq!(fallback.status(), None);

    let first = fallback.analyze_run(&ticket()).await.unwrap();
    let second = fallback.analyze_run(&ticket()).await.unwrap();

    assert_eq!(first.analyzer, "offline-keywords");
    assert_eq!(second.analyzer, "offline-keywords");
    assert_eq!(fake.received().len(), 1, "the spend limit is never retried");
    let status = fallback.status().unwrap();
    assert!(status.contains("spend limit"), "{status}");
    assert!(status.contains("offline-keywords"), "{status}");
}

#[tokio::test]
async fn repeated_failures_open_the_breaker_and_the_offline_analyzer_takes_over() {
    let fake = FakeAnthropic::start(
        vec![],
        Some(Answer::error(500, "api_error", "Internal server error")),
    );
    let fallback = FallbackAnalyzer::new(
        Arc::new(claude(&fake)),
        Arc::new(KeywordAnalyzer::new(Taxonomy::default())),
        BreakerSettings {
            failures: 2,
            cooldown: Duration::from_secs(60),
        },
    );

    let first = fallback.analyze_run(&ticket()).await;
    assert!(
        matches!(
            first,
            Err(RunFailure {
                error: AnalyzerError::Transient(_),
                paid: None
            })
        ),
        "{first:?}"
    );
    let second = fallback.analyze_run(&ticket()).await.unwrap();
    assert_eq!(second.analyzer, "offline-keywords");
    assert!(!second.outcome.issues.is_empty());
    let calls = fake.received().len();
    assert_eq!(calls, 4, "two failures, each tried twice by the client");

    let third = fallback.analyze_run(&ticket()).await.unwrap();
    assert_eq!(third.analyzer, "offline-keywords");
    assert_eq!(
        fake.received().len(),
        calls,
        "an open breaker keeps Claude out"
    );
    assert!(fallback.status().unwrap().contains("500"));
}

#[tokio::test]
async fn a_cluster_is_named_through_structured_output() {
    let long_name = "Android 14 clock-in button needs several taps before the punch registers on Samsung devices after the update";
    let fake = FakeAnthropic::start(
        vec![
            Answer::json(json!({"cluster_name": "Android 14 clock-in tap delay",
                                "cluster_summary": "Employees tap several times. Payroll hours are missed."})),
            Answer::json(json!({"cluster_name": long_name, "cluster_summary": "x"})),
            Answer::message("{\"cluster_name\": 3}", "end_turn"),
        ],
        None,
    );
    let claude = claude(&fake);
    let issues = vec![ClusterIssue {
        category: "TIME_AND_ATTENDANCE".into(),
        subcategory: "punch_in_out".into(),
        summary: "Clock-in needs several taps".into(),
        representative_quote: Some("I tap 4 times, call 916-555-0123".into()),
    }];

    let (name, usage) = claude.name_cluster(&issues).await.unwrap();
    assert_eq!(name.cluster_name, "Android 14 clock-in tap delay");
    assert!(name.cluster_summary.starts_with("Employees tap"));
    assert_eq!(usage.output_tokens, 120);
    let sent: serde_json::Value =
        serde_json::from_str(fake.received()[0].trim_start_matches("/v1/messages ")).unwrap();
    assert!(sent["system"][0]["text"]
        .as_str()
        .unwrap()
        .contains("Good names are specific"));
    assert_eq!(
        sent["output_config"]["format"]["schema"]["required"],
        json!(["cluster_name", "cluster_summary"])
    );
    assert!(sent["messages"][0]["content"]
        .as_str()
        .unwrap()
        .contains("call [PHONE]"));

    let (long, _) = claude.name_cluster(&issues).await.unwrap();
    assert!(
        long.cluster_name.chars().count() <= 100,
        "{}",
        long.cluster_name
    );
    assert!(long_name.starts_with(long.cluster_name.trim_end_matches('…')));

    assert!(matches!(
        claude.name_cluster(&issues).await,
        Err(AnalyzerError::InvalidOutput(_))
    ));
}
