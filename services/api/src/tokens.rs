//! `api token create|list|revoke`: managing the API's bearer tokens from the command line.

use anyhow::Context as _;
use db::models::api_token;
use runtime::Infra;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (on stdout, once: only its hash is stored).
    Create {
        /// Who or what uses it ("dashboard", "zapier"); recorded with every edit it makes.
        #[arg(long)]
        name: String,
        /// read, write or admin (admin includes write, write includes read).
        #[arg(long, value_parser = parse_scope)]
        scope: auth::Scope,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by id (it stops working within a minute, as servers cache lookups).
    Revoke { id: uuid::Uuid },
}

fn parse_scope(s: &str) -> Result<auth::Scope, String> {
    s.parse()
}

/// The longest token name (the column's size).
const MAX_NAME: usize = 100;

pub async fn run(infra: &Infra, command: TokenCommand) -> anyhow::Result<()> {
    let mut conn = infra.pool.get().await?;
    match command {
        TokenCommand::Create { name, scope } => {
            let name = crate::routes::params::name("--name", &name, MAX_NAME)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let name = name.as_str();
            let (token, hash) = auth::generate_token().context("generating a random token")?;
            let row = api_token::create(&mut conn, name, scope.as_str(), &hash)
                .await
                .context("storing the token")?;
            eprintln!(
                "Created token {} ({name}, scope {scope}). Store it now: it is not shown again.",
                row.id
            );
            println!("{token}");
        }
        TokenCommand::List => {
            let rows = api_token::list(&mut conn).await?;
            if rows.is_empty() {
                println!("no tokens; create one with `api token create --name N --scope read`");
            }
            for t in rows {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "active".into(),
                };
                let used = t.last_used_at.map_or("never used".into(), |u| {
                    format!("last used {}", u.format("%Y-%m-%d %H:%M"))
                });
                println!("{}  {:<6} {:<24} {state}, {used}", t.id, t.scope, t.name);
            }
        }
        TokenCommand::Revoke { id } => {
            if api_token::revoke(&mut conn, id).await? {
                println!("revoked {id}");
            } else {
                anyhow::bail!("no active token {id}");
            }
        }
    }
    Ok(())
}
