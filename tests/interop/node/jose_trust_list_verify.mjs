// panva/jose (an independent JOSE implementation) verifies an ESSPASS trust list signed as compact JAdES
// baseline B (docs/trust-lists-profile.md §2): under the certificate of x5c[0], with "sigT" declared as the one
// critical header parameter the caller processes (RFC 7515 §4.1.11). It also reports what jose does when the
// caller does not declare sigT: it must refuse the list, as our validator refuses a crit it does not process.
// Usage: node jose_trust_list_verify.mjs <input.json>; input: { token }
// Prints {"ok": true, header, lote_type, refused_without_sigT} or {"ok": false, error}.
import { readFileSync } from 'node:fs';
import { compactVerify, importX509 } from 'jose';

const out = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const fail = (err) => { out({ ok: false, error: String(err?.message ?? err), name: err?.name ?? null }); process.exit(1); };

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  const header = JSON.parse(Buffer.from(input.token.split('.')[0], 'base64url').toString('utf8'));
  const pem = `-----BEGIN CERTIFICATE-----\n${header.x5c[0].match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----`;
  const key = await importX509(pem, header.alg);
  const verified = await compactVerify(input.token, key, { crit: { sigT: true }, algorithms: ['ES256', 'ES384', 'ES512'] });
  const lote = JSON.parse(new TextDecoder().decode(verified.payload));
  let refused = null;
  try {
    await compactVerify(input.token, key);
  } catch (err) {
    refused = err.code ?? err.name;
  }
  out({ ok: true, header: verified.protectedHeader, lote_type: lote.LoTE.ListAndSchemeInformation.LoTEType,
        refused_without_sigT: refused });
} catch (err) {
  fail(err);
}
