use clap::Parser;
use clusterer::{Cli, Settings};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::init_telemetry();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    clusterer::run(cli, settings).await
}
