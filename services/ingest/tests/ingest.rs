//! The ingest service against a real PostgreSQL and Redis: file imports here, the Zendesk
//! sync (against a fake Zendesk) and the webhooks in `cases/`.

mod cases;
mod support;

use db::models::ticket;
use ingest::zendesk_file::ZendeskFile;
use testkit::TestEnv;

const SAMPLE: &str = include_str!("../data/sample_tickets.jsonl");

fn first_lines(n: usize) -> String {
    SAMPLE.lines().take(n).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_the_same_file_twice_yields_the_same_rows_and_enqueues_nothing_the_second_time() {
    let env = TestEnv::new().await;
    let text = first_lines(40);

    let first = ingest::sync(
        &mut ZendeskFile::parse(&text, None),
        &env.infra.pool,
        &env.infra.queues,
    )
    .await
    .unwrap();
    assert_eq!(
        (first.read, first.created, first.enqueued, first.failed),
        (40, 40, 40, 0)
    );
    let depth = env.infra.queues.depth("analyze").await.unwrap();
    assert_eq!(depth.pending, 40);

    let mut conn = env.infra.pool.get().await.unwrap();
    let before = ticket::counts(&mut conn).await.unwrap();
    let second = ingest::sync(
        &mut ZendeskFile::parse(&text, None),
        &env.infra.pool,
        &env.infra.queues,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            second.read,
            second.created,
            second.changed,
            second.unchanged,
            second.enqueued
        ),
        (40, 0, 0, 40, 0)
    );
    assert_eq!(ticket::counts(&mut conn).await.unwrap(), before);
    assert_eq!(
        env.infra.queues.depth("analyze").await.unwrap().pending,
        40,
        "nothing new was queued"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_ticket_whose_text_changed_is_queued_again_and_bad_lines_are_counted() {
    let env = TestEnv::new().await;
    let original = first_lines(3);
    ingest::sync(
        &mut ZendeskFile::parse(&original, None),
        &env.infra.pool,
        &env.infra.queues,
    )
    .await
    .unwrap();

    let first = SAMPLE.lines().next().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(first).unwrap();
    value["description"] = "A completely different description of the problem.".into();
    value["comments"] = serde_json::json!([]);
    let changed = format!(
        "{}\nnot json at all\n{}",
        value,
        SAMPLE.lines().nth(1).unwrap()
    );

    let report = ingest::sync(
        &mut ZendeskFile::parse(&changed, None),
        &env.infra.pool,
        &env.infra.queues,
    )
    .await
    .unwrap();
    assert_eq!(
        (
            report.changed,
            report.unchanged,
            report.failed,
            report.enqueued
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(env.infra.queues.depth("analyze").await.unwrap().pending, 4);
}

#[test]
fn the_bundled_sample_is_large_and_varied_enough_for_the_demo() {
    let tickets: Vec<_> = SAMPLE
        .lines()
        .map(|l| {
            serde_json::from_str::<ingest::zendesk_file::ZendeskTicket>(l)
                .unwrap()
                .into_incoming()
        })
        .collect();
    assert!(tickets.len() >= 500, "{} tickets", tickets.len());
    let orgs: std::collections::HashSet<_> = tickets
        .iter()
        .filter_map(|t| t.requester_org_name.clone())
        .collect();
    assert!(orgs.len() >= 30, "{} organizations", orgs.len());
    let newest = tickets.iter().map(|t| t.created_at).max().unwrap();
    let oldest = tickets.iter().map(|t| t.created_at).min().unwrap();
    assert!(
        (newest - oldest).num_days() >= 25,
        "dates span {} days",
        (newest - oldest).num_days()
    );
}
