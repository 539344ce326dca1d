//! `make bench-analyzer`: tickets per second of the offline analyzers on the bundled demo
//! tickets (the embedding analyzer in batches, as a backfill runs it, and one ticket at a
//! time, as the queue worker runs it). Peak memory is measured by the Makefile around it.

use analysis::embedding::EmbeddingAnalyzer;
use analysis::offline::KeywordAnalyzer;
use domain::Taxonomy;
use std::time::Instant;

/// Tickets per `extract_batch` call.
const BATCH: usize = 32;

fn main() -> anyhow::Result<()> {
    let data = eval::sample_tickets()?;
    let tickets: Vec<&domain::IncomingTicket> = data.iter().map(|(t, _)| t).collect();
    let taxonomy = Taxonomy::default();

    let keyword = KeywordAnalyzer::new(taxonomy.clone());
    let started = Instant::now();
    for t in &tickets {
        keyword.extract(t);
    }
    let keyword_rate = tickets.len() as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let embedder = embed::shared().map_err(|e| anyhow::anyhow!("{e}"))?;
    let analyzer = EmbeddingAnalyzer::new(embedder, &taxonomy)?;
    let load_secs = started.elapsed().as_secs_f64();

    let started = Instant::now();
    for chunk in tickets.chunks(BATCH) {
        analyzer.extract_batch(chunk)?;
    }
    let batched_rate = tickets.len() as f64 / started.elapsed().as_secs_f64();

    let single: Vec<_> = tickets.iter().take(100).collect();
    let started = Instant::now();
    for t in &single {
        analyzer.extract(t)?;
    }
    let single_rate = single.len() as f64 / started.elapsed().as_secs_f64();

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("| analyzer | mode | tickets/s |");
    println!("|---|---|---|");
    println!("| keyword (baseline) | one at a time | {keyword_rate:.0} |");
    println!(
        "| embedding | batches of {BATCH} tickets, {} tickets | {batched_rate:.1} |",
        tickets.len()
    );
    println!(
        "| embedding | one at a time, {} tickets | {single_rate:.1} |",
        single.len()
    );
    println!("model load + example embedding: {load_secs:.1} s; {threads} CPU threads");
    Ok(())
}
