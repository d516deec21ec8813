// A real OpenID Provider for the tests: the certified `oidc-provider` package, with its development
// interactions (a plain login form that accepts any password), one confidential client and three people.
//   node tests/oidc/provider.mjs PORT REDIRECT_URI
// Prints "ready ISSUER" once it listens. The login name chooses who signs in (see ACCOUNTS).
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const ACCOUNTS = {
  ada: { email: 'ada@northshire.example', email_verified: true, name: 'Ada Okafor' },
  stranger: { email: 'stranger@elsewhere.example', email_verified: true, name: 'Not Invited' },
  unverified: { email: 'ada@northshire.example', email_verified: false, name: 'Says She Is Ada' },
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'surveyapp',
    client_secret: 'surveyapp-test-secret-0123456789abcdef',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  pkce: { required: () => true }, // the app must use PKCE: a sign-in without it is refused here
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  async findAccount(ctx, id) {
    const claims = ACCOUNTS[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  cookies: { keys: ['test-cookie-key-0123456789'] },
  features: { devInteractions: { enabled: true } },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
