//! The parts of the fault-injection suite (`make faults`) and the pipeline benchmark
//! (`make bench-pipeline`): private PostgreSQL and Redis servers that can be restarted without
//! disturbing anything else on the machine, the services as real child processes that can be
//! killed with SIGKILL, a large ticket file built from the bundled samples, and the invariants
//! the pipeline must hold when the dust settles.

pub mod check;
pub mod infra;
pub mod pipeline;
pub mod service;

use std::path::{Path, PathBuf};

/// The repository root (this crate lives in `crates/faults`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("crates/faults is two levels below the root")
        .to_path_buf()
}

/// Where cargo put the service binaries (`CARGO_TARGET_DIR` or `target`, debug profile unless
/// `PROFILE` says otherwise).
pub fn bin_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        repo_root().join(target)
    };
    target.join(std::env::var("PROFILE").unwrap_or_else(|_| "debug".into()))
}

/// A free TCP port on loopback (the OS picks; the race until it is bound is harmless here).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Writes `n` tickets to `path` as JSON lines: the bundled 600 samples over and over, each copy
/// with its own id and a reference number in its text so every ticket is distinct content.
pub fn write_ticket_file(path: &Path, n: usize) -> anyhow::Result<()> {
    use std::io::Write;
    let sample = repo_root().join("services/ingest/data/sample_tickets.jsonl");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&sample)?
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for i in 0..n {
        let mut t = lines[i % lines.len()].clone();
        t["id"] = serde_json::json!(5_000_000 + i);
        if i >= lines.len() {
            let text = t["description"].as_str().unwrap_or_default();
            t["description"] = serde_json::json!(format!("{text}\n\n(ref {i})"));
        }
        serde_json::to_writer(&mut out, &t)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    Ok(())
}
