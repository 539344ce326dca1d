//! The Zendesk sync against a fake Zendesk that speaks the real wire format.

use crate::support::fake_zendesk::{self, FakeZendesk, Fault};
use db::models::{sync_state, ticket};
use domain::SourceKind;
use ingest::zendesk_sync::ZendeskSync;
use std::time::Duration;
use testkit::TestEnv;

const EXPORT: &str = "/api/v2/incremental/tickets/cursor.json";

fn syncer(env: &TestEnv, fake: &FakeZendesk, page: u32) -> ZendeskSync {
    let mut config = fake.config();
    config.export_page_size = page;
    ZendeskSync::new(
        zendesk::Client::new(config).unwrap(),
        env.infra.pool.clone(),
        env.infra.queues.clone(),
    )
}

async fn stored(env: &TestEnv) -> i64 {
    let mut conn = env.infra.pool.get().await.unwrap();
    ticket::counts(&mut conn).await.unwrap().total
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backfill_reads_every_page_with_comments_requesters_and_organizations() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(2500)).await;
    let zendesk = syncer(&env, &fake, 500);

    let report = zendesk.run(Some(30)).await.unwrap();

    assert_eq!(
        (report.read, report.created, report.failed),
        (2500, 2500, 0)
    );
    assert_eq!(stored(&env).await, 2500);
    let exports: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.path == EXPORT)
        .collect();
    assert_eq!(exports.len(), 5, "five pages of 500");
    assert!(exports[0].query.contains_key("start_time"));
    assert_eq!(
        exports[0].query.get("include").map(String::as_str),
        Some("users,organizations")
    );
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Zendesk, "1007")
        .await
        .unwrap()
        .unwrap();
    let public = t.public_comments.unwrap();
    assert!(public.contains("Agent reply to 1007"), "{public}");
    assert!(
        !public.contains("rejects badge punches"),
        "the description is not repeated: {public}"
    );
    assert!(t
        .internal_notes
        .unwrap()
        .contains("Internal: firmware 3.2 suspected for 1007"));
    assert_eq!(
        t.requester_email.as_deref(),
        Some("user507@customer7.example")
    );
    assert_eq!(t.requester_org_name.as_deref(), Some("Customer 97 Inc"));
    assert_eq!(
        sync_state::latest_cursor(&mut conn, "zendesk")
            .await
            .unwrap(),
        Some(fake.cursor_after(2499)),
        "the last page's cursor is where the next run starts"
    );
    assert_eq!(
        env.infra.queues.depth("analyze").await.unwrap().pending,
        2500
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_sync_resumes_from_its_stored_cursor_without_gaps_or_duplicates() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(1200)).await;
    // Users and organizations are looked up with show_many instead of side-loaded.
    fake.set_side_load(false);
    let zendesk = syncer(&env, &fake, 300);
    // Page 3 keeps dropping the connection mid-body: more times than the client retries.
    let page3 = fake.cursor_after(599);
    for _ in 0..4 {
        fake.fail_next(&format!("cursor={page3}"), Fault::DropConnection);
    }
    // A comment fetch on page 1 meets two 500s, which retries absorb.
    fake.fail_next("/api/v2/tickets/1010/comments.json", Fault::ServerError);
    fake.fail_next("/api/v2/tickets/1010/comments.json", Fault::ServerError);

    let crashed = zendesk.run(Some(30)).await;

    let error = format!("{:#}", crashed.unwrap_err());
    assert!(
        error.contains("dropped") || error.contains("failed after"),
        "{error}"
    );
    assert_eq!(stored(&env).await, 600, "pages 1 and 2 are stored");
    let mut conn = env.infra.pool.get().await.unwrap();
    assert_eq!(
        sync_state::latest_cursor(&mut conn, "zendesk")
            .await
            .unwrap(),
        Some(page3.clone())
    );
    let t = ticket::find_by_source(&mut conn, SourceKind::Zendesk, "1010")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        t.requester_org_name.as_deref(),
        Some("Customer 90 Inc"),
        "resolved through show_many"
    );

    let requests_before = fake.seen().len();
    let resumed = zendesk.run(None).await.unwrap();

    let first_export = fake.seen()[requests_before..]
        .iter()
        .find(|s| s.path == EXPORT)
        .cloned()
        .unwrap();
    assert_eq!(
        first_export.query.get("cursor"),
        Some(&page3),
        "resumed where it stopped"
    );
    assert_eq!((resumed.read, resumed.created), (600, 600));
    assert_eq!(stored(&env).await, 1200);
    assert_eq!(
        env.infra.queues.depth("analyze").await.unwrap().pending,
        1200,
        "every ticket queued exactly once"
    );
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_is_retried_only_after_its_retry_after() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(20)).await;
    let zendesk = syncer(&env, &fake, 10);
    let page2 = fake.cursor_after(9);
    fake.fail_next(
        &format!("cursor={page2}"),
        Fault::RateLimited {
            retry_after_secs: 1.0,
        },
    );

    let report = zendesk.run(Some(30)).await.unwrap();

    assert_eq!(report.read, 20);
    let page2_requests: Vec<_> = fake
        .seen()
        .into_iter()
        .filter(|s| s.query.get("cursor") == Some(&page2))
        .collect();
    assert_eq!(
        page2_requests.iter().map(|s| s.status).collect::<Vec<_>>(),
        vec![429, 200]
    );
    let waited = page2_requests[1].at - page2_requests[0].at;
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_that_times_out_is_retried() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(10)).await;
    let mut config = fake.config();
    config.timeout = Duration::from_millis(300);
    let zendesk = ZendeskSync::new(
        zendesk::Client::new(config).unwrap(),
        env.infra.pool.clone(),
        env.infra.queues.clone(),
    );
    fake.fail_next(
        "/api/v2/tickets/1003/comments.json",
        Fault::Stall { secs: 1.0 },
    );

    let report = zendesk.run(Some(30)).await.unwrap();

    assert_eq!(report.created, 10);
    let first_pages = fake
        .seen()
        .into_iter()
        .filter(|s| s.path == "/api/v2/tickets/1003/comments.json" && !s.query.contains_key("page"))
        .count();
    assert_eq!(first_pages, 2, "the timed-out request was sent again");
    let mut conn = env.infra.pool.get().await.unwrap();
    let t = ticket::find_by_source(&mut conn, SourceKind::Zendesk, "1003")
        .await
        .unwrap()
        .unwrap();
    assert!(t.internal_notes.is_some());
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_run_requeues_only_the_ticket_whose_text_changed() {
    let env = TestEnv::new().await;
    let fake = FakeZendesk::start(fake_zendesk::tickets(40)).await;
    let zendesk = syncer(&env, &fake, 100);
    zendesk.run(Some(30)).await.unwrap();

    fake.update_ticket(1012, "Customer: still broken after the power cycle.");
    let changed = zendesk.run(None).await.unwrap();
    let nothing = zendesk.run(None).await.unwrap();

    assert_eq!((changed.read, changed.changed, changed.enqueued), (1, 1, 1));
    assert_eq!((nothing.read, nothing.enqueued), (0, 0));
    assert_eq!(env.infra.queues.depth("analyze").await.unwrap().pending, 41);
    fake.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_service_consumes_sync_jobs() {
    let env = TestEnv::new().await;
    // Tickets from three days ago: the first scheduled run (the last day) finds none, the
    // backfill job (five days) finds them all.
    let fake = FakeZendesk::start(fake_zendesk::tickets_ending(
        30,
        chrono::Utc::now() - chrono::Duration::days(3),
    ))
    .await;
    let settings = ingest::Settings {
        common: env.settings(),
        zendesk: Some(fake.config()),
        zendesk_sync_every: Duration::from_secs(3600),
        webhooks: Default::default(),
        max_body_bytes: 1 << 20,
        zendesk_tolerance_secs: 300,
        poll_interval: Duration::from_millis(50),
        webhooks_per_address: 0,
    };
    let infra = env.infra.clone();
    let service = testkit::Running::spawn(|shutdown| ingest::serve(settings, infra, shutdown));

    env.infra
        .queues
        .enqueue_sync(domain::jobs::SyncTickets {
            source: SourceKind::Zendesk,
            backfill_days: Some(5),
        })
        .await
        .unwrap();
    testkit::eventually("the backfill job stores 30 tickets", 30, || async {
        (stored(&env).await == 30).then_some(())
    })
    .await;

    service.stop().await;
    fake.stop().await;
}
