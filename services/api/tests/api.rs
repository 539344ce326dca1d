//! The API over HTTP against a real PostgreSQL and Redis.

use api::{Application, Settings};
use chrono::{Duration, Utc};
use db::models::{cluster, issue, ticket};
use domain::{IssueType, Severity, ValidatedIssue};
use serde_json::Value;
use testkit::TestEnv;

struct TestApp {
    base: String,
    client: reqwest::Client,
    env: TestEnv,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }
}

async fn spawn_app() -> TestApp {
    let env = TestEnv::new().await;
    let settings = Settings {
        common: env.settings(),
        zendesk_subdomain: Some("acme".into()),
    };
    let app = Application::build(&settings, env.infra.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::new(),
        env,
        _stop: stop,
    }
}

fn issue(category: &str, sub: &str, severity: Severity, summary: &str) -> ValidatedIssue {
    ValidatedIssue {
        category: category.into(),
        subcategory: sub.into(),
        issue_type: IssueType::Bug,
        severity,
        summary: summary.into(),
        detail: Some(format!("detail of {summary}")),
        representative_quote: Some("it is broken".into()),
        confidence: Some(0.9),
    }
}

/// Three tickets: two PTO problems (this week, last week) in one cluster, a critical pay-run
/// problem in another, and a ticket with no issue.
async fn seed(app: &TestApp) -> (uuid::Uuid, uuid::Uuid) {
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let now = Utc::now();
    let pto = cluster::create(&mut conn, "TIME_AND_ATTENDANCE", "pto", "PTO balance wrong")
        .await
        .unwrap();
    let pay = cluster::create(&mut conn, "PAYROLL", "pay_runs", "Pay run stuck")
        .await
        .unwrap();
    let cases = [
        (
            "1001",
            2,
            Some(issue(
                "TIME_AND_ATTENDANCE",
                "pto",
                Severity::High,
                "PTO balance wrong after accrual",
            )),
            Some(pto.cluster_id()),
        ),
        (
            "1002",
            9,
            Some(issue(
                "TIME_AND_ATTENDANCE",
                "pto",
                Severity::Medium,
                "PTO balance shows zero",
            )),
            Some(pto.cluster_id()),
        ),
        (
            "1003",
            1,
            Some(issue(
                "PAYROLL",
                "pay_runs",
                Severity::Critical,
                "Pay run stuck in processing",
            )),
            Some(pay.cluster_id()),
        ),
        ("1004", 1, None, None),
    ];
    for (sid, days, found, target) in cases {
        let mut t = testkit::ticket(
            sid,
            "subject",
            &format!("text {sid}"),
            now - Duration::days(days),
        );
        t.requester_org_name = Some(format!("Org {sid}"));
        let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
        let issues: Vec<_> = found.into_iter().collect();
        let provenance = issue::Provenance {
            analyzer: "test",
            model: None,
        };
        issue::record_analysis(&mut conn, id, &t.content_hash(), &issues, provenance)
            .await
            .unwrap();
        if let Some(c) = target {
            let row = &issue::for_ticket(&mut conn, id).await.unwrap()[0];
            cluster::assign(&mut conn, row.issue_id(), c, t.created_at)
                .await
                .unwrap();
        }
    }
    cluster::recompute_stats(&mut conn, now, None)
        .await
        .unwrap();
    (pto.id, pay.id)
}

#[tokio::test(flavor = "multi_thread")]
async fn health_reports_postgres_and_redis() {
    let app = spawn_app().await;
    let (status, body) = app.get("/health").await;
    assert_eq!(status, 200);
    assert_eq!(body["postgres"]["status"], "ok");
    assert_eq!(body["redis"]["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn clusters_are_listed_sorted_filtered_and_paginated() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;

    let (status, body) = app.get("/api/clusters").await;
    assert_eq!(status, 200);
    assert_eq!(body["total"], 2);
    assert_eq!(
        body["items"][0]["id"],
        pto.to_string(),
        "largest first by default"
    );
    assert_eq!(body["items"][0]["issue_count"], 2);
    assert_eq!(body["items"][0]["unique_customers"], 2);

    let (_, body) = app.get("/api/clusters?sort=issue_count:asc").await;
    assert_eq!(body["items"][0]["id"], pay.to_string());

    let (_, body) = app.get("/api/clusters?category=PAYROLL").await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["cluster_name"], "Pay run stuck");

    let (_, body) = app.get("/api/clusters?per_page=1&page=2").await;
    assert_eq!(
        (body["total"].as_i64(), body["pages"].as_i64()),
        (Some(2), Some(2))
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cluster_detail_has_its_issues_and_tickets_with_zendesk_links() {
    let app = spawn_app().await;
    let (pto, _) = seed(&app).await;
    let (status, body) = app.get(&format!("/api/clusters/{pto}")).await;
    assert_eq!(status, 200);
    assert_eq!(body["cluster"]["count_7d"], 1);
    assert_eq!(body["cluster"]["count_prior_7d"], 1);
    assert_eq!(body["cluster"]["trend_pct"], 0.0);
    assert_eq!(body["issues"].as_array().unwrap().len(), 2);
    let tickets = body["tickets"].as_array().unwrap();
    assert_eq!(tickets.len(), 2);
    assert_eq!(tickets[0]["source_id"], "1001", "newest first");
    assert_eq!(
        tickets[0]["url"],
        "https://acme.zendesk.com/agent/tickets/1001"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issues_filter_by_severity_list_category_search_and_dates() {
    let app = spawn_app().await;
    seed(&app).await;
    let (_, all) = app.get("/api/issues").await;
    assert_eq!(all["total"], 3);

    let (_, body) = app.get("/api/issues?severity=critical,high").await;
    assert_eq!(body["total"], 2);

    let (_, body) = app
        .get("/api/issues?category=TIME_AND_ATTENDANCE&subcategory=pto&search=ZERO")
        .await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["summary"], "PTO balance shows zero");
    assert_eq!(body["items"][0]["ticket"]["source_id"], "1002");

    let since = (Utc::now() - Duration::days(5)).format("%Y-%m-%d");
    let (_, body) = app.get(&format!("/api/issues?start_date={since}")).await;
    assert_eq!(body["total"], 2, "the issue reported 9 days ago is out");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_summary_aggregates_the_period() {
    let app = spawn_app().await;
    seed(&app).await;
    let (status, body) = app.get("/api/issues/summary?days=7").await;
    assert_eq!(status, 200);
    assert_eq!(body["total_issues"], 2);
    assert_eq!(body["critical_count"], 1);
    assert_eq!(body["high_count"], 1);
    assert_eq!(body["tickets"], 3);
    assert_eq!(body["tickets_without_issues"], 1);
    let weekly: i64 = body["weekly_trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["count"].as_i64().unwrap())
        .sum();
    assert_eq!(weekly, 2);
    assert_eq!(body["top_clusters"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_input_gets_a_json_4xx_that_says_what_is_wrong() {
    let app = spawn_app().await;
    let cases = [
        ("/api/issues?severity=urgent", 400, "severity"),
        ("/api/issues?category=HR", 400, "unknown category"),
        (
            "/api/issues?category=PAYROLL&subcategory=pto",
            400,
            "unknown subcategory",
        ),
        ("/api/issues?start_date=yesterday", 400, "start_date"),
        (
            "/api/issues?start_date=2026-11-10&end_date=2026-11-01",
            400,
            "before",
        ),
        ("/api/issues?per_page=500", 400, "per_page"),
        ("/api/issues?page=0", 400, "page"),
        ("/api/issues?colour=red", 400, "unknown field"),
        ("/api/issues?cluster_id=not-a-uuid", 400, "query"),
        ("/api/issues/summary?days=0", 400, "days"),
        ("/api/clusters?sort=secret:asc", 400, "sort"),
        ("/api/clusters?pm_status=done", 400, "pm_status"),
        ("/api/clusters?is_active=maybe", 400, "query"),
        ("/api/clusters/not-a-uuid", 400, "path"),
        (
            "/api/clusters/00000000-0000-0000-0000-000000000000",
            404,
            "no cluster",
        ),
        ("/api/nothing-here", 404, "no route"),
    ];
    for (path, status, needle) in cases {
        let (got, body) = app.get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(body["error"].is_string(), "{path}: {body}");
        assert!(
            message.contains(needle),
            "{path}: {message:?} should mention {needle:?}"
        );
    }
}
