// @sd-jwt/sd-jwt-vc verifies one SD-JWT VC (issuer signature through the anchors, Token Status List,
// key binding when a nonce is given). Usage: node owf_sd_jwt_verify.mjs <input.json>
// input: { credential, anchors: { issuer: [pem], status: [pem] }, kb_nonce? }
// Prints {"ok": true, claims, kb} or {"ok": false, error}.
import { readFileSync } from 'node:fs';
import { anchorsFrom, fail, out, sdJwtVcVerifier } from './owf_common.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const verifier = sdJwtVcVerifier({ issuerAnchors: anchorsFrom(input.anchors.issuer), statusAnchors: anchorsFrom(input.anchors.status) });
verifier.verify(input.credential, input.kb_nonce ? { keyBindingNonce: input.kb_nonce } : undefined)
  .then(async (v) => { out({ ok: true, claims: await verifier.getClaims(input.credential), kb: v.kb?.payload ?? null }); process.exit(0); })
  .catch(fail);
