// The OpenWallet Foundation's @openid4vc/openid4vp as a verifier for the ESSPASS wallet: it creates a
// signed OpenID4VP request (request_uri, x509_hash client id from its access certificate, DCQL,
// direct_post.jwt with an ephemeral ECDH-ES key), serves it on 127.0.0.1, decrypts and validates the
// wallet's response with the library, and @sd-jwt/sd-jwt-vc verifies each SD-JWT VC: issuer signature
// through the anchors, Token Status List, KB-JWT under cnf.jwk with the request's nonce, and the
// KB-JWT's aud = the client id (OpenID4VP 1.0 Appendix B.3.6, which the verifier must check).
// Usage: node owf_verifier.mjs <input.json>
// input: { port, access_key_pem, access_x5c: [b64 leaf, ...], verifier_info?: [...], dcql_query,
//          anchors: { issuer: [pem], status: [pem] }, same_device?: bool }
// Prints {"request": "openid4vp://?..."}; then reads one stdin line (the test's "done" after the wallet
// ran) and prints {"ok": true, presentations: [{query_id, claims, kb}]} or {"ok": false, error}.
import crypto from 'node:crypto';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import readline from 'node:readline';
import {
  calculateX509HashClientIdPrefixValue, createOpenid4vpAuthorizationRequest, parseOpenid4vpAuthorizationResponse,
} from '@openid4vc/openid4vp';
import {
  anchorsFrom, decryptJwe, encryptJwe, fail, hash, importPrivatePem, makeVerifyJwt, newKey, out, sdJwtVcVerifier,
  signJwt,
} from './owf_common.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const base = `http://127.0.0.1:${input.port}`;
const KB_IAT_WINDOW = 300;

let outcome = { ok: false, error: 'no response from the wallet' };

async function main() {
  await importPrivatePem(input.access_key_pem);
  const encKey = await newKey(); // ephemeral response-encryption key for this one request (HAIP §5)
  const encJwk = { ...encKey.publicJwk, kid: 'enc-1', use: 'enc', alg: 'ECDH-ES' };
  const clientId = `x509_hash:${await calculateX509HashClientIdPrefixValue({ x509Certificate: input.access_x5c[0], hash })}`;
  const id = crypto.randomBytes(12).toString('base64url');
  const payload = {
    response_type: 'vp_token',
    client_id: clientId,
    response_mode: 'direct_post.jwt',
    response_uri: `${base}/response/${id}`,
    nonce: crypto.randomBytes(24).toString('base64url'),
    state: crypto.randomBytes(16).toString('base64url'),
    dcql_query: input.dcql_query,
    client_metadata: {
      jwks: { keys: [encJwk] },
      encrypted_response_enc_values_supported: ['A128GCM', 'A256GCM'],
      vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] } },
    },
    ...(input.verifier_info ? { verifier_info: input.verifier_info } : {}),
  };
  const created = await createOpenid4vpAuthorizationRequest({
    authorizationRequestPayload: payload,
    jar: {
      requestUri: `${base}/request/${id}`,
      jwtSigner: { method: 'x5c', x5c: input.access_x5c, alg: 'ES256' },
      // OpenID4VP 1.0 §5.8: with static wallet metadata the request object's aud is this value
      additionalJwtPayload: { aud: 'https://self-issued.me/v2' },
      expiresInSeconds: 300,
    },
    callbacks: { signJwt, encryptJwe },
  });
  const requestJwt = created.jar.authorizationRequestJwt;
  const verifier = sdJwtVcVerifier({ issuerAnchors: anchorsFrom(input.anchors.issuer), statusAnchors: anchorsFrom(input.anchors.status) });

  async function handleResponse(form) {
    const parsed = await parseOpenid4vpAuthorizationResponse({
      authorizationResponse: Object.fromEntries(form),
      authorizationRequestPayload: created.authorizationRequestPayload,
      callbacks: { decryptJwe: (jwe) => decryptJwe(jwe, { jwk: encJwk }), verifyJwt: makeVerifyJwt() },
    });
    if (parsed.type !== 'dcql') throw new Error(`expected a DCQL response, got ${parsed.type}`);
    const presentations = [];
    for (const [queryId, entries] of Object.entries(parsed.dcql.presentations)) {
      for (const presentation of entries) {
        const v = await verifier.verify(presentation, { keyBindingNonce: parsed.expectedNonce });
        const now = Math.floor(Date.now() / 1000);
        if (v.kb.payload.aud !== clientId) throw new Error(`KB-JWT aud ${v.kb.payload.aud} is not ${clientId}`);
        if (Math.abs(now - v.kb.payload.iat) > KB_IAT_WINDOW) throw new Error('KB-JWT iat out of window');
        presentations.push({ query_id: queryId, claims: await verifier.getClaims(presentation), kb: v.kb.payload });
      }
    }
    const wanted = input.dcql_query.credentials.map((c) => c.id).sort();
    if (JSON.stringify([...new Set(presentations.map((p) => p.query_id))].sort()) !== JSON.stringify(wanted)) {
      throw new Error('not every credential query was answered');
    }
    return { ok: true, client_id: clientId, state: parsed.authorizationResponsePayload.state ?? null,
      jwe: JSON.parse(Buffer.from(form.get('response').split('.')[0], 'base64url').toString()), presentations };
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === `/request/${id}`) {
      res.writeHead(200, { 'content-type': 'application/oauth-authz-req+jwt' });
      return res.end(requestJwt);
    }
    if (req.method === 'POST' && req.url === `/response/${id}`) {
      let body = '';
      req.on('data', (c) => { body += c; if (body.length > 1_000_000) req.destroy(); });
      req.on('end', async () => {
        try {
          outcome = await handleResponse(new URLSearchParams(body));
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(input.same_device ? { redirect_uri: `${base}/done/${id}` } : {}));
        } catch (e) {
          outcome = { ok: false, error: String(e?.message ?? e), details: e?.errorResponse ?? null };
          res.writeHead(400, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid_request', error_description: 'presentation not accepted' }));
        }
      });
      return undefined;
    }
    res.writeHead(404);
    return res.end();
  });
  await new Promise((resolve) => server.listen(input.port, '127.0.0.1', resolve));
  out({ request: created.authorizationRequest, client_id: clientId });
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  await lines.next();
  out(outcome);
  process.exit(0);
}

main().catch(fail);
