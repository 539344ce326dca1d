//! `make model`'s second step: distills the encoder in the model directory (argument, default
//! [`embed::DEFAULT_MODEL_DIR`]) into the static table `EMBEDDING_KIND=static` loads. Does
//! nothing when the table is already there.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(embed::DEFAULT_MODEL_DIR));
    if dir.join(embed::distilled::FILE).is_file() {
        return ExitCode::SUCCESS;
    }
    let started = std::time::Instant::now();
    let result = embed::Embedder::load(&dir).and_then(|e| {
        e.distill_into(&dir, &mut |done, of| {
            eprint!("\rdistilling the static embedding table: {done}/{of} tokens");
            let _ = std::io::stderr().flush();
        })
    });
    eprintln!();
    match result {
        Ok(()) => {
            eprintln!(
                "static table ready in {} ({:.0} s)",
                dir.join(embed::distilled::FILE).display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("distill-static: {e}");
            ExitCode::FAILURE
        }
    }
}
