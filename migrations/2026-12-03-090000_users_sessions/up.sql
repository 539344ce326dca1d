-- People sign in (issue #17): users with a role, their sessions, and the OpenID Connect
-- sign-ins under way. Only hashes of secrets are stored: argon2 for passwords, sha-256 for
-- session tokens (as for API tokens), sha-256 for the OIDC state.

CREATE TABLE users (
    id            UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Lower-cased; the identity sessions, audits and SSO match on (100: the audit columns' size).
    email         VARCHAR(100) NOT NULL,
    name          VARCHAR(100) NOT NULL,
    role          VARCHAR(10)  NOT NULL,
    -- PHC string (argon2id); NULL for a person who signs in only through SSO.
    password_hash TEXT,
    -- The OpenID Connect issuer and subject this person signed in with, once they have.
    oidc_issuer   TEXT,
    oidc_subject  TEXT,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    last_login_at TIMESTAMPTZ,
    disabled_at   TIMESTAMPTZ,
    CONSTRAINT uq_users_email UNIQUE (email),
    CONSTRAINT uq_users_oidc UNIQUE (oidc_issuer, oidc_subject),
    CONSTRAINT chk_users_role CHECK (role IN ('viewer', 'editor', 'admin')),
    CONSTRAINT chk_users_email_lower CHECK (email = lower(email))
);

CREATE TABLE user_sessions (
    id           UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      UUID         NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   CHAR(64)     NOT NULL,
    -- 'password' or 'oidc'.
    method       VARCHAR(10)  NOT NULL,
    created_at   TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    last_seen_at TIMESTAMPTZ  NOT NULL DEFAULT NOW(),
    -- The absolute end; the idle end is last_seen_at + the idle timeout.
    expires_at   TIMESTAMPTZ  NOT NULL,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT uq_user_sessions_hash UNIQUE (token_hash),
    CONSTRAINT chk_user_sessions_method CHECK (method IN ('password', 'oidc'))
);
CREATE INDEX idx_user_sessions_user ON user_sessions (user_id) WHERE revoked_at IS NULL;

-- An SSO sign-in between the redirect to the provider and its callback (minutes).
CREATE TABLE oidc_logins (
    state_hash    CHAR(64)    PRIMARY KEY,
    nonce         TEXT        NOT NULL,
    pkce_verifier TEXT        NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
