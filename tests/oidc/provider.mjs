// A real OpenID Connect provider (panva's oidc-provider, pinned in package.json) for the single sign-on tests.
// Started by tests/conftest's fixture on a free loopback port; its login and consent pages are the library's own
// development interactions (any password; the login name is the subject of an account in
// PLUMBLINE_TEST_OIDC_ACCOUNTS, whose claims may name another username).
import Provider from "oidc-provider";

const port = Number(process.env.PORT);
const accounts = JSON.parse(process.env.PLUMBLINE_TEST_OIDC_ACCOUNTS || "{}");
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["preferred_username", "given_name", "family_name", "name"],
    groups: ["groups", "teams"],
  },
  scopes: ["openid", "email", "profile", "groups", "offline_access"],
  // Claims of the granted scopes go into the ID token as well (Plumbline maps roles from ID-token claims).
  conformIdTokenClaims: false,
  cookies: { keys: ["plumbline-test-provider-cookie-key"] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    // The login name typed on the provider's page is the account id, and so the subject (`sub`).
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { preferred_username: id, email_verified: true, ...account, sub: id };
      },
    };
  },
});
provider.proxy = false;
provider.on("server_error", (ctx, error) => console.error("server_error", error));
provider.listen(port, "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
