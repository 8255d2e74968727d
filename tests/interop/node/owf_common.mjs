// Shared pieces of the OpenWallet Foundation interop scripts (owf_*.mjs): the crypto callbacks the
// @openid4vc libraries ask their user for (made with Node's crypto and `jose`, pinned in package.json),
// X.509 chain checks against a trust anchor the test hands over, and an @sd-jwt/sd-jwt-vc verifier.
// Nothing here decides interop outcomes on its own: the libraries run their protocol logic, these
// callbacks only sign, verify, hash and encrypt as asked.
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as jose from 'jose';
import { setGlobalConfig } from '@openid4vc/oauth2';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';

// Plain http on 127.0.0.1: the tests run our servers on loopback without TLS, so the libraries'
// insecure-URL setting is on (each test states it); nothing here leaves the machine.
setGlobalConfig({ allowInsecureUrls: true });

export function readInput() {
  return JSON.parse(readFileSync(0, 'utf8') || '{}');
}

export function out(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

export function fail(err) {
  const details = err?.errorResponse ?? err?.response?.body ?? err?.details ?? err?.cause?.message;
  out({ ok: false, error: String(err?.message ?? err), name: err?.name, details: details ?? null });
  process.exit(1);
}

// ----------------------------------------------------------------- keys

const keys = new Map(); // JWK thumbprint -> { privateKey (KeyObject), publicJwk }

export async function newKey() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicJwk = publicKey.export({ format: 'jwk' });
  keys.set(await jose.calculateJwkThumbprint(publicJwk), { privateKey, publicJwk });
  return { privateKey, publicJwk };
}

export async function importPrivatePem(pem) {
  const privateKey = crypto.createPrivateKey(pem);
  const publicJwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  keys.set(await jose.calculateJwkThumbprint(publicJwk), { privateKey, publicJwk });
  return { privateKey, publicJwk };
}

async function privateKeyFor(jwk) {
  const entry = keys.get(await jose.calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }));
  if (!entry) throw new Error('no private key for the requested signer');
  return entry.privateKey;
}

export function b64u(bytes) {
  return Buffer.from(bytes).toString('base64url');
}

// ----------------------------------------------------------------- X.509

export function certFromB64(der) {
  return new crypto.X509Certificate(Buffer.from(der, 'base64'));
}

export function certFromPem(pem) {
  return new crypto.X509Certificate(pem);
}

// x5c (leaf first, trust anchor left out as HAIP §6.1.1 asks) must chain to one of `anchors`, each
// certificate valid now; returns the leaf.
export function checkChain(x5c, anchors) {
  const chain = x5c.map(certFromB64);
  const now = Date.now();
  for (const c of chain) {
    if (Date.parse(c.validFrom) > now || Date.parse(c.validTo) < now) throw new Error(`certificate not valid now: ${c.subject}`);
  }
  for (let i = 0; i + 1 < chain.length; i++) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey)) {
      throw new Error(`x5c[${i}] is not issued by x5c[${i + 1}]`);
    }
  }
  const top = chain[chain.length - 1];
  const anchor = anchors.find((a) => top.checkIssued(a) && top.verify(a.publicKey));
  if (!anchor) throw new Error(`x5c does not chain to a trusted anchor (top: ${top.subject})`);
  return chain[0];
}

// ----------------------------------------------------------------- @openid4vc callbacks

export const hash = (data, alg) => new Uint8Array(crypto.createHash(alg.replace('-', '')).update(data).digest());
export const generateRandom = (n) => new Uint8Array(crypto.randomBytes(n));

export async function signJwt(signer, { header, payload }) {
  let key;
  let signerJwk;
  if (signer.method === 'jwk') {
    key = await privateKeyFor(signer.publicJwk);
    signerJwk = signer.publicJwk;
  } else if (signer.method === 'x5c') {
    const leaf = certFromB64(signer.x5c[0]);
    signerJwk = leaf.publicKey.export({ format: 'jwk' });
    key = await privateKeyFor(signerJwk);
  } else {
    throw new Error(`signer method ${signer.method} not used in these tests`);
  }
  const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header).sign(key);
  return { jwt, signerJwk };
}

// verifyJwt for signers the libraries hand us: jwk (DPoP, KB) and x5c chained to `x5cAnchors`.
export function makeVerifyJwt(x5cAnchors = []) {
  return async (signer, { compact }) => {
    let publicKey;
    if (signer.method === 'jwk') {
      publicKey = await jose.importJWK(signer.publicJwk, signer.alg);
    } else if (signer.method === 'x5c') {
      try {
        publicKey = checkChain(signer.x5c, x5cAnchors).publicKey;
      } catch (e) {
        process.stderr.write(`x5c refused: ${e.message}\n`);
        return { verified: false };
      }
    } else {
      return { verified: false };
    }
    try {
      await jose.compactVerify(compact, publicKey, { algorithms: [signer.alg] });
      const signerJwk = publicKey.export ? publicKey.export({ format: 'jwk' }) : await jose.exportJWK(publicKey);
      return { verified: true, signerJwk };
    } catch {
      return { verified: false };
    }
  };
}

export async function encryptJwe(encryptor, data) {
  const key = await jose.importJWK(encryptor.publicJwk, encryptor.alg);
  const header = { alg: encryptor.alg, enc: encryptor.enc };
  if (encryptor.publicJwk.kid) header.kid = encryptor.publicJwk.kid;
  // apu/apv go into the Concat KDF (RFC 7518 §4.6.2); jose puts them in the header itself
  const kmp = {};
  if (encryptor.apu) kmp.apu = Buffer.from(encryptor.apu, 'base64url');
  if (encryptor.apv) kmp.apv = Buffer.from(encryptor.apv, 'base64url');
  const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data)).setProtectedHeader(header)
    .setKeyManagementParameters(kmp).encrypt(key);
  return { encryptionJwk: encryptor.publicJwk, jwe };
}

export async function decryptJwe(jwe, options) {
  const jwk = options?.jwk;
  if (!jwk) return { decrypted: false };
  try {
    const key = await privateKeyFor(jwk);
    const { plaintext } = await jose.compactDecrypt(jwe, key);
    return { decrypted: true, decryptionJwk: jwk, payload: new TextDecoder().decode(plaintext) };
  } catch (e) {
    process.stderr.write(`decrypt failed: ${e.message}\n`);
    return { decrypted: false, decryptionJwk: jwk };
  }
}

// ----------------------------------------------------------------- @sd-jwt/sd-jwt-vc

const sha256 = (data, alg) => {
  if (alg !== 'sha-256') throw new Error(`unexpected hash ${alg}`);
  return new Uint8Array(crypto.createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest());
};

function headerOf(data) {
  return JSON.parse(Buffer.from(data.split('.')[0], 'base64url').toString('utf8'));
}

function payloadOf(data) {
  return JSON.parse(Buffer.from(data.split('.')[1], 'base64url').toString('utf8'));
}

async function es256(publicKey, data, sig) {
  const raw = Buffer.from(sig, 'base64url');
  return crypto.verify('sha256', Buffer.from(data), { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw);
}

// The issuer's key, resolved the SD-JWT VC way (draft -18 §5): an x5c header chained to `anchors`,
// or kid + x5t#S256 looked up in the issuer's /.well-known/jwt-vc-issuer and the certificate there
// chained to `anchors` with that thumbprint.
async function issuerKey(data, anchors) {
  const header = headerOf(data);
  if (header.alg !== 'ES256') throw new Error(`alg ${header.alg} refused`);
  if (header.x5c) return checkChain(header.x5c, anchors).publicKey;
  const iss = new URL(payloadOf(data).iss);
  const meta = await (await fetch(`${iss.origin}/.well-known/jwt-vc-issuer${iss.pathname.replace(/\/$/, '')}`)).json();
  if (meta.issuer !== payloadOf(data).iss) throw new Error('jwt-vc-issuer metadata names another issuer');
  const jwk = meta.jwks.keys.find((k) => k.kid === header.kid);
  if (!jwk?.x5c) throw new Error(`no key ${header.kid} with x5c in the issuer metadata`);
  const thumb = b64u(crypto.createHash('sha256').update(Buffer.from(jwk.x5c[0], 'base64')).digest());
  if (thumb !== header['x5t#S256']) throw new Error('x5t#S256 does not match the published certificate');
  return checkChain(jwk.x5c, anchors).publicKey;
}

// An SD-JWT VC verifier: issuer signature through `issuerAnchors`, Status List Token signature
// through `statusAnchors` (its own x5c), key binding under cnf.jwk.
export function sdJwtVcVerifier({ issuerAnchors, statusAnchors }) {
  return new SDJwtVcInstance({
    hasher: sha256,
    hashAlg: 'sha-256',
    verifier: async (data, sig) => es256(await issuerKey(data, issuerAnchors), data, sig),
    statusVerifier: async (data, sig) => {
      const header = headerOf(data);
      if (header.typ !== 'statuslist+jwt' || !header.x5c) throw new Error('status list token header');
      return es256(checkChain(header.x5c, statusAnchors).publicKey, data, sig);
    },
    kbVerifier: async (data, sig, payload) => {
      if (!payload?.cnf?.jwk) throw new Error('no cnf.jwk in the credential');
      return es256(crypto.createPublicKey({ key: payload.cnf.jwk, format: 'jwk' }), data, sig);
    },
  });
}

export function anchorsFrom(pems) {
  return (pems ?? []).map(certFromPem);
}
