DROP TABLE oidc_logins;
DROP TABLE user_sessions;
DROP TABLE users;
