// A real OpenID Connect provider (panva/oidc-provider, pinned in package.json) on 127.0.0.1 for the
// issuer's upstream-login tests: it stands in for a national eID broker. Not a mock: discovery,
// authorization code + PKCE, client_secret_basic, ES256-signed ID tokens, UserInfo are the library's.
// Usage: node oidc_provider.mjs <port> <client_id> <client_secret> <redirect_uri>
// Accounts: "tomasz" and "mette" (the demo citizens) with a personal_number claim; "nobody" has none.
// The login page is minimal: POST /interaction/<uid>/login with login=<account> (no password: the
// tests are about the relying party, not about the provider's user authentication).
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = {
  tomasz: { personal_number: '140788-4417' },
  mette: { personal_number: '020379-5128' },
  stranger: { personal_number: '010101-0000' },
  nobody: {},
};
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'upstream-1', use: 'sig', alg: 'ES256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
    grant_types: ['authorization_code'], response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], pnr: ['personal_number'] },
  scopes: ['openid', 'pnr'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (ctx, id) => accounts[id] && {
    accountId: id,
    claims: async () => ({ sub: id, ...accounts[id] }),
  },
  // first-party client: consent is implied (the eID broker's own consent screen is out of scope)
  loadExistingGrant: async (ctx) => {
    if (!ctx.oidc.session?.accountId) return undefined;
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid pnr');
    grant.addOIDCClaims(['sub', 'personal_number']);
    await grant.save();
    return grant;
  },
});
const callback = provider.callback();

function body(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => { data += c; if (data.length > 4096) req.destroy(); });
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
}

const server = http.createServer(async (req, res) => {
  const m = req.url.match(/^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/);
  if (!m) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<form method="post" action="/interaction/${details.uid}/login"><input name="login"><button>Log in</button></form>`);
    }
    const login = (await body(req)).get('login');
    if (!accounts[login]) {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'unknown user' });
    }
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (err) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(err));
  }
});
server.listen(Number(port), '127.0.0.1', () => { process.stdout.write(`READY ${issuer}\n`); });
process.on('SIGTERM', () => server.close(() => process.exit(0)));
