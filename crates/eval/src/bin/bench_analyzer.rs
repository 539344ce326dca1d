//! `make bench-analyzer`: tickets per second of the offline analyzers on the bundled demo
//! tickets (the embedding analyzer in batches, as a backfill runs it, and one ticket at a
//! time, as the queue worker runs it), where the time goes, and what the matrix products
//! reach on this machine, which bounds the embedding analyzer. Peak memory is measured by the
//! Makefile around it.

use analysis::embedding::{EmbeddingAnalyzer, MAX_SENTENCE_TOKENS};
use analysis::offline::KeywordAnalyzer;
use candle_core::{Device, Tensor};
use domain::Taxonomy;
use std::collections::HashSet;
use std::time::Instant;

/// Tickets per `extract_batch` call.
const BATCH: usize = 32;
/// Tickets the encoder analyzes one at a time (a slow measurement: a hundred suffice).
const ENCODER_SINGLE: usize = 100;
/// Multiply-adds per token of all-MiniLM-L6-v2's encoder: 6 layers × (4 × 384² attention
/// projections + 2 × 384 × 1536 feed-forward), attention scores aside (a few % at sentence
/// lengths).
const MACS_PER_TOKEN: f64 = 6.0 * (4.0 * 384.0 * 384.0 + 2.0 * 384.0 * 1536.0);

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
    let analyzer = EmbeddingAnalyzer::new(embedder.clone(), &taxonomy)?;
    let load_secs = started.elapsed().as_secs_f64();

    let (batched, one_by_one) = rates(&analyzer, &tickets, 1, ENCODER_SINGLE)?;

    // The distilled table: the same analyzer over summed token vectors, over the demo tickets
    // ten times (one pass is too short to time).
    let static_dir = embed::model_dir_from_env();
    let static_rates = match embed::Embedder::load_kind(&static_dir, embed::Kind::Static) {
        Ok(e) => {
            let a = EmbeddingAnalyzer::new(std::sync::Arc::new(e), &taxonomy)?;
            Some(rates(&a, &tickets, 10, tickets.len())?)
        }
        Err(e) => {
            eprintln!("static table not measured: {e}");
            None
        }
    };

    // Where the batched time goes: embedding (tokenizer + encoder) against the rest.
    let started = Instant::now();
    let mut embedded = Vec::new();
    for chunk in tickets.chunks(BATCH) {
        embedded.push(analyzer.embed_tickets(chunk)?);
    }
    let embed_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for batch in &embedded {
        for t in batch {
            analyzer.decide(t);
        }
    }
    let decide_secs = started.elapsed().as_secs_f64();
    // The encoder's work: tokens of the distinct sentences of each batch.
    let (mut sentences, mut distinct, mut tokens) = (0usize, 0usize, 0usize);
    for batch in &embedded {
        let mut seen = HashSet::new();
        for s in batch.iter().flat_map(|t| t.sentences()) {
            sentences += 1;
            if seen.insert(s) {
                distinct += 1;
                tokens += embedder.token_count(s, MAX_SENTENCE_TOKENS)?;
            }
        }
    }
    let encoder_gflop = tokens as f64 * MACS_PER_TOKEN * 2.0 / 1e9;

    let (gemm_wall, gemm_cpu) = gemm_gflops()?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = tickets.len() as f64;
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("| analyzer | mode | tickets/s (wall) | tickets per CPU-second |");
    println!("|---|---|---|---|");
    println!("| keyword (baseline) | one at a time | {keyword_rate:.0} | |");
    println!(
        "| embedding | batches of {BATCH} tickets, {} tickets | {:.1} | {:.1} |",
        tickets.len(),
        batched.0,
        batched.1
    );
    println!(
        "| embedding | one at a time, {ENCODER_SINGLE} tickets | {:.1} | {:.1} |",
        one_by_one.0, one_by_one.1
    );
    if let Some((batched, single)) = static_rates {
        println!(
            "| embedding, static table (EMBEDDING_KIND=static) | batches of {BATCH} tickets, {} \
             tickets | {:.0} | {:.0} |",
            tickets.len() * 10,
            batched.0,
            batched.1
        );
        println!(
            "| embedding, static table (EMBEDDING_KIND=static) | one at a time, {} tickets | \
             {:.0} | {:.0} |",
            tickets.len(),
            single.0,
            single.1
        );
    }
    println!("load average during the run: {}", load.trim());
    println!();
    println!(
        "per ticket: {:.1} sentences, {:.1} distinct within its batch, {:.0} encoder tokens, \
         {:.2} GFLOP",
        sentences as f64 / n,
        distinct as f64 / n,
        tokens as f64 / n,
        encoder_gflop / n
    );
    println!(
        "batched time: {:.0} % embedding (tokenizer + encoder, {:.1} GFLOP/s), {:.0} % the rest",
        100.0 * embed_secs / (embed_secs + decide_secs),
        encoder_gflop / embed_secs,
        100.0 * decide_secs / (embed_secs + decide_secs)
    );
    println!(
        "matrix product 1024x384 by 384x1536: {gemm_wall:.1} GFLOP/s wall, {gemm_cpu:.1} GFLOP \
         per CPU-second; at that rate on {threads} idle cores the encoder alone allows {:.0} \
         tickets/s",
        gemm_cpu * threads as f64 / (encoder_gflop / n)
    );
    println!("model load + example embedding: {load_secs:.1} s; {threads} CPU threads");
    Ok(())
}

/// ((tickets/s wall, tickets per CPU-second) in batches of [`BATCH`], the same one at a
/// time) over `tickets` repeated `rounds` times, and over the first `single` one at a time.
type Rates = ((f64, f64), (f64, f64));

fn rates(
    analyzer: &EmbeddingAnalyzer,
    tickets: &[&domain::IncomingTicket],
    rounds: usize,
    single: usize,
) -> anyhow::Result<Rates> {
    let clock = Clock::start();
    for _ in 0..rounds {
        for chunk in tickets.chunks(BATCH) {
            analyzer.extract_batch(chunk)?;
        }
    }
    let (wall, cpu) = clock.stop();
    let n = (tickets.len() * rounds) as f64;
    let batched = (n / wall, n / cpu);
    let clock = Clock::start();
    for t in tickets.iter().take(single) {
        analyzer.extract(t)?;
    }
    let (wall, cpu) = clock.stop();
    let n = single.min(tickets.len()) as f64;
    Ok((batched, (n / wall, n / cpu)))
}

/// What candle's CPU matrix product reaches here on the encoder's feed-forward shape, per
/// second of wall time and per second of CPU time.
fn gemm_gflops() -> anyhow::Result<(f64, f64)> {
    let a = Tensor::randn(0f32, 1.0, (1024, 384), &Device::Cpu)?;
    let b = Tensor::randn(0f32, 1.0, (384, 1536), &Device::Cpu)?;
    a.matmul(&b)?;
    let rounds = 50;
    let clock = Clock::start();
    for _ in 0..rounds {
        a.matmul(&b)?;
    }
    let (wall, cpu) = clock.stop();
    let gflop = 2.0 * 1024.0 * 384.0 * 1536.0 * f64::from(rounds) / 1e9;
    Ok((gflop / wall, gflop / cpu))
}

/// Wall time and this process's CPU time (all threads). On a machine shared with other
/// work the wall time depends on the neighbours; CPU time much less.
struct Clock {
    wall: Instant,
    cpu: f64,
}

impl Clock {
    fn start() -> Self {
        Clock {
            wall: Instant::now(),
            cpu: cpu_seconds(),
        }
    }

    /// (wall seconds, CPU seconds) since `start`.
    fn stop(&self) -> (f64, f64) {
        (
            self.wall.elapsed().as_secs_f64(),
            (cpu_seconds() - self.cpu).max(1e-3),
        )
    }
}

/// User + system CPU time of this process from /proc/self/stat (Linux), in seconds.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}
