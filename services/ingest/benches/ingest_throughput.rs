//! `make bench-ingest`: tickets per second into PostgreSQL, from a generated 10,000-ticket
//! import file (JSON lines and CSV) and from the fake Zendesk (no rate limit, comments fetched
//! per ticket). Each run creates its own database and Redis prefix and drops them at the end.
//!
//! Goal: at least 2,000 tickets/s from a file, so ingest is never the pipeline's bottleneck.
//!
//! `cargo test --all-targets` runs this binary too (without `--bench`): then it is a quick
//! smoke run on a twentieth of the tickets, checking the bench still works, not measuring.

#[path = "../tests/support/fake_zendesk.rs"]
mod fake_zendesk;

use ingest::zendesk_file::ZendeskFile;
use std::time::Instant;
use testkit::TestEnv;

const FILE_TICKETS: usize = 10_000;
const ZENDESK_TICKETS: usize = 5_000;

fn jsonl(n: usize) -> String {
    fake_zendesk::tickets(n)
        .iter()
        .map(|t| {
            serde_json::json!({
                "id": t.id, "subject": t.subject, "description": t.description, "status": "open",
                "priority": "normal", "tags": ["clock", "hardware"],
                "created_at": t.created_at, "updated_at": t.updated_at,
                "requester": {"id": t.requester_id, "email": format!("user{}@customer.example", t.requester_id)},
                "organization": {"id": t.organization_id, "name": format!("Customer {}", t.organization_id)},
                "comments": t.comments.iter().map(|(public, body)| serde_json::json!({"public": public, "body": body, "created_at": t.created_at})).collect::<Vec<_>>(),
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn csv_text(n: usize) -> String {
    let mut out = String::from("id,subject,description,tags,created_at,updated_at,requester_email,organization,public_comments,internal_notes\n");
    for t in fake_zendesk::tickets(n) {
        out.push_str(&format!(
            "{},\"{}\",\"{}\",clock hardware,{},{},user{}@customer.example,Customer {},\"{}\",\"{}\"\n",
            t.id,
            t.subject,
            t.description,
            t.created_at.to_rfc3339(),
            t.updated_at.to_rfc3339(),
            t.requester_id,
            t.organization_id,
            t.comments[1].1,
            t.comments[2].1
        ));
    }
    out
}

fn rate(n: usize, secs: f64) -> String {
    format!(
        "{n} tickets in {secs:.2} s = {:.0} tickets/s",
        n as f64 / secs
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let measuring = std::env::args().any(|a| a == "--bench");
    let scale = if measuring { 1 } else { 20 };
    let (file_tickets, zendesk_tickets) = (FILE_TICKETS / scale, ZENDESK_TICKETS / scale);
    if measuring {
        println!("ingest throughput (PostgreSQL + Redis on this machine)");
    } else {
        println!("ingest throughput: smoke run (cargo test), numbers not meaningful");
    }

    let text = jsonl(file_tickets);
    let env = TestEnv::new().await;
    let start = Instant::now();
    let mut file = ZendeskFile::parse(&text, None);
    let report = ingest::sync(&mut file, &env.infra.pool, &env.infra.queues).await?;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(report.created == file_tickets, "import stored {report}");
    println!(
        "  file, JSON lines, new tickets:     {}",
        rate(file_tickets, secs)
    );

    let start = Instant::now();
    let mut file = ZendeskFile::parse(&text, None);
    let report = ingest::sync(&mut file, &env.infra.pool, &env.infra.queues).await?;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(report.unchanged == file_tickets, "re-import {report}");
    println!(
        "  file, JSON lines, same file again: {}",
        rate(file_tickets, secs)
    );
    drop(env);

    let text = csv_text(file_tickets);
    let env = TestEnv::new().await;
    let start = Instant::now();
    let mut file = ingest::import::parse_csv(&text, None)?;
    let report = ingest::sync(&mut file, &env.infra.pool, &env.infra.queues).await?;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(report.created == file_tickets, "CSV import stored {report}");
    println!(
        "  file, CSV, new tickets:            {}",
        rate(file_tickets, secs)
    );
    drop(env);

    let env = TestEnv::new().await;
    let fake = fake_zendesk::FakeZendesk::start(fake_zendesk::tickets(zendesk_tickets)).await;
    let zendesk = ingest::zendesk_sync::ZendeskSync::new(
        zendesk::Client::new(fake.config())?,
        env.infra.pool.clone(),
        env.infra.queues.clone(),
    );
    let start = Instant::now();
    let report = zendesk.run(Some(30)).await?;
    let secs = start.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.created == zendesk_tickets,
        "Zendesk sync stored {report}"
    );
    let requests = fake.seen().len();
    println!(
        "  fake Zendesk export + comments:    {} ({requests} HTTP requests)",
        rate(zendesk_tickets, secs)
    );
    fake.stop().await;
    Ok(())
}
