// A real OpenID Provider for the tests: the certified `oidc-provider` package, with its development
// interactions (a plain login form that accepts any password), one confidential client and three people.
//   node tests/oidc/provider.mjs PORT REDIRECT_URI [--issuer URL] [--id-token JSON]
// Prints "ready ADDRESS" once it listens (ADDRESS is http://127.0.0.1:PORT, where its discovery document is).
// The login name chooses who signs in (see ACCOUNTS).
//
// Two options make it misbehave as a provider the app must not trust:
//   --issuer URL     the discovery document and every token name URL as the issuer, not ADDRESS
//                    (a provider answering for another tenant, or someone else's provider at that address)
//   --id-token JSON  the ID token's claims are changed after it is made, and it is signed again with the
//                    provider's own key, so only the claims are wrong: {"aud": "another-app"} gives it to
//                    another client, {"iss": URL} names another issuer, {"exp_in": -600} makes it expire
//                    ten minutes before it is sent.
import { createSign, generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';

const { positionals, values: options } = parseArgs({
  allowPositionals: true,
  options: { issuer: { type: 'string' }, 'id-token': { type: 'string' } },
});
const [port, redirectUri] = positionals;
const address = `http://127.0.0.1:${port}`;
const issuer = options.issuer ?? address;
const tampering = options['id-token'] ? JSON.parse(options['id-token']) : null;

const ACCOUNTS = {
  ada: { email: 'ada@northshire.example', email_verified: true, name: 'Ada Okafor' },
  stranger: { email: 'stranger@elsewhere.example', email_verified: true, name: 'Not Invited' },
  unverified: { email: 'ada@northshire.example', email_verified: false, name: 'Says She Is Ada' },
};

// The provider's signing key, made here so that a tampered ID token can be signed again with it.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'surveyapp',
    client_secret: 'surveyapp-test-secret-0123456789abcdef',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [signingKey] },
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

if (tampering) {
  const issue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = async function tampered(...args) {
    const made = await issue.apply(this, args);
    if (args[0]?.use !== 'idtoken') return made;
    const [header, payload] = made.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const { exp_in: expIn, ...changed } = tampering;
    Object.assign(claims, changed);
    if (expIn !== undefined) claims.exp = Math.floor(Date.now() / 1000) + expIn;
    const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const signature = createSign('sha256').update(body).sign(privateKey).toString('base64url');
    return `${body}.${signature}`;
  };
}

provider.listen(Number(port), '127.0.0.1', () => console.log(`ready ${address}`));
