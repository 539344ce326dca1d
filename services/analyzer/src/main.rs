use analyzer::{Cli, Settings};
use clap::Parser;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    runtime::init_telemetry();
    let cli = Cli::parse();
    let settings = Settings::from_env()?;
    analyzer::run(cli, settings).await
}
