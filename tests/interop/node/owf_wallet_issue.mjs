// The OpenWallet Foundation's @openid4vc/openid4vci client as a wallet against the ESSPASS issuer
// (pinned versions in package.json). Usage: node owf_wallet_issue.mjs <input.json>
// input: { offer (or, wallet-initiated, credential_issuer + configuration), flow: "pre-authorized" |
//          "authorization_code", tx_code?, client_id, redirect_uri,
//          holders: n, dpop: bool, anchors: { issuer: [pem], status: [pem] }, attestation?: jwt,
//          attestation_key?: pem, key_attestation?: bool }
// With key_attestation it prints {"key_attestation": {nonce, attested_keys}} and reads the key attestation
// JWT (made by the test as the wallet provider) as one line on stdin.
// The authorization code flow stops after the pushed authorization request: it prints
// {"authorize": url} and reads the browser's final redirect URL (the test logs the person in) as one
// line on stdin. Last line printed: {"ok": true, credentials: [{credential, holder_jwk, holder_private_jwk,
// verified: {payload claims after disclosure}}], token_type, dpop_nonce_used}.
import { readFileSync } from 'node:fs';
import readline from 'node:readline';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { Oauth2Client, clientAuthenticationNone, clientAuthenticationClientAttestationJwt } from '@openid4vc/oauth2';
import {
  anchorsFrom, fail, generateRandom, hash, importPrivatePem, newKey, out, sdJwtVcVerifier, signJwt,
} from './owf_common.mjs';

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();

async function clientAuthentication() {
  if (!input.attestation) return clientAuthenticationNone({ clientId: input.client_id });
  // OAuth 2.0 Attestation-Based Client Authentication: the wallet instance key signs the PoP
  await importPrivatePem(input.attestation_key);
  return clientAuthenticationClientAttestationJwt({ clientAttestationJwt: input.attestation, callbacks: { signJwt, generateRandom } });
}

async function main() {
  const callbacks = { hash, generateRandom, signJwt, fetch, clientAuthentication: await clientAuthentication() };
  const client = new Openid4vciClient({ callbacks });
  // wallet-initiated (OpenID4VCI §3.4, no offer): the wallet knows the issuer and the configuration
  const credentialOffer = input.offer ? await client.resolveCredentialOffer(input.offer) : null;
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer?.credential_issuer ?? input.credential_issuer);
  const configId = credentialOffer ? credentialOffer.credential_configuration_ids[0] : input.configuration;
  const dpopKey = await newKey();
  const dpop = input.dpop === false ? undefined : { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk } };

  let token;
  if (input.flow === 'pre-authorized') {
    token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer, issuerMetadata, txCode: input.tx_code, dpop,
    });
  } else {
    const scope = issuerMetadata.credentialIssuer.credential_configurations_supported[configId].scope;
    const oauth2 = new Oauth2Client({ callbacks });
    const authorizationServerMetadata = issuerMetadata.authorizationServers[0];
    const auth = credentialOffer
      ? await client.createAuthorizationRequestUrlFromOffer({
        clientId: input.client_id, credentialOffer, issuerMetadata, redirectUri: input.redirect_uri, scope, dpop,
      })
      : await oauth2.createAuthorizationRequestUrl({
        authorizationServerMetadata, clientId: input.client_id, redirectUri: input.redirect_uri, scope, dpop,
        resource: issuerMetadata.credentialIssuer.credential_issuer,
      });
    out({ authorize: auth.authorizationRequestUrl });
    const { value: redirect } = await lines.next();
    const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({
      url: redirect.trim(),
      authorizationServerMetadata: issuerMetadata.authorizationServers[0],
    });
    if (response.error) throw new Error(`authorization error: ${response.error}`);
    const tokenOptions = { authorizationCode: response.code, pkceCodeVerifier: auth.pkce?.codeVerifier,
      redirectUri: input.redirect_uri, dpop: auth.dpop };
    token = credentialOffer
      ? await client.retrieveAuthorizationCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, ...tokenOptions })
      : await oauth2.retrieveAuthorizationCodeAccessToken({
        authorizationServerMetadata, resource: issuerMetadata.credentialIssuer.credential_issuer, ...tokenOptions });
  }
  const accessToken = token.accessTokenResponse.access_token;

  const holders = [];
  for (let i = 0; i < (input.holders ?? 1); i++) holders.push(await newKey());
  const { c_nonce: nonce } = await client.requestNonce({ issuerMetadata });
  let keyAttestationJwt;
  if (input.key_attestation) {
    // OpenID4VCI 1.0 Appendix D: the wallet asks its wallet provider (here: the test, holding the demo
    // provider's key) to attest the holder keys for this c_nonce, then sends it in each jwt proof's header
    out({ key_attestation: { nonce, attested_keys: holders.map((h) => h.publicJwk) } });
    keyAttestationJwt = (await lines.next()).value.trim();
  }
  const jwts = [];
  for (const h of holders) {
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata, credentialConfigurationId: configId, nonce, keyAttestationJwt,
      clientId: input.flow === 'pre-authorized' ? undefined : input.client_id,
      signer: { method: 'jwk', alg: 'ES256', publicJwk: h.publicJwk },
    });
    jwts.push(jwt);
  }
  const result = await client.retrieveCredentials({
    issuerMetadata, accessToken, credentialConfigurationId: configId, proofs: { jwt: jwts }, dpop: token.dpop,
  });
  if (!result.ok) throw Object.assign(new Error('credential request refused'), { details: result.credentialResponseResult?.data ?? null });
  const issued = result.credentialResponse.credentials.map((c) => c.credential);

  const verifier = sdJwtVcVerifier({ issuerAnchors: anchorsFrom(input.anchors.issuer), statusAnchors: anchorsFrom(input.anchors.status) });
  const credentials = [];
  for (let i = 0; i < issued.length; i++) {
    const verified = await verifier.verify(issued[i]);
    const claims = await verifier.getClaims(issued[i]);
    credentials.push({
      credential: issued[i], header: verified.header, claims,
      holder_jwk: holders[i].publicJwk, holder_private_jwk: holders[i].privateKey.export({ format: 'jwk' }),
    });
  }
  out({
    ok: true, config: configId, token_type: token.accessTokenResponse.token_type,
    dpop_nonce_used: token.dpop?.nonce ?? null, credentials,
  });
  process.exit(0);
}

main().catch(fail);
