use clap::Parser;
use ingest::{Cli, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::init_telemetry();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    ingest::run(cli, settings).await
}
