//! People signing in, over HTTP against a real PostgreSQL: passwords, sessions and their
//! ends, roles on routes, the audit trail, rate limits, security headers, `/metrics`.

use api::{Application, Settings};
use serde_json::{json, Value};
use testkit::TestEnv;

struct App {
    base: String,
    client: reqwest::Client,
    env: TestEnv,
    _stop: tokio::sync::oneshot::Sender<()>,
}

const PASSWORD: &str = "correct horse battery staple";

async fn spawn_with(configure: impl FnOnce(&mut Settings)) -> App {
    let env = TestEnv::new().await;
    let mut settings = Settings::with_common(env.settings());
    settings.cache_ttl = std::time::Duration::ZERO;
    configure(&mut settings);
    let app = Application::build(&settings, env.infra.clone()).unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));
    App {
        base,
        client: reqwest::Client::new(),
        env,
        _stop: stop,
    }
}

async fn spawn() -> App {
    spawn_with(|_| {}).await
}

impl App {
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let response = self.raw(method, path, token, body).await;
        let status = response.status().as_u16();
        (
            status,
            response.json::<Value>().await.unwrap_or(Value::Null),
        )
    }

    async fn raw(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        if let Some(b) = body {
            request = request.json(&b);
        }
        request.send().await.unwrap()
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, Some(token), None)
            .await
    }

    /// Adds a person with [`PASSWORD`].
    async fn user(&self, email: &str, role: &str) -> uuid::Uuid {
        let mut conn = self.env.infra.pool.get().await.unwrap();
        let hash = auth::password::hash(PASSWORD).unwrap();
        db::models::user::create(
            &mut conn,
            db::models::user::NewUser {
                email,
                name: "Test Person",
                role,
                password_hash: Some(&hash),
                oidc: None,
            },
        )
        .await
        .unwrap()
        .unwrap()
        .id
    }

    async fn login(&self, email: &str, password: &str) -> (u16, Value) {
        let body = json!({"email": email, "password": password});
        self.call(reqwest::Method::POST, "/api/auth/login", None, Some(body))
            .await
    }

    /// Signs in and answers the session token.
    async fn session(&self, email: &str) -> String {
        let (status, body) = self.login(email, PASSWORD).await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn sql(&self, statement: &str) {
        use diesel_async::RunQueryDsl as _;
        let mut conn = self.env.infra.pool.get().await.unwrap();
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_signs_in_acts_with_their_role_and_signs_out() {
    // Arrange
    let app = spawn().await;
    app.user("ana@example.com", "viewer").await;
    app.user("eli@example.com", "editor").await;
    app.user("ada@example.com", "admin").await;

    // Act: sign in (the email in any case, with spaces).
    let (status, body) = app.login("  Ana@Example.COM ", PASSWORD).await;

    // Assert: a session token, its end, and who it is.
    assert_eq!(status, 200, "{body}");
    let viewer = body["token"].as_str().unwrap().to_string();
    assert!(viewer.starts_with("ims_"), "{viewer}");
    assert_eq!(body["user"]["email"], "ana@example.com");
    assert_eq!(body["user"]["role"], "viewer");
    assert_eq!(body["user"]["scope"], "read");
    let (status, me) = app.get("/api/auth/me", &viewer).await;
    assert_eq!(
        (status, me["email"].as_str()),
        (200, Some("ana@example.com"))
    );

    // A viewer reads but cannot change; an editor changes but cannot run operations; an
    // admin can.
    let editor = app.session("eli@example.com").await;
    let admin = app.session("ada@example.com").await;
    assert_eq!(app.get("/api/clusters", &viewer).await.0, 200);
    let cluster = "/api/clusters/00000000-0000-0000-0000-000000000000";
    let edit = || Some(json!({"name": "x"}));
    let (as_viewer, _) = app
        .call(reqwest::Method::PATCH, cluster, Some(&viewer), edit())
        .await;
    assert_eq!(as_viewer, 403);
    let (as_editor, _) = app
        .call(reqwest::Method::PATCH, cluster, Some(&editor), edit())
        .await;
    assert_eq!(as_editor, 404, "an editor reaches the handler");
    assert_eq!(app.get("/api/ops/queues", &editor).await.0, 403);
    assert_eq!(app.get("/api/users", &editor).await.0, 403);
    assert_eq!(app.get("/api/ops/queues", &admin).await.0, 200);

    // Act: sign out.
    let response = app
        .raw(
            reqwest::Method::POST,
            "/api/auth/logout",
            Some(&viewer),
            None,
        )
        .await;
    assert_eq!(response.status().as_u16(), 204);

    // Assert: the session is over at once; the others are not.
    let (status, body) = app.get("/api/clusters", &viewer).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(app.get("/api/clusters", &editor).await.0, 200);
    // An API token cannot "sign out".
    let (token, hash) = auth::generate_token().unwrap();
    let mut conn = app.env.infra.pool.get().await.unwrap();
    db::models::api_token::create(&mut conn, "zapier", "read", &hash)
        .await
        .unwrap();
    let (status, me) = app.get("/api/auth/me", &token).await;
    assert_eq!(
        (status, me["name"].as_str(), me["role"].clone()),
        (200, Some("zapier"), Value::Null)
    );
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/auth/logout",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_email_wrong_password_and_disabled_accounts_get_the_same_401() {
    // Arrange
    let app = spawn().await;
    app.user("ana@example.com", "editor").await;
    let off = app.user("bo@example.com", "editor").await;
    app.sql(&format!(
        "UPDATE users SET disabled_at = now() WHERE id = '{off}'"
    ))
    .await;

    // Act
    let answers = [
        app.login("nobody@example.com", PASSWORD).await,
        app.login("ana@example.com", "correct horse battery stapl")
            .await,
        app.login("bo@example.com", PASSWORD).await,
        app.login("", "").await,
    ];

    // Assert: one answer, which tells nothing about which part was wrong.
    for (status, body) in &answers {
        assert_eq!(*status, 401, "{body}");
        assert_eq!(body, &answers[0].1);
    }
    assert_eq!(answers[0].1["message"], "wrong email or password");

    // Malformed and oversize input is a 400, not a 401 or a 500.
    let (status, _) = app
        .call(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ana@example.com"})),
        )
        .await;
    assert_eq!(status, 400);
    let (status, _) = app.login("ana@example.com", &"x".repeat(300)).await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_end_when_idle_when_old_and_when_the_person_changes() {
    // Arrange
    let app = spawn().await;
    let ana = app.user("ana@example.com", "editor").await;
    app.user("ada@example.com", "admin").await;
    let idle = app.session("ana@example.com").await;
    let old = app.session("ana@example.com").await;
    let live = app.session("ana@example.com").await;
    let admin = app.session("ada@example.com").await;
    let hash = |t: &str| auth::hash_token(t);

    // Act: one session unused for 13 hours, one past its absolute end.
    app.sql(&format!(
        "UPDATE user_sessions SET last_seen_at = now() - interval '13 hours' WHERE token_hash = '{}'",
        hash(&idle)
    ))
    .await;
    app.sql(&format!(
        "UPDATE user_sessions SET expires_at = now() - interval '1 second' WHERE token_hash = '{}'",
        hash(&old)
    ))
    .await;

    // Assert
    assert_eq!(app.get("/api/auth/me", &idle).await.0, 401);
    assert_eq!(app.get("/api/auth/me", &old).await.0, 401);
    assert_eq!(app.get("/api/auth/me", &live).await.0, 200);

    // Act: an admin makes Ana a viewer.
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/users/{ana}"),
            Some(&admin),
            Some(json!({"role": "viewer"})),
        )
        .await;

    // Assert: her sessions ended; she signs in again as a viewer.
    assert_eq!(
        (status, body["role"].as_str()),
        (200, Some("viewer")),
        "{body}"
    );
    assert_eq!(app.get("/api/auth/me", &live).await.0, 401);
    let again = app.session("ana@example.com").await;
    assert_eq!(app.get("/api/auth/me", &again).await.1["scope"], "read");

    // An admin cannot lock themselves out.
    let ada = app.get("/api/auth/me", &admin).await.1["id"]
        .as_str()
        .unwrap()
        .to_string();
    for change in [json!({"role": "editor"}), json!({"disabled": true})] {
        let (status, body) = app
            .call(
                reqwest::Method::PATCH,
                &format!("/api/users/{ada}"),
                Some(&admin),
                Some(change),
            )
            .await;
        assert_eq!(status, 409, "{body}");
    }
    // An admin changing their own password stays signed in here, and only here.
    let elsewhere = app.session("ada@example.com").await;
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/users/{ada}"),
            Some(&admin),
            Some(json!({"password": "a brand new passphrase"})),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.get("/api/auth/me", &admin).await.0, 200);
    assert_eq!(app.get("/api/auth/me", &elsewhere).await.0, 401);
    // Disabling ends every session too.
    app.call(
        reqwest::Method::PATCH,
        &format!("/api/users/{ana}"),
        Some(&admin),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(app.get("/api/auth/me", &again).await.0, 401);
    assert_eq!(app.login("ana@example.com", PASSWORD).await.0, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn admins_add_people_and_bad_input_gets_a_4xx() {
    // Arrange
    let app = spawn().await;
    app.user("ada@example.com", "admin").await;
    let admin = app.session("ada@example.com").await;
    let add = |body: Value| {
        app.call(
            reqwest::Method::POST,
            "/api/users",
            Some(&admin),
            Some(body),
        )
    };

    // Act + Assert
    let (status, body) = add(json!({"email": "New@Example.com", "name": "New", "role": "editor", "password": "long enough password"})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["email"], "new@example.com");
    assert_eq!(body["has_password"], true);
    assert!(body.get("password_hash").is_none());
    assert_eq!(
        app.login("new@example.com", "long enough password").await.0,
        200
    );
    let (status, _) =
        add(json!({"email": "new@example.com", "name": "Again", "role": "viewer"})).await;
    assert_eq!(status, 409);
    for bad in [
        json!({"email": "not-an-email", "name": "N", "role": "viewer"}),
        json!({"email": "a@example.com", "name": "N", "role": "owner"}),
        json!({"email": "a@example.com", "name": "\u{200b} ", "role": "viewer"}),
        json!({"email": "a@example.com", "name": "N", "role": "viewer", "password": "short"}),
    ] {
        let (status, body) = add(bad.clone()).await;
        assert_eq!(status, 422, "{bad}: {body}");
    }
    let (status, _) =
        add(json!({"email": "a@example.com", "name": "N", "role": "viewer", "admin": true})).await;
    assert_eq!(status, 400, "unknown fields are refused");
    let (status, list) = app.get("/api/users", &admin).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_trail_names_the_person() {
    // Arrange: a cluster to rename.
    let app = spawn().await;
    app.user("eli@example.com", "editor").await;
    let editor = app.session("eli@example.com").await;
    let mut conn = app.env.infra.pool.get().await.unwrap();
    let cluster =
        db::models::cluster::create(&mut conn, "TIME_AND_ATTENDANCE", "pto", "PTO balance wrong")
            .await
            .unwrap();

    // Act
    let (status, body) = app
        .call(
            reqwest::Method::PATCH,
            &format!("/api/clusters/{}", cluster.id),
            Some(&editor),
            Some(json!({"name": "PTO balance resets after the accrual run"})),
        )
        .await;

    // Assert
    assert_eq!(status, 200, "{body}");
    use diesel::{ExpressionMethods as _, QueryDsl as _};
    use diesel_async::RunQueryDsl as _;
    let actors: Vec<String> = db::schema::cluster_events::table
        .filter(db::schema::cluster_events::cluster_id.eq(cluster.id))
        .select(db::schema::cluster_events::actor)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(actors, ["eli@example.com"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_requests_or_sign_ins_get_429_with_retry_after() {
    // Arrange
    let app = spawn_with(|s| {
        s.limits.api_per_credential = 5;
        s.limits.login_per_email = 3;
    })
    .await;
    app.user("ana@example.com", "viewer").await;
    let token = app.session("ana@example.com").await;

    // Act: guess Ana's password.
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(app.login("ana@example.com", "wrong password guess").await.0);
    }
    let limited = app
        .raw(
            reqwest::Method::POST,
            "/api/auth/login",
            None,
            Some(json!({"email": "ana@example.com", "password": PASSWORD})),
        )
        .await;

    // Assert: the first sign-in and two guesses spent the budget of 3; even the right
    // password now waits.
    assert_eq!(statuses, [401, 401, 429]);
    assert_eq!(limited.status().as_u16(), 429);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    // Act: the session's budget of 5 requests.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get("/api/auth/me", &token).await.0);
    }

    // Assert
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429]);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_carries_security_headers_and_metrics_want_their_token() {
    // Arrange
    let app = spawn_with(|s| s.metrics_token = Some(runtime::Secret::new("scrape-me"))).await;

    // Act + Assert: a 200, a 401 and a 404 alike.
    for (path, status) in [("/health", 200), ("/api/clusters", 401), ("/nowhere", 404)] {
        let response = app.raw(reqwest::Method::GET, path, None, None).await;
        assert_eq!(response.status().as_u16(), status, "{path}");
        let h = response.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{csp}"
        );
    }
    assert_eq!(
        app.raw(reqwest::Method::GET, "/metrics", None, None)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.raw(reqwest::Method::GET, "/metrics", Some("wrong"), None)
            .await
            .status(),
        403
    );
    let scraped = app
        .raw(reqwest::Method::GET, "/metrics", Some("scrape-me"), None)
        .await;
    assert_eq!(scraped.status(), 200);

    // Without METRICS_TOKEN, a loopback scraper is private and may read.
    let open = spawn().await;
    assert_eq!(
        open.raw(reqwest::Method::GET, "/metrics", None, None)
            .await
            .status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn single_sign_on_is_refused_cleanly_when_absent_or_replayed() {
    // Arrange: not configured.
    let app = spawn().await;

    // Act + Assert
    let (status, body) = app
        .call(reqwest::Method::GET, "/api/auth/providers", None, None)
        .await;
    assert_eq!(
        (status, body["oidc"].clone(), body["password"].clone()),
        (200, Value::Null, json!(true))
    );
    let (status, _) = app
        .call(reqwest::Method::POST, "/api/auth/oidc/start", None, None)
        .await;
    assert_eq!(status, 404);

    // Configured, with an unknown (or replayed) state: 401 before the provider is asked.
    let app = spawn_with(|s| {
        s.oidc = Some(api::oidc::OidcSettings {
            issuer_url: "http://127.0.0.1:9/".into(),
            client_id: "issue-miner".into(),
            client_secret: runtime::Secret::new("secret"),
            redirect_url: "http://127.0.0.1:3000/auth/callback".into(),
            display_name: "Acme SSO".into(),
            allowed_domains: vec![],
            default_role: auth::Role::Viewer,
        })
    })
    .await;
    let (_, body) = app
        .call(reqwest::Method::GET, "/api/auth/providers", None, None)
        .await;
    assert_eq!(body["oidc"]["name"], "Acme SSO");
    let (status, body) = app
        .call(
            reqwest::Method::POST,
            "/api/auth/oidc/callback",
            None,
            Some(json!({"code": "c", "state": "never-issued"})),
        )
        .await;
    assert_eq!(status, 401, "{body}");
    // The provider is down: 503, not a 500.
    let (status, body) = app
        .call(reqwest::Method::POST, "/api/auth/oidc/start", None, None)
        .await;
    assert_eq!(status, 503, "{body}");
}
