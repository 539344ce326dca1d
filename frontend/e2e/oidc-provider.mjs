// A real OpenID Connect provider for the browser tests' single sign-on: the npm package
// oidc-provider (certified OpenID implementation), never a hand-made stub. e2e/run.sh starts it
// on 127.0.0.1 with one confidential client, the dashboard, whose redirect URI is the dashboard's
// /auth/callback. Its development login form (devInteractions) accepts any login and password;
// the login becomes the account id, and the account's email (verified) is that login.
//
//   OIDC_PORT=… OIDC_CLIENT_ID=… OIDC_CLIENT_SECRET=… OIDC_REDIRECT_URL=… node e2e/oidc-provider.mjs
import { createServer } from "node:http";
import Provider from "oidc-provider";

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const port = Number(required("OIDC_PORT"));
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: required("OIDC_CLIENT_ID"),
      client_secret: required("OIDC_CLIENT_SECRET"),
      redirect_uris: [required("OIDC_REDIRECT_URL")],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    },
  ],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  // The requested claims in the ID token itself, as the big providers put them.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["issue-miner-e2e-only"] },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        const local = id.split("@")[0];
        return { sub: id, email: id, email_verified: true, name: `SSO ${local}` };
      },
    };
  },
});
// The tests run on a closed machine: say what went wrong instead of retrying it.
provider.on("server_error", (_ctx, error) => console.error("oidc-provider server_error:", error));
provider.on("grant.error", (_ctx, error) => console.error("oidc-provider grant.error:", error.message, error.error_description ?? ""));

createServer(provider.callback()).listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening at ${issuer}`);
});
