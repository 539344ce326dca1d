//! The database layer against a real PostgreSQL: each test has its own database.

use chrono::{Duration, Utc};
use db::models::{cluster, issue, ticket};
use diesel::sql_types::Text;
use diesel_async::RunQueryDsl;
use domain::{IssueType, PmStatus, Severity, ValidatedIssue};
use std::collections::BTreeSet;
use testkit::TestDb;

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

async fn tables(db: &TestDb) -> BTreeSet<String> {
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT table_name::text AS name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    rows.into_iter().map(|r| r.name).collect()
}

fn issue(sub: &str, severity: Severity, summary: &str) -> ValidatedIssue {
    let (category, subcategory) = domain::Taxonomy::default()
        .check_pair(
            domain::Taxonomy::default()
                .pairs()
                .find(|(_, s)| s.key == sub)
                .map(|(c, _)| c.key.as_str())
                .unwrap(),
            sub,
        )
        .unwrap();
    ValidatedIssue {
        category,
        subcategory,
        issue_type: IssueType::Bug,
        severity,
        summary: summary.into(),
        detail: None,
        representative_quote: None,
        confidence: Some(0.8),
    }
}

const OFFLINE: issue::Provenance<'static> = issue::Provenance {
    analyzer: "test",
    model: None,
};

#[tokio::test(flavor = "multi_thread")]
async fn migrations_go_up_down_and_up_again() {
    use diesel::migration::MigrationSource;
    let db = TestDb::empty().await;
    let all = MigrationSource::<diesel::pg::Pg>::migrations(&db::MIGRATIONS)
        .unwrap()
        .len();

    assert_eq!(db::run_migrations(&db.url).await.unwrap(), all);
    let up = tables(&db).await;
    for table in [
        "extracted_issues",
        "issue_clusters",
        "sync_state",
        "taxonomy_subcategories",
        "tickets",
    ] {
        assert!(up.contains(table), "{table} missing from {up:?}");
    }
    assert_eq!(
        db::run_migrations(&db.url).await.unwrap(),
        0,
        "a second run applies nothing"
    );

    assert_eq!(db::revert_all_migrations(&db.url).await.unwrap(), all);
    assert!(tables(&db).await.is_empty(), "down removes every table");

    assert_eq!(db::run_migrations(&db.url).await.unwrap(), all);
    assert_eq!(tables(&db).await, up);
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_rs_matches_the_migrated_database_column_for_column() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    // Parse `table! { name (pk) { column -> Type, … } }` blocks out of schema.rs.
    let schema = include_str!("../src/schema.rs");
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let mut table: Option<String> = None;
    for line in schema.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{').filter(|_| line.contains('(')) {
            table = Some(rest.split_whitespace().next().unwrap().to_string());
        } else if line == "}" {
            table = None;
        } else if let (Some(t), Some((column, _))) = (&table, line.split_once(" -> ")) {
            declared.insert(format!("{t}.{column}"));
        }
    }
    let rows: Vec<Name> = diesel::sql_query(
        "SELECT (table_name || '.' || column_name)::text AS name FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .await
    .unwrap();
    let actual: BTreeSet<String> = rows.into_iter().map(|r| r.name).collect();
    assert_eq!(declared, actual);
}

#[tokio::test(flavor = "multi_thread")]
async fn check_constraints_list_exactly_the_rust_vocabularies() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    for (constraint, values) in [
        (
            "chk_severity",
            Severity::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>(),
        ),
        (
            "chk_issue_type",
            IssueType::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "chk_pm_status",
            PmStatus::ALL.iter().map(|v| v.as_str()).collect(),
        ),
        (
            "chk_tickets_source",
            domain::SourceKind::ALL.iter().map(|v| v.as_str()).collect(),
        ),
    ] {
        let def: Name = diesel::sql_query(
            "SELECT pg_get_constraintdef(oid) AS name FROM pg_constraint WHERE conname = $1",
        )
        .bind::<Text, _>(constraint)
        .get_result(&mut conn)
        .await
        .unwrap();
        let quoted: BTreeSet<&str> = def.name.split('\'').skip(1).step_by(2).collect();
        assert_eq!(
            quoted,
            values.iter().copied().collect(),
            "{constraint}: {}",
            def.name
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_refuses_issues_outside_the_loaded_taxonomy() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let t = ticket::upsert(&mut conn, &testkit::ticket("1", "s", "d", Utc::now()))
        .await
        .unwrap();
    let mut bad = issue("pto", Severity::Low, "x");
    bad.category = "SETTINGS".into(); // SETTINGS has no pto
    let err = issue::record_analysis(
        &mut conn,
        t.id,
        &testkit::ticket("1", "s", "d", Utc::now()).content_hash(),
        &[bad],
        OFFLINE,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("fk_issues_taxonomy"), "{err}");
    assert!(issue::for_ticket(&mut conn, t.id).await.unwrap().is_empty());
    assert!(!ticket::find(&mut conn, t.id)
        .await
        .unwrap()
        .unwrap()
        .is_analyzed());
}

#[tokio::test(flavor = "multi_thread")]
async fn upserting_the_same_ticket_twice_stores_one_row_and_reports_no_change() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let mut t = testkit::ticket("42", "Clock down", "The clock reboots", Utc::now());

    let first = ticket::upsert(&mut conn, &t).await.unwrap();
    assert!(first.created && first.content_changed);

    t.status = Some("solved".into());
    let second = ticket::upsert(&mut conn, &t).await.unwrap();
    assert_eq!(second.id, first.id);
    assert!(
        !second.created && !second.content_changed,
        "status is not analyzed text"
    );
    assert_eq!(
        ticket::find(&mut conn, first.id)
            .await
            .unwrap()
            .unwrap()
            .status
            .as_deref(),
        Some("solved")
    );

    t.internal_notes = Some("Escalated to engineering".into());
    let third = ticket::upsert(&mut conn, &t).await.unwrap();
    assert!(!third.created && third.content_changed);
    assert_eq!(ticket::counts(&mut conn).await.unwrap().total, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nul_character_from_a_source_is_dropped_instead_of_failing_the_batch() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let mut bad = testkit::ticket("7\0", "Clock\0 down", "It \0reboots", Utc::now());
    bad.tags = vec!["vip\0".into()];
    bad.requester_email = Some("a\0@b.com".into());
    let good = testkit::ticket("8", "Payroll late", "Pay run failed", Utc::now());

    let stored = ticket::upsert_many(&mut conn, &[bad.clone(), good])
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    let row = ticket::find(&mut conn, stored[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.source_id, "7");
    assert_eq!(row.subject.as_deref(), Some("Clock down"));
    assert_eq!(row.description.as_deref(), Some("It reboots"));
    assert_eq!(row.tags, serde_json::json!(["vip"]));

    // The same ticket again, one at a time, is the same row with no content change.
    let again = ticket::upsert(&mut conn, &bad).await.unwrap();
    assert_eq!(again.id, stored[0].id);
    assert!(!again.content_changed);
}

#[derive(diesel::QueryableByName)]
struct Scans {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
}

/// Sequential scans of the issues table so far (statistics flushed first).
async fn issue_scans(conn: &mut db::PgConn) -> i64 {
    diesel::sql_query("SELECT pg_stat_force_next_flush()")
        .execute(conn)
        .await
        .unwrap();
    diesel::sql_query("SELECT pg_stat_clear_snapshot()")
        .execute(conn)
        .await
        .unwrap();
    let rows: Vec<Scans> = diesel::sql_query(
        "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'extracted_issues'",
    )
    .load(conn)
    .await
    .unwrap();
    rows[0].seq_scan
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clusterers_embedding_read_uses_the_index_after_the_table_grows_from_empty() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    // A clusterer started on an empty database reads embeddings many times early on: a cached
    // generic plan made now would be a scan of the (empty) table.
    for _ in 0..10 {
        let none = issue::embeddings(&mut conn, &[domain::IssueId(uuid::Uuid::new_v4())])
            .await
            .unwrap();
        assert!(none.is_empty());
    }
    let mut ids = Vec::new();
    for n in 0..300 {
        let t = testkit::ticket(&n.to_string(), "PTO", "PTO balance wrong", Utc::now());
        let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
        issue::record_analysis_with_embeddings(
            &mut conn,
            id,
            &t.content_hash(),
            &[issue("pto", Severity::High, "PTO balance wrong")],
            Some(issue::Embeddings {
                model: "test-model",
                vectors: &[vec![0.5; 384]],
            }),
            OFFLINE,
        )
        .await
        .unwrap();
        let stored = issue::for_ticket(&mut conn, id).await.unwrap();
        ids.push(stored[0].issue_id());
    }
    let before = issue_scans(&mut conn).await;
    for id in &ids[..20] {
        let found = issue::embeddings(&mut conn, std::slice::from_ref(id))
            .await
            .unwrap();
        assert_eq!(found.len(), 1);
    }
    assert_eq!(
        issue_scans(&mut conn).await,
        before,
        "each read of one issue's embedding went through the primary key, not a table scan"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn issue_embeddings_are_stored_with_the_issues_and_read_back_by_id() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let t = testkit::ticket("8", "PTO", "PTO balance wrong", Utc::now());
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    let hash = t.content_hash();
    let issues = [
        issue("pto", Severity::High, "PTO balance wrong"),
        issue("punch_in_out", Severity::Low, "Punch late"),
    ];
    let vectors = vec![vec![0.6, 0.8, 0.0], vec![0.0, -1.0, 0.0]];

    let too_few = issue::Embeddings {
        model: "test-model",
        vectors: &vectors[..1],
    };
    issue::record_analysis_with_embeddings(&mut conn, id, &hash, &issues, Some(too_few), OFFLINE)
        .await
        .expect_err("one embedding for two issues is refused");
    assert!(issue::for_ticket(&mut conn, id).await.unwrap().is_empty());

    let embeddings = issue::Embeddings {
        model: "test-model",
        vectors: &vectors,
    };
    issue::record_analysis_with_embeddings(
        &mut conn,
        id,
        &hash,
        &issues,
        Some(embeddings),
        OFFLINE,
    )
    .await
    .unwrap();
    let rows = issue::for_ticket(&mut conn, id).await.unwrap();
    let ids: Vec<_> = rows.iter().map(|r| r.issue_id()).collect();
    let mut stored = issue::embeddings(&mut conn, &ids).await.unwrap();
    stored.sort_by_key(|(issue_id, _, _)| ids.iter().position(|i| i == issue_id));
    let by_summary: Vec<(&str, &str, &[f32])> = stored
        .iter()
        .map(|(issue_id, model, v)| {
            let row = rows.iter().find(|r| r.issue_id() == *issue_id).unwrap();
            (row.summary.as_str(), model.as_str(), v.as_slice())
        })
        .collect();
    assert!(by_summary.contains(&("PTO balance wrong", "test-model", &[0.6, 0.8, 0.0][..])));
    assert!(by_summary.contains(&("Punch late", "test-model", &[0.0, -1.0, 0.0][..])));

    // Recorded without embeddings (no model on this machine): the issues have none.
    issue::record_analysis(&mut conn, id, &hash, &issues, OFFLINE)
        .await
        .unwrap();
    let ids: Vec<_> = issue::for_ticket(&mut conn, id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.issue_id())
        .collect();
    assert!(issue::embeddings(&mut conn, &ids).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn recording_an_analysis_replaces_the_issues_and_ignores_stale_text() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let t = testkit::ticket("7", "PTO", "PTO balance wrong", Utc::now());
    let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
    let hash = t.content_hash();

    let issues = [
        issue("pto", Severity::High, "PTO balance wrong"),
        issue("punch_in_out", Severity::Low, "Punch late"),
    ];
    let r = issue::record_analysis(&mut conn, id, &hash, &issues, OFFLINE)
        .await
        .unwrap();
    assert!(matches!(r, issue::Recorded::Written { issues: 2, .. }));
    // The same job again: same state, no duplicates.
    issue::record_analysis(&mut conn, id, &hash, &issues, OFFLINE)
        .await
        .unwrap();
    assert_eq!(issue::for_ticket(&mut conn, id).await.unwrap().len(), 2);
    assert!(ticket::find(&mut conn, id)
        .await
        .unwrap()
        .unwrap()
        .is_analyzed());

    let r = issue::record_analysis(
        &mut conn,
        id,
        "0".repeat(64).as_str(),
        &issues[..1],
        OFFLINE,
    )
    .await
    .unwrap();
    assert_eq!(r, issue::Recorded::Stale);
    assert_eq!(issue::for_ticket(&mut conn, id).await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_statistics_count_weeks_customers_and_trend_from_ticket_dates() {
    let db = TestDb::migrated().await;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    let now = Utc::now();
    let c = cluster::create(&mut conn, "TIME_AND_ATTENDANCE", "pto", "PTO balance wrong")
        .await
        .unwrap();
    // Three this week (two from the same org), one the week before, one a month ago.
    let cases = [
        ("1", 1, Some("Acme"), "a@acme.com"),
        ("2", 2, Some("ACME "), "b@acme.com"),
        ("3", 3, None, "c@beta.io"),
        ("4", 10, None, "d@gmail.com"),
        ("5", 30, Some("Gamma"), "e@gamma.com"),
    ];
    for (sid, days_ago, org, email) in cases {
        let mut t = testkit::ticket(
            sid,
            "PTO",
            &format!("PTO wrong {sid}"),
            now - Duration::days(days_ago),
        );
        t.requester_org_name = org.map(String::from);
        t.requester_email = Some(email.into());
        let id = ticket::upsert(&mut conn, &t).await.unwrap().id;
        issue::record_analysis(
            &mut conn,
            id,
            &t.content_hash(),
            &[issue("pto", Severity::Medium, "PTO wrong")],
            OFFLINE,
        )
        .await
        .unwrap();
        let row = &issue::for_ticket(&mut conn, id).await.unwrap()[0];
        assert!(
            cluster::assign(&mut conn, row.issue_id(), c.cluster_id(), t.created_at)
                .await
                .unwrap()
        );
        assert!(
            !cluster::assign(&mut conn, row.issue_id(), c.cluster_id(), t.created_at)
                .await
                .unwrap(),
            "assigning twice counts once"
        );
    }

    assert_eq!(
        cluster::recompute_stats(&mut conn, now, None)
            .await
            .unwrap(),
        1
    );
    let c = cluster::find(&mut conn, c.cluster_id())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.issue_count, 5);
    assert_eq!(c.unique_customers, 4, "acme counted once across spellings");
    assert_eq!((c.count_7d, c.count_prior_7d), (3, 1));
    assert_eq!(c.trend_pct, Some(200.0));
    assert!(c.is_emerging, "3 this week against 1 is fast growth");
    assert_eq!(
        c.first_seen.unwrap().timestamp(),
        (now - Duration::days(30)).timestamp()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_a_claude_batch_does_not_wait_for_a_running_zendesk_sync() {
    // Arrange: one session holds the Zendesk sync lock, as the ingest service does while it syncs.
    let db = TestDb::migrated().await;
    let pool = db.pool(2);
    let mut sync = pool.get().await.unwrap();
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<diesel::sql_types::BigInt, _>(db::models::sync_state::ZENDESK_SYNC_LOCK)
        .execute(&mut sync)
        .await
        .unwrap();

    // Act: an analyzer checks whether to open a batch for the backlog.
    let mut analyzer = pool.get().await.unwrap();
    let opened = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        db::models::claude_batch::open_for_backlog(&mut analyzer, "claude-test", 1_000, 10),
    )
    .await;

    // Assert: it answers at once (nothing to batch) instead of queueing behind the sync.
    let opened = opened.expect("open_for_backlog waited for the Zendesk sync's lock");
    assert_eq!(opened.unwrap(), None);
}
