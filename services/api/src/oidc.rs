//! Single sign-on through OpenID Connect (authorization code flow with PKCE and a nonce), with
//! the `openidconnect` crate over the workspace's reqwest.
//!
//! The provider's discovery document and keys are fetched at the first sign-in and kept for
//! [`METADATA_TTL`], so a provider that rotates its keys is followed within the hour and one
//! that is down at start-up does not stop the API.

use crate::ApiError;
use auth::Role;
use futures::future::BoxFuture;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    TokenResponse as _,
};
use runtime::settings::env_var;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long the provider's metadata and keys are reused.
pub const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The longest a request to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// `OIDC_*`: the provider and this client's registration with it.
#[derive(Debug, Clone)]
pub struct OidcSettings {
    /// `OIDC_ISSUER_URL`, e.g. `https://accounts.example.com`.
    pub issuer_url: String,
    /// `OIDC_CLIENT_ID`, `OIDC_CLIENT_SECRET`.
    pub client_id: String,
    pub client_secret: runtime::Secret,
    /// `OIDC_REDIRECT_URL`: the dashboard's `/auth/callback`, as registered with the provider.
    pub redirect_url: String,
    /// `OIDC_PROVIDER_NAME`: the sign-in button's label (default "single sign-on").
    pub display_name: String,
    /// `OIDC_ALLOWED_DOMAINS`: email domains whose people get an account at their first
    /// sign-in (comma-separated; empty: only people an admin added).
    pub allowed_domains: Vec<String>,
    /// `OIDC_DEFAULT_ROLE`: the role of such a new account (default viewer).
    pub default_role: Role,
}

impl OidcSettings {
    /// `None` when `OIDC_ISSUER_URL` is not set; an error when it is but the rest is missing.
    pub fn from_env() -> anyhow::Result<Option<Self>> {
        let Some(issuer_url) = env_var("OIDC_ISSUER_URL") else {
            return Ok(None);
        };
        let need = |name: &str| {
            env_var(name)
                .ok_or_else(|| anyhow::anyhow!("OIDC_ISSUER_URL is set, so {name} must be"))
        };
        let default_role = match env_var("OIDC_DEFAULT_ROLE") {
            Some(role) => role
                .parse()
                .map_err(|e: String| anyhow::anyhow!("OIDC_DEFAULT_ROLE: {e}"))?,
            None => Role::Viewer,
        };
        Ok(Some(OidcSettings {
            issuer_url,
            client_id: need("OIDC_CLIENT_ID")?,
            client_secret: runtime::Secret::new(need("OIDC_CLIENT_SECRET")?),
            redirect_url: need("OIDC_REDIRECT_URL")?,
            display_name: env_var("OIDC_PROVIDER_NAME").unwrap_or_else(|| "single sign-on".into()),
            allowed_domains: env_var("OIDC_ALLOWED_DOMAINS")
                .unwrap_or_default()
                .split(',')
                .map(|d| d.trim().trim_start_matches('@').to_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            default_role,
        }))
    }
}

/// A sign-in begun: where to send the browser, and what to keep until the callback.
pub struct Started {
    pub authorize_url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// Whom a verified ID token names.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
}

/// A client made from discovered metadata: authorization endpoint set, token and user-info
/// endpoints as the provider declares them.
type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The relying party.
pub struct Oidc {
    settings: OidcSettings,
    http: reqwest::Client,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

/// A failed request to the provider.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(String);

impl Oidc {
    pub fn new(settings: OidcSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()?;
        Ok(Oidc {
            settings,
            http,
            metadata: Mutex::new(None),
        })
    }

    pub fn display_name(&self) -> &str {
        &self.settings.display_name
    }

    pub fn default_role(&self) -> Role {
        self.settings.default_role
    }

    /// Whether a verified email of this domain may get an account at its first sign-in.
    pub fn allows_domain(&self, email: &str) -> bool {
        email
            .rsplit_once('@')
            .is_some_and(|(_, domain)| self.settings.allowed_domains.iter().any(|d| d == domain))
    }

    /// The workspace's reqwest, shaped as the client `openidconnect` calls.
    fn http_client(
        &self,
    ) -> impl Fn(
        openidconnect::HttpRequest,
    ) -> BoxFuture<'static, Result<openidconnect::HttpResponse, HttpError>>
           + '_ {
        move |request| {
            let client = self.http.clone();
            Box::pin(async move {
                let (parts, body) = request.into_parts();
                let response = client
                    .request(parts.method, parts.uri.to_string())
                    .headers(parts.headers)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| HttpError(e.to_string()))?;
                let mut answer = openidconnect::http::Response::builder().status(response.status());
                for (name, value) in response.headers() {
                    answer = answer.header(name, value);
                }
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| HttpError(e.to_string()))?;
                answer
                    .body(body.to_vec())
                    .map_err(|e| HttpError(e.to_string()))
            })
        }
    }

    /// The provider's metadata and keys, fetched when missing or older than the TTL.
    async fn metadata(&self, refresh: bool) -> Result<CoreProviderMetadata, ApiError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, at)) = cached.as_ref() {
            if !refresh && at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer_url.clone())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("OIDC_ISSUER_URL: {e}")))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http_client())
            .await
            .map_err(|e| {
                tracing::error!(error = %e, issuer = %self.settings.issuer_url, "OIDC discovery failed");
                ApiError::Unavailable("the identity provider".into())
            })?;
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    fn redirect(&self) -> Result<RedirectUrl, ApiError> {
        RedirectUrl::new(self.settings.redirect_url.clone())
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("OIDC_REDIRECT_URL: {e}")))
    }

    /// This client at the provider, from its metadata (`refresh`: fetched anew).
    async fn client(&self, refresh: bool) -> Result<Client, ApiError> {
        Ok(CoreClient::from_provider_metadata(
            self.metadata(refresh).await?,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(
                self.settings.client_secret.expose().to_string(),
            )),
        )
        .set_redirect_uri(self.redirect()?))
    }

    /// Begins a sign-in: a fresh state, nonce and PKCE pair.
    pub async fn start(&self) -> Result<Started, ApiError> {
        let client = self.client(false).await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(openidconnect::Scope::new("email".into()))
            .add_scope(openidconnect::Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            authorize_url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Redeems the code and verifies the ID token; a token signed with a key we do not know
    /// yet refetches the keys once (the provider rotated them).
    pub async fn finish(
        &self,
        code: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, ApiError> {
        let refused = |what: &str, e: &dyn std::fmt::Display| {
            tracing::warn!(error = %e, "SSO sign-in refused: {what}");
            ApiError::Unauthorized(format!(
                "the identity provider's answer was refused ({what}): start again"
            ))
        };
        let client = self.client(false).await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| {
                ApiError::Internal(anyhow::anyhow!("OIDC provider has no token endpoint: {e}"))
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.http_client())
            .await
            .map_err(|e| refused("the code was not accepted", &e))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| refused("no ID token", &"the token response carries none"))?;
        let nonce = Nonce::new(nonce.to_string());
        let verifier = client.id_token_verifier();
        let claims = match id_token.claims(&verifier, &nonce) {
            Ok(claims) => claims.clone(),
            Err(first) => {
                // Perhaps new keys: fetch them once and try again.
                let client = self.client(true).await?;
                let verifier = client.id_token_verifier();
                id_token
                    .claims(&verifier, &nonce)
                    .map_err(|e| {
                        tracing::warn!(error = %first, "ID token refused before refreshing the keys");
                        refused("the ID token did not verify", &e)
                    })?
                    .clone()
            }
        };
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
            name: claims
                .name()
                .and_then(|n| n.get(None))
                .map(|n| n.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(domains: &[&str]) -> OidcSettings {
        OidcSettings {
            issuer_url: "http://127.0.0.1:1/".into(),
            client_id: "im".into(),
            client_secret: runtime::Secret::new("s"),
            redirect_url: "http://127.0.0.1:3000/auth/callback".into(),
            display_name: "SSO".into(),
            allowed_domains: domains.iter().map(|d| d.to_string()).collect(),
            default_role: Role::Viewer,
        }
    }

    #[test]
    fn only_listed_domains_join_by_themselves() {
        let oidc = Oidc::new(settings(&["example.com"])).unwrap();
        assert!(oidc.allows_domain("ana@example.com"));
        assert!(!oidc.allows_domain("ana@example.com.evil.io"));
        assert!(!oidc.allows_domain("ana@sub.example.com"));
        assert!(!Oidc::new(settings(&[]))
            .unwrap()
            .allows_domain("ana@example.com"));
    }
}
