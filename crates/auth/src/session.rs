//! People's sessions: roles, session tokens, and looking a session up.
//!
//! A session ends [`IDLE`] after its last use or [`LIFETIME`] after sign-in, whichever comes
//! first, and at once when the person signs out, is disabled, or has their role or password
//! changed.

use crate::{AuthError, Authenticator, Principal, Scope};
use chrono::{Duration, Utc};
use uuid::Uuid;

pub(crate) const TOKEN_PREFIX: &str = "ims_";

/// A session unused this long has ended.
pub const IDLE: Duration = Duration::hours(12);
/// A session ends this long after sign-in, however busy.
pub const LIFETIME: Duration = Duration::days(7);
/// Last use is written at most this often per session (not on every request).
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// What a person may do: viewers read, editors also change issues and clusters, admins also
/// run operations and manage people. Each role acts with one API scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Editor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    /// The API scope the role acts with.
    pub fn scope(self) -> Scope {
        match self {
            Role::Viewer => Scope::Read,
            Role::Editor => Scope::Write,
            Role::Admin => Scope::Admin,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}; expected viewer, editor or admin"))
    }
}

/// The person behind a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub session_id: Uuid,
}

/// A new random session token and the hash to store.
pub fn generate_token() -> Result<(String, String), getrandom::Error> {
    crate::random_token(TOKEN_PREFIX)
}

impl Authenticator {
    /// The person behind a live session with this token hash.
    pub(crate) async fn session(&self, hash: &str) -> Result<Principal, AuthError> {
        let mut conn = self.pool.get().await.map_err(|e| {
            tracing::warn!(error = %e, "session lookup: no database connection");
            AuthError::Unavailable
        })?;
        let (session, user) = db::models::user::live_session(&mut conn, hash, IDLE)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "session lookup failed");
                AuthError::Unavailable
            })?
            .ok_or(AuthError::Invalid)?;
        if Utc::now() - session.last_seen_at > TOUCH_EVERY {
            if let Err(e) = db::models::user::touch_session(&mut conn, session.id).await {
                tracing::warn!(error = %e, "could not record session use");
            }
        }
        let role: Role = user.role.parse().map_err(|e: String| {
            tracing::error!(user = %user.id, error = %e, "stored user has a bad role");
            AuthError::Invalid
        })?;
        Ok(Principal {
            token_id: session.id,
            name: user.email.clone(),
            scope: role.scope(),
            person: Some(Person {
                id: user.id,
                email: user.email,
                name: user.name,
                role,
                session_id: session.id,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_act_with_nested_scopes() {
        assert_eq!(Role::Viewer.scope(), Scope::Read);
        assert_eq!(Role::Editor.scope(), Scope::Write);
        assert_eq!(Role::Admin.scope(), Scope::Admin);
        assert_eq!("editor".parse::<Role>().unwrap(), Role::Editor);
        assert!("owner".parse::<Role>().is_err());
    }

    #[test]
    fn session_tokens_differ_from_api_tokens() {
        let (token, hash) = generate_token().unwrap();
        assert!(token.starts_with(TOKEN_PREFIX) && token.len() == TOKEN_PREFIX.len() + 64);
        assert_eq!(hash, crate::hash_token(&token));
        assert!(!token.starts_with(crate::TOKEN_PREFIX));
    }
}
