//! The API over HTTP against a real PostgreSQL and Redis.

use api::{Application, Settings};
use chrono::{Duration, Utc};
use db::models::{cluster, issue, ticket};
use domain::{IssueType, Severity, ValidatedIssue};
use serde_json::{json, Value};
use testkit::TestEnv;

struct TestApp {
    base: String,
    client: reqwest::Client,
    env: TestEnv,
    /// Tokens of each scope.
    read: String,
    write: String,
    admin: String,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    /// GET with the read token.
    async fn get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(&self.read), None)
            .await
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json::<Value>().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::PATCH, path, Some(&self.write), Some(body))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(reqwest::Method::POST, path, Some(&self.write), Some(body))
            .await
    }

    async fn admin_get(&self, path: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(&self.admin), None)
            .await
    }

    /// The Prometheus text of `/metrics` (no token needed).
    async fn metrics(&self) -> String {
        let response = self.client.get(format!("{}/metrics", self.base)).send();
        response.await.unwrap().text().await.unwrap()
    }

    async fn replay_dead_letter(&self, id: i64) -> (u16, Value) {
        let path = format!("/api/ops/dead-letters/{id}/replay");
        self.call(reqwest::Method::POST, &path, Some(&self.admin), None)
            .await
    }

    async fn raw_get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.read)
            .send()
            .await
            .unwrap()
    }
}

async fn token(env: &TestEnv, name: &str, scope: &str) -> String {
    let (token, hash) = auth::generate_token().unwrap();
    let mut conn = env.infra.pool.get().await.unwrap();
    db::models::api_token::create(&mut conn, name, scope, &hash)
        .await
        .unwrap();
    token
}

/// A session of a new person with this role.
async fn session(env: &TestEnv, role: &str) -> String {
    let mut conn = env.infra.pool.get().await.unwrap();
    let email = format!("{role}-{}@example.com", uuid::Uuid::new_v4().simple());
    let person = db::models::user::create(
        &mut conn,
        db::models::user::NewUser {
            email: &email,
            name: role,
            role,
            password_hash: None,
            oidc: None,
        },
    )
    .await
    .unwrap()
    .unwrap();
    let (token, hash) = auth::session::generate_token().unwrap();
    db::models::user::open_session(
        &mut conn,
        person.id,
        &hash,
        "password",
        chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    token
}

async fn spawn_app() -> TestApp {
    let env = TestEnv::new().await;
    let mut settings = Settings::with_common(env.settings());
    settings.zendesk_subdomain = Some("acme".into());
    // Tests check that reads see writes at once; the cache is exercised by its own test.
    settings.cache_ttl = std::time::Duration::ZERO;
    let read = token(&env, "reader", "read").await;
    let write = token(&env, "pm-alice", "write").await;
    let admin = token(&env, "ops", "admin").await;
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
        read,
        write,
        admin,
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
async fn health_is_liveness_and_ready_reports_postgres_and_redis() {
    let app = spawn_app().await;
    let (status, body) = app.call(reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let (status, body) = app.call(reqwest::Method::GET, "/ready", None, None).await;
    assert_eq!(status, 200);
    assert_eq!(body["postgres"]["status"], "ok");
    assert_eq!(body["redis"]["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_taxonomy_lists_every_value_the_api_accepts() {
    let app = spawn_app().await;
    let taxonomy = domain::Taxonomy::load_or_default(None).unwrap();

    let (status, body) = app.get("/api/taxonomy").await;

    assert_eq!(status, 200, "{body}");
    let categories = body["categories"].as_array().unwrap();
    assert_eq!(categories.len(), taxonomy.categories.len());
    for (served, category) in categories.iter().zip(&taxonomy.categories) {
        assert_eq!(served["key"], category.key.as_str());
        assert_eq!(served["label"], category.label.as_str());
        let keys: Vec<&str> = served["subcategories"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = category
            .subcategories
            .iter()
            .map(|s| s.key.as_str())
            .collect();
        assert_eq!(keys, expected);
    }
    let keys = |field: &str| -> Vec<String> {
        body[field]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["key"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(keys("severities"), ["critical", "high", "medium", "low"]);
    assert_eq!(
        keys("pm_statuses"),
        ["new", "reviewing", "acknowledged", "fixed", "wont_fix"]
    );
    assert_eq!(keys("issue_types").len(), domain::IssueType::ALL.len());
    let (status, _) = app
        .call(reqwest::Method::GET, "/api/taxonomy", None, None)
        .await;
    assert_eq!(status, 401);
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
async fn a_cluster_lists_the_merges_the_clusterer_suggests() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let other = cluster::create(
        &mut conn,
        "TIME_AND_ATTENDANCE",
        "pto",
        "PTO balance off in app",
    )
    .await
    .unwrap();
    let closed = cluster::create(&mut conn, "TIME_AND_ATTENDANCE", "pto", "PTO closed")
        .await
        .unwrap();
    db::models::consolidation::replace_suggestions(
        &mut conn,
        "TIME_AND_ATTENDANCE",
        "pto",
        &[
            db::models::consolidation::Suggestion {
                a: domain::ClusterId(pto),
                b: other.cluster_id(),
                similarity: 0.52,
            },
            db::models::consolidation::Suggestion {
                a: closed.cluster_id(),
                b: domain::ClusterId(pto),
                similarity: 0.58,
            },
        ],
    )
    .await
    .unwrap();
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query("UPDATE issue_clusters SET is_active = false WHERE id = $1")
            .bind::<diesel::sql_types::Uuid, _>(closed.id),
        &mut conn,
    )
    .await
    .unwrap();

    // Seen from either side; a closed cluster is no partner.
    let (status, body) = app.get(&format!("/api/clusters/{pto}/similar")).await;
    assert_eq!(status, 200, "{body}");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{body}");
    assert_eq!(items[0]["id"], other.id.to_string());
    assert_eq!(items[0]["cluster_name"], "PTO balance off in app");
    assert!((items[0]["similarity"].as_f64().unwrap() - 0.52).abs() < 1e-6);
    let (_, body) = app
        .get(&format!("/api/clusters/{}/similar", other.id))
        .await;
    assert_eq!(body["items"][0]["id"], pto.to_string());
    let (_, body) = app.get(&format!("/api/clusters/{pay}/similar")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0);

    // A pass replaces the subcategory's suggestions.
    db::models::consolidation::replace_suggestions(&mut conn, "TIME_AND_ATTENDANCE", "pto", &[])
        .await
        .unwrap();
    let (_, body) = app.get(&format!("/api/clusters/{pto}/similar")).await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0);

    let (status, _) = app
        .get("/api/clusters/00000000-0000-0000-0000-000000000000/similar")
        .await;
    assert_eq!(status, 404);
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
        ("/api/issues/summary?days=week", 400, "query"),
        ("/api/issues?sort=ticket_id:asc", 400, "sort"),
        ("/api/issues?sort=severity:up", 400, "asc or desc"),
        ("/api/issues?issue_type=rant", 400, "rant"),
        ("/api/issues?end_date=2026-13-01", 400, "end_date"),
        ("/api/issues?per_page=abc", 400, "query"),
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
        ("/api/issues/summary?days=1&days=2", 400, "query"),
    ];
    let long_search = format!("/api/issues?search={}", "a".repeat(201));
    let cases = cases
        .into_iter()
        .chain([(long_search.as_str(), 400, "search")]);
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

#[tokio::test(flavor = "multi_thread")]
async fn every_data_route_needs_a_token_of_the_right_scope() {
    let app = spawn_app().await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;
    let patch = reqwest::Method::PATCH;
    let id = "00000000-0000-0000-0000-000000000000";

    // No token, and a token nobody issued: 401 with a JSON error.
    for path in ["/api/clusters", "/api/issues", "/api/issues/summary"] {
        let (status, body) = app.call(get.clone(), path, None, None).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert_eq!(body["error"], "unauthorized");
        assert!(body["message"].as_str().unwrap().contains("Bearer"));
        let (status, body) = app
            .call(get.clone(), path, Some("imt_not-a-real-token"), None)
            .await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains("unknown"));
    }
    let response = app
        .client
        .get(format!("{}/api/clusters", app.base))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");

    // A read token cannot write; a write token cannot operate.
    let writes = [
        (
            patch.clone(),
            format!("/api/issues/{id}"),
            json!({"severity": "low"}),
        ),
        (
            patch.clone(),
            format!("/api/clusters/{id}"),
            json!({"name": "x"}),
        ),
        (
            post.clone(),
            format!("/api/clusters/{id}/merge"),
            json!({"into": id}),
        ),
        (
            post.clone(),
            "/api/tickets".to_string(),
            json!({"external_id": "1"}),
        ),
        (
            post.clone(),
            "/api/analyze".to_string(),
            json!({"text": "x"}),
        ),
        (post.clone(), "/api/sync/trigger".to_string(), json!({})),
    ];
    for (method, path, body) in writes {
        let (status, got) = app
            .call(method.clone(), &path, Some(&app.read), Some(body))
            .await;
        assert_eq!(status, 403, "{method} {path}: {got}");
        assert_eq!(got["error"], "forbidden");
        assert!(got["message"].as_str().unwrap().contains("write"));
    }
    for (method, path) in [
        (get.clone(), "/api/ops/queues"),
        (get.clone(), "/api/ops/queues/analyze/jobs?state=dead"),
        (post.clone(), "/api/ops/queues/analyze/jobs/x/retry"),
    ] {
        let (status, got) = app.call(method.clone(), path, Some(&app.write), None).await;
        assert_eq!(status, 403, "{method} {path}: {got}");
        assert!(got["message"].as_str().unwrap().contains("admin"));
    }
    // Higher scopes include lower ones.
    let (status, _) = app
        .call(get.clone(), "/api/clusters", Some(&app.admin), None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .call(get.clone(), "/api/issues", Some(&app.write), None)
        .await;
    assert_eq!(status, 200);
    // Health, readiness and metrics are open.
    for path in ["/health", "/ready", "/metrics"] {
        let (status, _) = app.call(get.clone(), path, None, None).await;
        assert_eq!(status, 200, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_is_refused() {
    let env = TestEnv::new().await;
    let t = token(&env, "leaver", "read").await;
    {
        let mut conn = env.infra.pool.get().await.unwrap();
        let row = db::models::api_token::list(&mut conn).await.unwrap()[0].clone();
        assert!(db::models::api_token::revoke(&mut conn, row.id)
            .await
            .unwrap());
    }
    let app =
        Application::build(&Settings::with_common(env.settings()), env.infra.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let response = reqwest::Client::new()
        .get(format!("{base}/api/clusters"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn issues_sort_by_a_whitelisted_field() {
    let app = spawn_app().await;
    seed(&app).await;
    let (_, body) = app.get("/api/issues?sort=severity:desc").await;
    let severities: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["severity"].as_str().unwrap())
        .collect();
    assert_eq!(severities, ["critical", "high", "medium"]);
    let (_, body) = app.get("/api/issues?sort=severity:asc").await;
    assert_eq!(body["items"][0]["severity"], "medium");
    let (_, body) = app.get("/api/issues?sort=reported_at:asc").await;
    assert_eq!(body["items"][0]["ticket"]["source_id"], "1002");
}

#[tokio::test(flavor = "multi_thread")]
async fn correcting_an_issue_records_who_and_moves_it_between_clusters() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;
    let (_, body) = app
        .get(&format!("/api/issues?cluster_id={pto}&search=zero"))
        .await;
    let issue_id = body["items"][0]["id"].as_str().unwrap().to_string();

    let (status, body) = app
        .patch(
            &format!("/api/issues/{issue_id}"),
            json!({"category": "PAYROLL", "subcategory": "pay_runs", "severity": "critical",
                   "issue_type": "data_issue", "cluster_id": pay}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["category"], "PAYROLL");
    assert_eq!(body["severity"], "critical");
    assert_eq!(body["issue_type"], "data_issue");
    assert_eq!(body["cluster_id"], pay.to_string());
    assert_eq!(body["corrected_by"], "pm-alice");

    // Both clusters' statistics follow the move.
    let (_, from) = app.get(&format!("/api/clusters/{pto}")).await;
    let (_, to) = app.get(&format!("/api/clusters/{pay}")).await;
    assert_eq!(from["cluster"]["issue_count"], 1);
    assert_eq!(to["cluster"]["issue_count"], 2);

    // The audit trail has the before and after.
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let trail = issue::corrections(&mut conn, domain::IssueId(issue_id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].corrected_by, "pm-alice");
    assert_eq!(trail[0].before["category"], "TIME_AND_ATTENDANCE");
    assert_eq!(trail[0].before["cluster_id"], pto.to_string());
    assert_eq!(trail[0].after["subcategory"], "pay_runs");

    // A subcategory alone is checked against the issue's category; null unclusters.
    let (status, body) = app
        .patch(
            &format!("/api/issues/{issue_id}"),
            json!({"subcategory": "tax_questions", "cluster_id": null}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cluster_id"], Value::Null);
    let (_, to) = app.get(&format!("/api/clusters/{pay}")).await;
    assert_eq!(to["cluster"]["issue_count"], 1);

    let bad = [
        (json!({}), 422, "nothing to change"),
        (json!({"category": "PAYROLL"}), 422, "subcategory"),
        (json!({"subcategory": "pto"}), 422, "pto"),
        (json!({"category": "HR", "subcategory": "x"}), 422, "HR"),
        (json!({"severity": "urgent"}), 422, "urgent"),
        (json!({"issue_type": "rant"}), 422, "rant"),
        (
            json!({"cluster_id": "00000000-0000-0000-0000-000000000000"}),
            422,
            "no cluster",
        ),
        (json!({"colour": "red"}), 400, "unknown field"),
        (json!({"severity": 3}), 400, "invalid"),
    ];
    for (patch, status, needle) in bad {
        let (got, body) = app
            .patch(&format!("/api/issues/{issue_id}"), patch.clone())
            .await;
        assert_eq!(got, status, "{patch}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            message.contains(needle),
            "{patch}: {message:?} should mention {needle:?}"
        );
    }
    let (status, _) = app
        .patch(
            "/api/issues/00000000-0000-0000-0000-000000000000",
            json!({"severity": "low"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renamed_cluster_keeps_its_name_and_the_edit_is_recorded() {
    let app = spawn_app().await;
    let (pto, _) = seed(&app).await;
    let (status, body) = app
        .patch(
            &format!("/api/clusters/{pto}"),
            json!({"name": "PTO accrual off after policy change", "pm_status": "acknowledged",
                   "pm_notes": "JIRA-123"}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["cluster_name"], "PTO accrual off after policy change");
    assert_eq!(body["name_locked"], true);
    assert_eq!(body["renamed_by"], "pm-alice");
    assert_eq!(body["pm_status"], "acknowledged");
    assert_eq!(body["pm_notes"], "JIRA-123");

    // Notes can be cleared; the name stays locked.
    let (_, body) = app
        .patch(&format!("/api/clusters/{pto}"), json!({"pm_notes": null}))
        .await;
    assert_eq!(body["pm_notes"], Value::Null);
    assert_eq!(body["name_locked"], true);

    let mut conn = app.env.infra.pool.get().await.unwrap();
    let events = cluster::events(&mut conn, domain::ClusterId(pto))
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, "updated");
    assert_eq!(events[0].actor, "pm-alice");
    assert_eq!(events[0].detail["pm_status"], "acknowledged");

    for (patch, status, needle) in [
        (json!({"pm_status": "done"}), 422, "done"),
        (json!({"name": "  "}), 422, "name"),
        (json!({"name": "x".repeat(201)}), 422, "name"),
        (json!({}), 422, "nothing to change"),
        (json!({"owner": "bob"}), 400, "unknown field"),
    ] {
        let (got, body) = app
            .patch(&format!("/api/clusters/{pto}"), patch.clone())
            .await;
        assert_eq!(got, status, "{patch}: {body}");
        assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
    }
    let (status, _) = app
        .patch(
            "/api/clusters/00000000-0000-0000-0000-000000000000",
            json!({"name": "x"}),
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn merging_moves_the_issues_and_retires_the_source() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;
    let (status, body) = app
        .post(&format!("/api/clusters/{pay}/merge"), json!({"into": pto}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["moved_issues"], 1);
    assert_eq!(body["into"]["issue_count"], 3);

    let (_, source) = app.get(&format!("/api/clusters/{pay}")).await;
    assert_eq!(source["cluster"]["is_active"], false);
    assert_eq!(source["cluster"]["merged_into"], pto.to_string());
    assert_eq!(source["cluster"]["issue_count"], 0);
    let (_, listed) = app.get("/api/clusters?is_active=true").await;
    assert_eq!(listed["total"], 1);

    let mut conn = app.env.infra.pool.get().await.unwrap();
    let away = cluster::events(&mut conn, domain::ClusterId(pay))
        .await
        .unwrap();
    assert_eq!(away[0].kind, "merged_away");
    assert_eq!(away[0].detail["into"], pto.to_string());
    let into = cluster::events(&mut conn, domain::ClusterId(pto))
        .await
        .unwrap();
    assert_eq!(into[0].kind, "merged_in");

    let nobody = "00000000-0000-0000-0000-000000000000";
    for (path, body, status, needle) in [
        (
            format!("/api/clusters/{pto}/merge"),
            json!({"into": pto}),
            422,
            "itself",
        ),
        (
            format!("/api/clusters/{pto}/merge"),
            json!({"into": pay}),
            422,
            "merged into",
        ),
        (
            format!("/api/clusters/{pay}/merge"),
            json!({"into": pto}),
            422,
            "already",
        ),
        (
            format!("/api/clusters/{pto}/merge"),
            json!({"into": nobody}),
            422,
            "no cluster",
        ),
        (
            format!("/api/clusters/{nobody}/merge"),
            json!({"into": pto}),
            404,
            "no cluster",
        ),
        (
            format!("/api/clusters/{pto}/merge"),
            json!({"into": "x"}),
            400,
            "invalid",
        ),
        (format!("/api/clusters/{pto}/merge"), json!({}), 400, "into"),
    ] {
        let (got, reply) = app.post(&path, body.clone()).await;
        assert_eq!(got, status, "{path} {body}: {reply}");
        assert!(
            reply["message"].as_str().unwrap().contains(needle),
            "{reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_cluster_keeps_its_issues_and_can_be_reopened_unless_merged_away() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;
    let (status, body) = app
        .patch(&format!("/api/clusters/{pto}"), json!({"is_active": false}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["is_active"], false);
    assert_eq!(body["issue_count"], 2, "closing keeps the issues: {body}");
    let (_, listed) = app.get("/api/clusters?is_active=true").await;
    assert_eq!(listed["total"], 1, "{listed}");
    assert_eq!(listed["items"][0]["id"], pay.to_string());

    let (status, body) = app
        .patch(&format!("/api/clusters/{pto}"), json!({"is_active": true}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["is_active"], true);
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let events = cluster::events(&mut conn, domain::ClusterId(pto))
        .await
        .unwrap();
    let recorded: Vec<&Value> = events.iter().map(|e| &e.detail["is_active"]).collect();
    assert_eq!(recorded, [&json!(false), &json!(true)]);

    let (status, _) = app
        .post(&format!("/api/clusters/{pay}/merge"), json!({"into": pto}))
        .await;
    assert_eq!(status, 200);
    let (status, body) = app
        .patch(&format!("/api/clusters/{pay}"), json!({"is_active": true}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("merged into"),
        "{body}"
    );
    let (status, body) = app
        .patch(&format!("/api/clusters/{pto}"), json!({"is_active": "no"}))
        .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_is_found_by_its_source_id_with_its_issues() {
    let app = spawn_app().await;
    seed(&app).await;
    let (status, body) = app.get("/api/tickets/1003").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["source"], "zendesk");
    assert_eq!(body["url"], "https://acme.zendesk.com/agent/tickets/1003");
    assert_eq!(body["analyzed"], true);
    assert_eq!(body["issues"][0]["summary"], "Pay run stuck in processing");
    let (_, body) = app.get("/api/tickets/1004?source=zendesk").await;
    assert_eq!(body["issues"].as_array().unwrap().len(), 0);
    let (status, body) = app.get("/api/tickets/1003?source=fax").await;
    assert_eq!(status, 400, "{body}");
    assert!(body["message"].as_str().unwrap().contains("fax"));
    let (status, _) = app.get("/api/tickets/1003?source=slack").await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/tickets/9999").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_integration_posts_a_ticket_once_however_often_it_sends_it() {
    let app = spawn_app().await;
    let ticket = json!({
        "external_id": "crm-42",
        "subject": "Payroll stuck",
        "description": "Our payroll run is stuck in processing since this morning.",
        "requester_email": "ana@acme.example",
        "tags": ["payroll"],
        "created_at": "2026-11-20T10:00:00Z"
    });
    let (status, body) = app.post("/api/tickets", ticket.clone()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["source"], "api");
    assert_eq!(body["source_id"], "crm-42");
    assert_eq!(body["queued_for_analysis"], true);
    let (status, again) = app.post("/api/tickets", ticket.clone()).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], body["id"]);
    assert_eq!(again["created"], false);
    assert_eq!(again["queued_for_analysis"], false);

    let depth = app.env.infra.queues.depth("analyze").await.unwrap();
    assert_eq!(depth.pending, 1, "queued once");
    let (status, stored) = app.get("/api/tickets/crm-42?source=api").await;
    assert_eq!(status, 200);
    assert_eq!(stored["subject"], "Payroll stuck");

    let huge = "x".repeat(300 * 1024);
    for (body, status, needle) in [
        (json!({"external_id": "a"}), 422, "subject"),
        (
            json!({"external_id": " ", "subject": "s"}),
            422,
            "external_id",
        ),
        (
            json!({"external_id": "a", "subject": "s".repeat(501)}),
            422,
            "subject",
        ),
        (
            json!({"external_id": "a", "subject": "s", "tags": vec!["t"; 51]}),
            422,
            "tags",
        ),
        (
            json!({"external_id": "a", "subject": "s", "created_at": "2026-11-20T10:00:00Z",
                   "updated_at": "2026-11-19T10:00:00Z"}),
            422,
            "updated_at",
        ),
        (
            json!({"external_id": "a", "subject": "s", "created_at": "monday"}),
            400,
            "invalid",
        ),
        (json!({"subject": "s"}), 400, "external_id"),
        (
            json!({"external_id": "a", "description": huge}),
            413,
            "larger",
        ),
    ] {
        let (got, reply) = app.post("/api/tickets", body).await;
        assert_eq!(got, status, "{reply}");
        assert!(
            reply["message"].as_str().unwrap().contains(needle),
            "{reply}"
        );
    }
    let response = app
        .client
        .post(format!("{}/api/tickets", app.base))
        .bearer_auth(&app.write)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["error"], "bad_request");
}

#[tokio::test(flavor = "multi_thread")]
async fn analyze_classifies_a_text_without_storing_it() {
    let app = spawn_app().await;
    let (status, body) = app
        .post(
            "/api/analyze",
            json!({"subject": "Payroll run stuck",
                   "text": "Our payroll run has been stuck in processing for hours and employees \
                            will not get paid. The pay run never finishes."}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["analyzer"], "offline-keywords");
    let issues = body["issues"].as_array().unwrap();
    assert!(!issues.is_empty(), "{body}");
    assert_eq!(issues[0]["category"], "PAYROLL");
    let mut conn = app.env.infra.pool.get().await.unwrap();
    assert_eq!(
        ticket::counts(&mut conn).await.unwrap().total,
        0,
        "nothing stored"
    );

    for (body, status) in [
        (json!({"text": "   "}), 422),
        (json!({"text": "x".repeat(50_001)}), 422),
        (json!({"subject": "only a subject"}), 400),
    ] {
        let (got, reply) = app.post("/api/analyze", body).await;
        assert_eq!(got, status, "{reply}");
        assert!(reply["error"].is_string());
    }
}

fn csv_rows(text: &str) -> Vec<&str> {
    text.split("\r\n").filter(|l| !l.is_empty()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_stream_csv_with_the_list_filters() {
    let app = spawn_app().await;
    let (pto, _) = seed(&app).await;
    {
        // A summary that needs quoting.
        let mut conn = app.env.infra.pool.get().await.unwrap();
        diesel_update_summary(&mut conn, "PTO balance shows zero", "Says \"0\", twice").await;
    }
    let response = app.raw_get("/api/export/issues?severity=high,medium").await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"issues.csv\""
    );
    let text = response.text().await.unwrap();
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("id,reported_at,category"));
    assert!(text.contains("\"Says \"\"0\"\", twice\""), "{text}");
    assert!(text.contains("https://acme.zendesk.com/agent/tickets/1001"));

    let response = app
        .raw_get("/api/export/clusters?category=TIME_AND_ATTENDANCE")
        .await;
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"clusters.csv\""
    );
    let text = response.text().await.unwrap();
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[1].starts_with(&pto.to_string()));

    for (path, needle) in [
        ("/api/export/issues?severity=urgent", "severity"),
        ("/api/export/issues?page=2", "unknown field"),
        ("/api/export/clusters?per_page=10", "filters only"),
        ("/api/export/clusters?pm_status=done", "pm_status"),
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["message"].as_str().unwrap().contains(needle), "{body}");
    }
}

async fn diesel_update_summary(conn: &mut db::PooledConn, from: &str, to: &str) {
    use diesel::sql_types::Text;
    use diesel_async::RunQueryDsl;
    diesel::sql_query("UPDATE extracted_issues SET summary = $2 WHERE summary = $1")
        .bind::<Text, _>(from)
        .bind::<Text, _>(to)
        .execute(conn)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_larger_than_a_chunk_arrives_whole_and_in_order() {
    let app = spawn_app().await;
    api::seed_bench::run(&app.env.infra, 2_345, 7)
        .await
        .unwrap();
    let text = app
        .raw_get("/api/export/issues")
        .await
        .text()
        .await
        .unwrap();
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 2_345 + 1);
    let ids: std::collections::HashSet<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(ids.len(), 2_345, "no row twice across chunks");
    let reported: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r.split(',').nth(1).unwrap())
        .collect();
    assert!(reported.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (_, body) = app
        .get("/api/issues?search=direct%20deposit&per_page=1")
        .await;
    assert!(body["total"].as_i64().unwrap() > 200, "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_trigger_queues_a_job_and_status_reports_it() {
    let app = spawn_app().await;
    let (status, body) = app
        .post("/api/sync/trigger?backfill_days=30", json!({}))
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["queue"], "sync");
    assert!(body["message"].as_str().unwrap().contains("30 days"));
    let (status, body) = app.get("/api/sync/status").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["queued"], 1);
    assert_eq!(body["last_run"], Value::Null);

    {
        let mut conn = app.env.infra.pool.get().await.unwrap();
        let now = Utc::now();
        db::models::sync_state::record(
            &mut conn,
            &db::models::sync_state::NewSyncRun {
                source: "zendesk",
                cursor: Some("c1"),
                last_ticket_updated_at: now,
                tickets_synced: 12,
                tickets_changed: 3,
                sync_started_at: now,
                sync_completed_at: Some(now),
            },
        )
        .await
        .unwrap();
    }
    let (_, body) = app.get("/api/sync/status").await;
    assert_eq!(body["last_run"]["tickets_synced"], 12);

    for path in [
        "/api/sync/trigger?backfill_days=0",
        "/api/sync/trigger?backfill_days=366",
        "/api/sync/trigger?backfill_days=-1",
        "/api/sync/trigger?full=true",
    ] {
        let (status, body) = app.post(path, json!({})).await;
        assert_eq!(status, 400, "{path}: {body}");
    }
}

#[derive(Clone)]
struct Nothing;

/// A real worker whose handler gives up on every job, so jobs end dead the way production's do.
async fn kill_jobs(url: String, prefix: String, shutdown: tokio::sync::oneshot::Receiver<()>) {
    let redis = queue::connect(&url).await.unwrap();
    let settings = queue::WorkerSettings {
        service: "test-killer",
        prefix,
        queue: "analyze",
        concurrency: 1,
        poll_interval: std::time::Duration::from_millis(50),
    };
    queue::run_worker::<domain::jobs::AnalyzeTicket, _, _, _>(
        redis,
        settings,
        std::sync::Arc::new(Nothing),
        |job: domain::jobs::AnalyzeTicket,
         _: apalis::prelude::Data<std::sync::Arc<Nothing>>,
         _: apalis::prelude::Attempt| async move {
            Err(apalis::prelude::AbortError::new(format!("boom for {}", job.ticket_id)).into())
        },
        async {
            let _ = shutdown.await;
        },
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_see_dead_jobs_with_their_error_and_retry_them() {
    let app = spawn_app().await;
    let ticket_id = domain::TicketId(uuid::Uuid::new_v4());
    app.env
        .infra
        .queues
        .enqueue_analyze(ticket_id)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel();
    let worker = tokio::spawn(kill_jobs(
        app.env.redis.url.clone(),
        app.env.redis.prefix.clone(),
        stopped,
    ));
    testkit::eventually("the job is dead", 20, || async {
        let depth = app.env.infra.queues.depth("analyze").await.unwrap();
        (depth.dead == 1).then_some(())
    })
    .await;
    let _ = stop.send(());
    worker.await.unwrap();

    let (status, body) = app.admin_get("/api/ops/queues").await;
    assert_eq!(status, 200, "{body}");
    let queues = body.as_array().unwrap();
    assert_eq!(queues.len(), 3);
    let analyze = queues.iter().find(|q| q["queue"] == "analyze").unwrap();
    assert_eq!(analyze["dead"], 1);
    assert_eq!(analyze["pending"], 0);

    let (status, body) = app
        .admin_get("/api/ops/queues/analyze/jobs?state=dead")
        .await;
    assert_eq!(status, 200, "{body}");
    let job = &body[0];
    assert_eq!(job["state"], "dead");
    assert!(job["error"].as_str().unwrap().contains("boom"), "{job}");
    assert_eq!(job["args"]["ticket_id"], ticket_id.0.to_string());
    let id = job["id"].as_str().unwrap().to_string();

    let (status, body) = app
        .call(
            reqwest::Method::POST,
            &format!("/api/ops/queues/analyze/jobs/{id}/retry"),
            Some(&app.admin),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let depth = app.env.infra.queues.depth("analyze").await.unwrap();
    assert_eq!((depth.dead, depth.pending), (0, 1));
    assert!(depth.oldest_pending_secs.is_some());

    for (method, path, status) in [
        (
            reqwest::Method::GET,
            "/api/ops/queues/analyze/jobs?state=done",
            400,
        ),
        (reqwest::Method::GET, "/api/ops/queues/analyze/jobs", 400),
        (
            reqwest::Method::GET,
            "/api/ops/queues/analyze/jobs?state=dead&limit=0",
            400,
        ),
        (
            reqwest::Method::GET,
            "/api/ops/queues/email/jobs?state=dead",
            404,
        ),
        (
            reqwest::Method::POST,
            &format!("/api/ops/queues/analyze/jobs/{id}/retry"),
            404,
        ),
        (
            reqwest::Method::POST,
            "/api/ops/queues/email/jobs/x/retry",
            404,
        ),
    ] {
        let (got, body) = app.call(method.clone(), path, Some(&app.admin), None).await;
        assert_eq!(got, status, "{method} {path}: {body}");
        assert!(body["message"].is_string());
    }
    let (status, body) = app
        .admin_get("/api/ops/queues/analyze/jobs?state=failed")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_per_route_and_jobs_per_queue() {
    let app = spawn_app().await;
    app.env
        .infra
        .queues
        .enqueue_cluster(domain::TicketId(uuid::Uuid::new_v4()))
        .await
        .unwrap();
    app.get("/api/clusters").await;
    let text = app.metrics().await;
    assert!(
        text.contains("http_requests_total{method=\"GET\",route=\"/api/clusters\",status=\"200\"}"),
        "{text}"
    );
    assert!(
        text.contains("http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(
        text.contains("queue_jobs{queue=\"cluster\",state=\"pending\"}"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_served_openapi_document_is_the_committed_one() {
    let app = spawn_app().await;
    let served: Value = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json"))
            .expect("services/api/openapi.json exists (run `make openapi`)"),
    )
    .unwrap();
    assert!(
        served == committed,
        "services/api/openapi.json is out of date with the code: run `make openapi` and commit it"
    );
    for path in [
        "/api/issues",
        "/api/clusters/{id}/merge",
        "/api/ops/queues",
        "/metrics",
    ] {
        assert!(served["paths"][path].is_object(), "{path} is documented");
    }
    assert_eq!(
        served["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let docs = app
        .client
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status().as_u16(), 200);
    assert!(docs.text().await.unwrap().contains("swagger"));
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_admits_the_dashboard_origin_only() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/clusters", app.base),
            )
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
    };
    let ok = preflight("http://localhost:3000").await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    assert_eq!(other.status().as_u16(), 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cluster_list_is_cached_briefly_and_a_write_empties_the_cache() {
    let env = TestEnv::new().await;
    let mut settings = Settings::with_common(env.settings());
    settings.cache_ttl = std::time::Duration::from_secs(60);
    let read = token(&env, "reader", "read").await;
    let write = token(&env, "pm", "write").await;
    let app = Application::build(&settings, env.infra.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();
    let total = || async {
        let body: Value = client
            .get(format!("{base}/api/clusters"))
            .bearer_auth(&read)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        body["total"].as_i64().unwrap()
    };
    let mut conn = env.infra.pool.get().await.unwrap();
    let first = cluster::create(&mut conn, "PAYROLL", "pay_runs", "one")
        .await
        .unwrap();
    assert_eq!(total().await, 1);
    cluster::create(&mut conn, "PAYROLL", "pay_runs", "two")
        .await
        .unwrap();
    assert_eq!(total().await, 1, "served from the cache");
    let response = client
        .patch(format!("{base}/api/clusters/{}", first.id))
        .bearer_auth(&write)
        .json(&json!({"pm_status": "reviewing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(total().await, 2, "the write emptied the cache");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_corrected_issue_survives_the_reanalysis_of_its_changed_ticket() {
    let app = spawn_app().await;
    let (pto, pay) = seed(&app).await;
    let (_, body) = app.get("/api/tickets/1002?source=zendesk").await;
    let issue_id = body["issues"][0]["id"].as_str().unwrap().to_string();
    // The PM moves the PTO issue of ticket 1002 to payroll and takes it out of its cluster.
    let (status, body) = app
        .patch(
            &format!("/api/issues/{issue_id}"),
            json!({"category": "PAYROLL", "subcategory": "pay_runs", "severity": "critical",
                   "cluster_id": null}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    // The customer edits the ticket; the analyzer finds the PTO problem again (as before the
    // correction) and a new clock-in problem.
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let mut t = testkit::ticket(
        "1002",
        "subject",
        "text 1002, and the clock-in button does nothing",
        Utc::now() - Duration::days(9),
    );
    t.requester_org_name = Some("Org 1002".into());
    let upserted = ticket::upsert(&mut conn, &t).await.unwrap();
    assert!(upserted.content_changed);
    let found = [
        issue(
            "TIME_AND_ATTENDANCE",
            "pto",
            Severity::Medium,
            "PTO balance shows zero",
        ),
        issue(
            "TIME_AND_ATTENDANCE",
            "punch_in_out",
            Severity::High,
            "Clock-in button does nothing",
        ),
    ];
    let provenance = issue::Provenance {
        analyzer: "test",
        model: None,
    };
    let recorded = issue::record_analysis(
        &mut conn,
        upserted.id,
        &t.content_hash(),
        &found,
        provenance,
    )
    .await
    .unwrap();
    assert_eq!(
        recorded,
        issue::Recorded::Written {
            issues: 1,
            touched_clusters: vec![]
        },
        "only the clock-in issue is new"
    );

    let (_, body) = app.get("/api/tickets/1002?source=zendesk").await;
    let issues = body["issues"].as_array().unwrap();
    assert_eq!(issues.len(), 2, "{body}");
    let kept = issues
        .iter()
        .find(|i| i["id"] == issue_id.as_str())
        .expect("the corrected issue keeps its id");
    assert_eq!(kept["subcategory"], "pay_runs");
    assert_eq!(kept["severity"], "critical");
    assert_eq!(kept["cluster_id"], Value::Null);
    assert_eq!(kept["corrected_by"], "pm-alice");
    assert!(issues.iter().any(|i| i["subcategory"] == "punch_in_out"));
    // Its audit trail is still attached.
    let trail = issue::corrections(&mut conn, domain::IssueId(issue_id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(trail.len(), 1);

    // The clusterer leaves the issue the PM unclustered alone; the new one awaits a cluster.
    let waiting = issue::awaiting_cluster(&mut conn, upserted.id)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].subcategory, "punch_in_out");
    assert!(!cluster::assign(
        &mut conn,
        domain::IssueId(issue_id.parse().unwrap()),
        domain::ClusterId(pay),
        Utc::now()
    )
    .await
    .unwrap());
    let stale = issue::tickets_with_unclustered(&mut conn, Utc::now() + Duration::hours(1), 100)
        .await
        .unwrap();
    assert_eq!(stale, vec![upserted.id], "only for the clock-in issue");
    let _ = pto;
}

async fn dead_letter(app: &TestApp, source: &str, headers: Value, body: &str, error: &str) -> i64 {
    let mut conn = app.env.infra.pool.get().await.unwrap();
    db::models::dead_letter::insert(
        &mut conn,
        &db::models::dead_letter::NewDeadLetter {
            source,
            headers,
            body,
            error,
        },
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_list_dead_letters_and_replay_them_through_the_current_normalizers() {
    let app = spawn_app().await;
    // A slash command kept by a version that could not read forms, a WhatsApp sticker (still
    // not a ticket) and a Zendesk trigger whose ticket id can now be read.
    let command = dead_letter(
        &app,
        "slack",
        json!({"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": "1700000000"}),
        "command=%2Fissue&text=Clock+in+button+spins+forever&channel_id=C1&trigger_id=42.7",
        "unsupported Slack payload",
    )
    .await;
    let sticker = dead_letter(
        &app,
        "whatsapp",
        json!({"content-type": "application/json"}),
        r#"{"object":"whatsapp_business_account","entry":[{"changes":[{"value":{"messages":[{"id":"wamid.S1","type":"sticker","timestamp":"1700000000"}]}}]}]}"#,
        "message wamid.S1 of type \"sticker\" has no text",
    )
    .await;
    let zendesk = dead_letter(
        &app,
        "zendesk",
        json!({}),
        r#"{"ticket": {"id": "77"}}"#,
        "old parser",
    )
    .await;

    // Admin scope only.
    for token in [&app.read, &app.write] {
        let (status, body) = app
            .call(
                reqwest::Method::GET,
                "/api/ops/dead-letters",
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, 403, "{body}");
        let (status, _) = app
            .call(
                reqwest::Method::POST,
                &format!("/api/ops/dead-letters/{command}/replay"),
                Some(token),
                None,
            )
            .await;
        assert_eq!(status, 403);
    }
    let (status, body) = app.admin_get("/api/ops/dead-letters?per_page=2").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(body["pages"], 2);
    assert_eq!(body["items"][0]["id"], zendesk, "newest first");
    assert_eq!(body["items"][1]["channel"], "whatsapp");
    assert!(body["items"][1]["error"]
        .as_str()
        .unwrap()
        .contains("sticker"));
    assert!(body["items"][1]["received_at"].is_string());
    let (_, body) = app.admin_get("/api/ops/dead-letters?channel=slack").await;
    assert_eq!(body["total"], 1);
    let (status, body) = app
        .admin_get(&format!("/api/ops/dead-letters/{command}"))
        .await;
    assert_eq!(status, 200);
    assert!(body["body"].as_str().unwrap().starts_with("command="));
    assert_eq!(body["headers"]["x-slack-request-timestamp"], "1700000000");

    let (status, body) = app.replay_dead_letter(command).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolved"], true);
    assert_eq!(body["tickets"][0]["source_id"], "C1:42.7");
    assert_eq!(body["tickets"][0]["queued_for_analysis"], true);
    let (status, stored) = app.get("/api/tickets/C1:42.7?source=slack").await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(
        stored["ticket_created_at"], "2023-11-14T22:13:20Z",
        "dated by the kept timestamp"
    );

    let (status, body) = app.replay_dead_letter(sticker).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].as_str().unwrap().contains("sticker"));

    let (status, body) = app.replay_dead_letter(zendesk).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["resolution"].as_str().unwrap().contains("77"));
    assert_eq!(app.env.infra.queues.depth("sync").await.unwrap().pending, 1);

    let (status, body) = app.replay_dead_letter(command).await;
    assert_eq!(status, 409, "{body}");
    let (status, _) = app.replay_dead_letter(999_999).await;
    assert_eq!(status, 404);

    // Only the sticker is still open; it records the failed replay.
    let (_, open) = app.admin_get("/api/ops/dead-letters").await;
    assert_eq!(open["total"], 1);
    assert_eq!(open["items"][0]["id"], sticker);
    assert_eq!(open["items"][0]["replay_count"], 1);
    assert!(open["items"][0]["last_replayed_at"].is_string());
    let (_, resolved) = app.admin_get("/api/ops/dead-letters?state=resolved").await;
    assert_eq!(resolved["total"], 2);
    assert!(resolved["items"][0]["resolved_at"].is_string());
    let (_, all) = app.admin_get("/api/ops/dead-letters?state=all").await;
    assert_eq!(all["total"], 3);

    for path in [
        "/api/ops/dead-letters?state=closed",
        "/api/ops/dead-letters?channel=fax",
        "/api/ops/dead-letters?per_page=0",
        "/api/ops/dead-letters?page=0",
        "/api/ops/dead-letters?colour=red",
        "/api/ops/dead-letters/abc",
    ] {
        let (status, body) = app.admin_get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_status_shows_the_running_and_the_interrupted_runs() {
    let app = spawn_app().await;
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let t0 = Utc::now() - Duration::hours(2);
    // A run that died after two pages.
    let dead = db::models::sync_state::start(&mut conn, "zendesk", None, t0)
        .await
        .unwrap();
    db::models::sync_state::update(
        &mut conn,
        dead,
        db::models::sync_state::Progress {
            cursor: Some("cursor-after-page-2"),
            last_ticket_updated_at: t0,
            tickets_synced: 2000,
            tickets_changed: 40,
        },
        None,
    )
    .await
    .unwrap();
    let (status, body) = app.get("/api/sync/status").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["in_progress"], Value::Null);
    assert_eq!(body["interrupted"][0]["id"], dead);
    assert_eq!(body["interrupted"][0]["state"], "interrupted");
    assert_eq!(body["interrupted"][0]["cursor"], "cursor-after-page-2");
    assert_eq!(body["interrupted"][0]["tickets_synced"], 2000);
    assert_eq!(body["last_run"]["state"], "interrupted");

    // Another run holds the sync lock (as the ingest service does while it syncs).
    let mut lock = app.env.infra.pool.get().await.unwrap();
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "SELECT pg_advisory_lock({})",
            db::models::sync_state::ZENDESK_SYNC_LOCK
        ))
        .execute(&mut lock)
        .await
        .unwrap();
    }
    let running = db::models::sync_state::start(
        &mut conn,
        "zendesk",
        Some("cursor-after-page-2"),
        Utc::now(),
    )
    .await
    .unwrap();
    let (_, body) = app.get("/api/sync/status").await;
    assert_eq!(body["in_progress"]["id"], running, "{body}");
    assert_eq!(body["in_progress"]["state"], "running");
    assert_eq!(body["in_progress"]["cursor"], "cursor-after-page-2");
    assert_eq!(body["last_run"]["state"], "running");
    assert_eq!(body["interrupted"].as_array().unwrap().len(), 1);
    assert_eq!(body["interrupted"][0]["id"], dead);
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query(format!(
            "SELECT pg_advisory_unlock({})",
            db::models::sync_state::ZENDESK_SYNC_LOCK
        ))
        .execute(&mut lock)
        .await
        .unwrap();
    }
    let (_, body) = app.get("/api/sync/status").await;
    assert_eq!(
        body["in_progress"],
        Value::Null,
        "the lock is gone: both runs were interrupted"
    );
    assert_eq!(body["interrupted"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_report_llm_tokens_and_cost_per_model() {
    let app = spawn_app().await;
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let provenance = issue::Provenance {
        analyzer: "claude",
        model: Some("claude-sonnet-5-5"),
    };
    for (sid, input, cost) in [("2001", 1200, 0.25), ("2002", 800, 0.5)] {
        let t = testkit::ticket(sid, "subject", &format!("text {sid}"), Utc::now());
        let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
        issue::record_analysis_with_run(
            &mut conn,
            id,
            &t.content_hash(),
            &[],
            provenance,
            db::models::analysis_run::RunUsage {
                input_tokens: input,
                output_tokens: 300,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 5000,
                batch: false,
                cost_usd: Some(cost),
            },
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let text = app.metrics().await;
    let labels = "analyzer=\"claude\",model=\"claude-sonnet-5-5\"";
    for line in [
        format!("issue_miner_llm_tokens_total{{{labels},kind=\"input\"}} 2000"),
        format!("issue_miner_llm_tokens_total{{{labels},kind=\"output\"}} 600"),
        format!("issue_miner_llm_tokens_total{{{labels},kind=\"cache_read\"}} 10000"),
        format!("issue_miner_llm_tokens_total{{{labels},kind=\"cache_write\"}} 0"),
        format!("issue_miner_llm_cost_usd_total{{{labels}}} 0.75"),
        format!("issue_miner_analysis_runs_total{{{labels}}} 2"),
        "# TYPE issue_miner_llm_tokens_total counter".to_string(),
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing {line:?} in:\n{text}"
        );
    }
    assert!(
        text.contains("issue_miner_jobs_processed_total{queue=\"analyze\"}"),
        "{text}"
    );
}

/// Sends one request byte for byte as given (no client normalizes `/./`, `/../` or escapes)
/// and returns the status.
async fn raw_status(port: &str, method: &str, path: &str, token: Option<&str>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(port).await.unwrap();
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let body = if method == "GET" { "" } else { "{}" };
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let head = String::from_utf8_lossy(&response);
    head.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line for {method} {path}: {head}"))
}

/// The spellings of `path` that a router which decodes would take for it: escaped letters
/// (lower and upper case hex), escaped separators, dot segments and empty segments.
fn encoded_variants(path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let join = |segs: &[String]| format!("/{}", segs.join("/"));
    let owned: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        let Some(first) = seg.chars().next().filter(char::is_ascii_alphabetic) else {
            continue;
        };
        let mut lower = owned.clone();
        lower[i] = format!("%{:02x}{}", first as u8, &seg[1..]);
        out.push(join(&lower));
        let mut upper = owned.clone();
        let last = seg.chars().last().unwrap();
        upper[i] = format!("{}%{:02X}", &seg[..seg.len() - 1], last as u8);
        out.push(join(&upper));
    }
    if segments.len() > 1 {
        let rest = segments[1..].join("/");
        out.push(format!("/{}%2F{rest}", segments[0]));
        out.push(format!("/{}%2f{rest}", segments[0]));
        out.push(format!("/{}/./{rest}", segments[0]));
        out.push(format!("/{}/%2e/{rest}", segments[0]));
        out.push(format!("/{}/x/../{rest}", segments[0]));
        out.push(format!("/{}//{rest}", segments[0]));
    }
    out.push(format!("/.{path}"));
    out.push(format!("/{path}"));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_holds_its_scope_under_every_spelling_of_its_path() {
    // Arrange: every operation of the committed OpenAPI document, with its declared scope.
    let app = spawn_app().await;
    let doc: Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
    let port = app.base.trim_start_matches("http://").to_string();
    // People's sessions hold their role's scope exactly as tokens hold theirs.
    let viewer = session(&app.env, "viewer").await;
    let editor = session(&app.env, "editor").await;
    let admin = session(&app.env, "admin").await;
    let tokens = [
        ("none", None, 0),
        ("read", Some(app.read.as_str()), 1),
        ("write", Some(app.write.as_str()), 2),
        ("admin", Some(app.admin.as_str()), 3),
        ("viewer session", Some(viewer.as_str()), 1),
        ("editor session", Some(editor.as_str()), 2),
        ("admin session", Some(admin.as_str()), 3),
    ];
    let (mut checked, mut refused_variants, mut authorized_plain) = (0, 0, 0);
    let mut failures = Vec::new();
    for (template, operations) in doc["paths"].as_object().unwrap() {
        for (method, operation) in operations.as_object().unwrap() {
            let method = method.to_uppercase();
            let needs = match operation["security"][0]["bearer"][0].as_str() {
                None => 0,
                Some("read") => 1,
                Some("write") => 2,
                Some("admin") => 3,
                Some(other) => panic!("unknown scope {other}"),
            };
            let path = template
                .replace("{source_id}", "1001")
                .replace("{queue}", "analyze")
                .replace("{id}/retry", "01JOBID/retry")
                .replace("dead-letters/{id}", "dead-letters/1")
                .replace("{id}", "00000000-0000-0000-0000-000000000000");
            for (name, token, level) in tokens {
                // Signing out ends the session it is sent with: sign out a fresh one.
                let fresh;
                let token = match (path.as_str(), name.strip_suffix(" session")) {
                    ("/api/auth/logout", Some(role)) => {
                        fresh = session(&app.env, role).await;
                        Some(fresh.as_str())
                    }
                    _ => token,
                };
                // Act + Assert: the plain path is refused exactly when the scope is short.
                let plain = raw_status(&port, &method, &path, token).await;
                checked += 1;
                let refused = matches!(plain, 401 | 403);
                let expected = if needs == 0 { false } else { level < needs };
                if refused != expected {
                    failures.push(format!("{method} {path} as {name}: {plain}"));
                }
                if !refused {
                    authorized_plain += 1;
                }
                // Every other spelling is refused as a bad path (400) before routing, whoever
                // asks: a 404 could come from a handler the request should not have reached.
                for variant in encoded_variants(&path) {
                    let status = raw_status(&port, &method, &variant, token).await;
                    checked += 1;
                    if status == 400 {
                        refused_variants += 1;
                    } else {
                        failures.push(format!(
                            "{method} {variant} as {name}: {status} (plain {plain})"
                        ));
                    }
                }
            }
        }
    }
    println!(
        "scope matrix: {checked} requests over {} operations x {} tokens; \
         {authorized_plain} plain requests authorized, {refused_variants} encoded variants refused",
        doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|o| o.as_object().unwrap().len())
            .sum::<usize>(),
        tokens.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_huge_pages_odd_dates_and_blank_names_get_a_4xx() {
    // Arrange
    let app = spawn_app().await;
    let (pto, _) = seed(&app).await;

    // NUL in a query, a path id, and JSON bodies: 400, never a 500.
    for path in [
        "/api/issues?search=%00",
        "/api/tickets/%00",
        "/api/tickets/10%0001",
        "/api/clusters?sort=%00",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body["message"].is_string(), "{path}: {body}");
    }
    for patch in [
        json!({"pm_notes": "before\u{0}after"}),
        json!({"name": "PTO\u{0}"}),
    ] {
        let (status, body) = app
            .patch(&format!("/api/clusters/{pto}"), patch.clone())
            .await;
        assert_eq!(status, 400, "{patch}: {body}");
    }
    let (status, body) = app
        .post(
            "/api/tickets",
            json!({"external_id": "n-1", "description": "clock\u{0} broke", "tags": ["a\u{0}"]}),
        )
        .await;
    assert_eq!(status, 400, "{body}");

    // Pages far past the end are refused before any arithmetic (no overflow, no drop).
    for path in [
        "/api/issues?page=9223372036854775807",
        "/api/clusters?page=9223372036854775807",
        "/api/issues?page=9223372036854775807&per_page=200",
    ] {
        let (status, body) = app.get(path).await;
        assert_eq!(status, 400, "{path}: {body}");
    }
    let (status, body) = app
        .admin_get("/api/ops/dead-letters?page=9223372036854775807")
        .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .get("/api/issues/summary?days=9223372036854775807")
        .await;
    assert_eq!(status, 400);

    // Dates outside 1990 .. tomorrow are refused at intake.
    for created in [
        "0001-01-01T00:00:00Z",
        "9999-12-31T00:00:00Z",
        "1989-12-31T23:59:59Z",
    ] {
        let (status, body) = app
            .post(
                "/api/tickets",
                json!({"external_id": format!("d-{created}"), "description": "clock broke", "created_at": created}),
            )
            .await;
        assert_eq!(status, 422, "{created}: {body}");
    }

    // A name of only whitespace and zero-width characters is blank.
    let (status, body) = app
        .patch(
            &format!("/api/clusters/{pto}"),
            json!({"name": " \u{200B}\u{FEFF}\u{2060}\t "}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, cluster) = app.get(&format!("/api/clusters/{pto}")).await;
    assert_eq!(cluster["cluster"]["cluster_name"], "PTO balance wrong");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_with_bad_input_fails_before_its_first_byte() {
    let app = spawn_app().await;
    seed(&app).await;
    let response = app.raw_get("/api/export/issues?search=%00").await;
    assert_eq!(response.status().as_u16(), 400);
    assert!(response
        .headers()
        .get("content-type")
        .is_some_and(|c| c.to_str().unwrap().starts_with("application/json")));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "bad_request", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_request_is_logged_with_its_route_reason_and_token_id() {
    testkit::capture_logs();
    let app = spawn_app().await;
    let (status, _) = app
        .call(
            reqwest::Method::GET,
            "/api/ops/queues",
            Some(&app.read),
            None,
        )
        .await;
    assert_eq!(status, 403);
    let logs = testkit::captured_logs();
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let reader = db::models::api_token::list(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.name == "reader")
        .unwrap();
    let line = logs
        .lines()
        .find(|l| l.contains("request refused") && l.contains(&reader.id.to_string()))
        .unwrap_or_else(|| panic!("no refusal line for the read token in:\n{logs}"));
    assert!(line.contains("/api/ops/queues"), "{line}");
    assert!(line.contains("insufficient_scope"), "{line}");
    assert!(
        !line.contains(&app.read),
        "the token itself was logged: {line}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_preview_what_would_be_sent_to_claude_for_a_ticket() {
    // Arrange: a ticket full of personal data.
    let app = spawn_app().await;
    let mut t = testkit::ticket(
        "5001",
        "Call 020 7946 0958",
        "Hi, I'm Brenda. SSN 123 45 6789, pw: hunter2, my card 4111 1111 1111 1111.",
        // Whole seconds: the stored time (microseconds) must print as the given one.
        chrono::DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap(),
    );
    t.requester_email = Some("brenda.castillo@keystone.example".into());
    t.tags = vec!["customer:Brenda Castillo".into(), "hardware".into()];
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id.0;
    let path = format!("/api/ops/tickets/{id}/redaction-preview");

    // Act
    let (status, body) = app.admin_get(&path).await;
    let (forbidden, _) = app.get(&path).await;

    // Assert: the prompt the Claude analyzer builds, scrubbed; admin only.
    assert_eq!(status, 200, "{body}");
    assert_eq!(forbidden, 403);
    let prompt = body["user_prompt"].as_str().unwrap();
    assert_eq!(prompt, analysis::claude::extraction_user_prompt(&t));
    for leaked in ["Brenda", "7946", "6789", "hunter2", "4111", "castillo"] {
        assert!(!prompt.contains(leaked), "{leaked} leaked: {prompt}");
    }
    assert!(body["redactions"]["NAME"].as_u64().unwrap() >= 1, "{body}");
    assert_eq!(body["redactions"]["CARD"], 1, "{body}");
}
