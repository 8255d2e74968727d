// The OpenWallet Foundation's @openid4vc/openid4vp client as a wallet presenting an SD-JWT VC to the
// ESSPASS verifier: it resolves the request (request_uri, signed request object, x509 client id,
// DCQL), @sd-jwt/sd-jwt-vc makes the presentation with a KB-JWT, the library encrypts the response
// (direct_post.jwt, ECDH-ES) and posts it. Usage: node owf_wallet_present.mjs <input.json>
// input: { request: "openid4vp://?...", credential, holder_private_jwk, rp_anchors: [pem],
//          kb_aud?: override of the KB-JWT aud (negative tests), drop_kb?: bool,
//          follow_redirect?: bool (same-device: return the redirect_uri the verifier answers) }
// Last line: {"ok": true, client_id, dcql, disclosed: [claim names], status, body}
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Openid4vpClient } from '@openid4vc/openid4vp';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import {
  anchorsFrom, decryptJwe, encryptJwe, fail, generateRandom, hash, makeVerifyJwt, out, signJwt,
} from './owf_common.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// SAN names of a certificate, for x509_san_dns / x509_san_uri client ids (OpenID4VP §5.9.3)
function getX509CertificateMetadata(b64) {
  const cert = new crypto.X509Certificate(Buffer.from(b64, 'base64'));
  const names = (cert.subjectAltName ?? '').split(', ');
  return {
    sanDnsNames: names.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4)),
    sanUriNames: names.filter((n) => n.startsWith('URI:')).map((n) => n.slice(4)),
  };
}

// the first claim set this credential can satisfy (OpenID4VP §6.4.1: claim_sets in order of preference)
function chooseClaims(query, claims) {
  const has = (path) => path.reduce((o, k) => (o != null && typeof o === 'object' && k in o ? o[k] : undefined), claims) !== undefined;
  const byId = Object.fromEntries((query.claims ?? []).map((c) => [c.id, c]));
  const sets = query.claim_sets ?? [(query.claims ?? []).map((c) => c.id)];
  for (const set of sets) {
    const chosen = set.map((id) => byId[id]);
    if (chosen.every((c) => has(c.path))) return chosen.map((c) => c.path);
  }
  throw new Error('no claim set of the query can be satisfied');
}

function frameOf(paths) {
  const frame = {};
  for (const path of paths) {
    let node = frame;
    path.forEach((k, i) => {
      if (typeof k !== 'string') throw new Error('array paths not used by these presets');
      if (i === path.length - 1) node[k] = true;
      else node = node[k] = (node[k] === true ? {} : node[k] ?? {});
    });
  }
  return frame;
}

async function main() {
  const callbacks = {
    hash, generateRandom, signJwt, fetch, encryptJwe, decryptJwe,
    verifyJwt: makeVerifyJwt(anchorsFrom(input.rp_anchors)), getX509CertificateMetadata,
  };
  const client = new Openid4vpClient({ callbacks });
  const parsed = client.parseOpenid4vpAuthorizationRequest({ authorizationRequest: input.request });
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({ authorizationRequestPayload: parsed.params });
  const request = resolved.authorizationRequestPayload;
  const query = resolved.dcql.query.credentials[0];

  const holderKey = crypto.createPrivateKey({ key: input.holder_private_jwk, format: 'jwk' });
  const sdjwt = new SDJwtVcInstance({
    hasher: (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '')).update(data).digest()),
    kbSignAlg: 'ES256',
    kbSigner: (data) => crypto.sign('sha256', Buffer.from(data), { key: holderKey, dsaEncoding: 'ieee-p1363' }).toString('base64url'),
  });
  const claims = await sdjwt.getClaims(input.credential);
  if (!query.meta.vct_values.includes(claims.vct)) throw new Error(`the query asks for ${query.meta.vct_values}, not ${claims.vct}`);
  const paths = chooseClaims(query, claims);
  // KB-JWT: aud is the client id, nonce the request's (OpenID4VP 1.0 Appendix B.3.6)
  const kb = { payload: { iat: Math.floor(Date.now() / 1000), aud: input.kb_aud ?? request.client_id, nonce: request.nonce } };
  let presentation = await sdjwt.present(input.credential, frameOf(paths), input.drop_kb ? undefined : { kb });

  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: { vp_token: { [query.id]: [presentation] } },
    jarm: {
      encryption: {}, // no mdoc here: no wallet nonce for apu; the library sets apv = the request nonce
      serverMetadata: {
        authorization_signing_alg_values_supported: ['ES256'],
        authorization_encryption_alg_values_supported: ['ECDH-ES'],
        authorization_encryption_enc_values_supported: ['A256GCM', 'A128GCM'],
      },
    },
  });
  const jweHeader = JSON.parse(Buffer.from(response.jarm.responseJwt.split('.')[0], 'base64url').toString());
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request, authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm,
  });
  const text = await submitted.response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  out({
    ok: true, client_id: resolved.client.original?.clientId ?? request.client_id, client_prefix: resolved.client.prefix,
    response_mode: request.response_mode, response_uri: request.response_uri, jwe: { alg: jweHeader.alg, enc: jweHeader.enc },
    query_id: query.id, disclosed: paths.map((p) => p.join('.')), status: submitted.response.status, body,
  });
  process.exit(0);
}

main().catch(fail);
