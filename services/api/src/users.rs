//! `api user create|list|set-password|disable`: the people who sign in, from the command line
//! (how the first admin is made). Passwords come from `USER_PASSWORD` or stdin, never argv
//! (which other users of the machine can read).

use anyhow::Context as _;
use auth::{password, Role};
use db::models::user;
use runtime::Infra;
use std::io::BufRead as _;

#[derive(Debug, Clone, clap::Subcommand)]
pub enum UserCommand {
    /// Add a person. The password is read from USER_PASSWORD, else from the first line of
    /// stdin; `--sso-only` adds a person who signs in only through single sign-on.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// viewer, editor or admin.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        sso_only: bool,
    },
    /// List everyone (never a password).
    List,
    /// Set a person's password (from USER_PASSWORD or stdin); their sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Disable a person; their sessions end at once.
    Disable {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(s: &str) -> Result<Role, String> {
    s.parse()
}

/// USER_PASSWORD, else the first line of stdin.
fn read_password() -> anyhow::Result<String> {
    if let Some(p) = runtime::settings::env_var("USER_PASSWORD") {
        return Ok(p);
    }
    eprintln!("password (one line on stdin):");
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn run(infra: &Infra, command: UserCommand) -> anyhow::Result<()> {
    let mut conn = infra.pool.get().await?;
    let email_of = |e: &str| {
        crate::routes::auth::normalize_email(e).map_err(|e| anyhow::anyhow!("--email: {e}"))
    };
    match command {
        UserCommand::Create {
            email,
            name,
            role,
            sso_only,
        } => {
            let email = email_of(&email)?;
            let name = crate::routes::params::name("--name", &name, 100)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let password_hash = if sso_only {
                None
            } else {
                Some(password::hash_new(&read_password()?)?)
            };
            let row = user::create(
                &mut conn,
                user::NewUser {
                    email: &email,
                    name: &name,
                    role: role.as_str(),
                    password_hash: password_hash.as_deref(),
                    oidc: None,
                },
            )
            .await
            .context("storing the user")?
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "{email} has an account already (set-password changes its password)"
                )
            })?;
            println!("created {} {} ({})", row.id, row.email, row.role);
        }
        UserCommand::List => {
            let rows = user::list(&mut conn).await?;
            if rows.is_empty() {
                println!("no users; add the first admin with `api user create --email E --name N --role admin`");
            }
            for u in rows {
                let state = match u.disabled_at {
                    Some(at) => format!("disabled {}", at.format("%Y-%m-%d %H:%M")),
                    None => "active".into(),
                };
                let login = u.last_login_at.map_or("never signed in".into(), |at| {
                    format!("last sign-in {}", at.format("%Y-%m-%d %H:%M"))
                });
                println!("{}  {:<6} {:<32} {state}, {login}", u.id, u.role, u.email);
            }
        }
        UserCommand::SetPassword { email } => {
            let email = email_of(&email)?;
            let found = user::find_by_email(&mut conn, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {email}"))?;
            let hashed = password::hash_new(&read_password()?)?;
            let changes = user::UserChanges {
                password_hash: Some(Some(&hashed)),
                ..Default::default()
            };
            user::update(&mut conn, found.id, changes, None).await?;
            println!("password set for {email}; their sessions ended");
        }
        UserCommand::Disable { email } => {
            let email = email_of(&email)?;
            let found = user::find_by_email(&mut conn, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no user {email}"))?;
            let changes = user::UserChanges {
                disabled_at: Some(Some(chrono::Utc::now())),
                ..Default::default()
            };
            user::update(&mut conn, found.id, changes, None).await?;
            println!("disabled {email}; their sessions ended");
        }
    }
    Ok(())
}
