// A real OpenID provider (npm oidc-provider) for the single sign-on tests of TOM ACC-7.
// Started by the Rust tests on a free loopback port: `node op.mjs CONFIG.json`; prints
// `listening PORT` when ready. CONFIG (re-read on every request, so a test can change
// users between sign-ins):
//   client_id, client_secret, redirect_uris: the one confidential client (PKCE required)
//   users: { login: { password, sub, email, email_verified, groups } }
//   users: { login: { ..., amr } }: `amr` the ID token carries (e.g. ["pwd", "mfa"])
//   tamper: optional, what the token endpoint does to the ID token it answers, for the
//           attack tests: "aud", "iss", "expired", "nonce", "alg_none", "hs256_public_key"
//   key_generation: a number; when it changes, the provider signs with a new key of a new
//           `kid` and publishes only that one (key rotation)
//   backchannel_logout_uri, post_logout_redirect_uris: the client's logout settings
//   entra: true: the provider acts as Microsoft Entra ID's multi-tenant endpoint under
//           this origin as authority: `/organizations/v2.0/.well-known/openid-configuration`
//           names the issuer template `…/{tenantid}/v2.0`, each ID token carries the user's
//           `tid` and `oid` and the issuer `…/<tid>/v2.0`, and the authorization response
//           has no RFC 9207 `iss` (as Entra's)
//   users: { login: { ..., tid, oid } }: the directory and object id for `entra`
// Besides the provider's own endpoints: `POST /_test/sign` ({header, claims}) signs a token
// with the current key; `GET /_test/counts` answers how often discovery and
// the JWKS were fetched; `GET /_test/logout-tokens` the back-channel logout tokens the
// provider sent (its `fetch` is overridden to keep them instead of POSTing to loopback,
// which oidc-provider 9 refuses), for the test to deliver.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';
import * as jose from 'jose';

const configPath = process.argv[2];
const config = () => JSON.parse(readFileSync(configPath, 'utf8'));
const first = config();

let signingKey;
let publicPem;
async function newKey(generation) {
  const { privateKey, publicKey } = await jose.generateKeyPair('RS256', { extractable: true });
  signingKey = { ...(await jose.exportJWK(privateKey)), kid: `test-key-${generation}`, alg: 'RS256', use: 'sig' };
  publicPem = await jose.exportSPKI(publicKey);
}
const counts = { discovery: 0, jwks: 0 };
const logoutTokens = [];

const userBySub = (sub) => Object.values(config().users).find((u) => u.sub === sub);

const page = (uid, message = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider sign-in</title></head>
<body><h1>Test provider</h1><p id="message">${message}</p>
<form method="post" action="/interaction/${uid}">
<label>User <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;

const readText = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 10000) reject(new Error('too large'));
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
const readForm = async (req) => new URLSearchParams(await readText(req));

let origin;

async function tamper(idToken, mode) {
  const header = jose.decodeProtectedHeader(idToken);
  const claims = jose.decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  const key = await jose.importJWK(signingKey, 'RS256');
  const resign = (c) => new jose.SignJWT(c).setProtectedHeader(header).sign(key);
  switch (mode) {
    case 'aud':
      return resign({ ...claims, aud: 'another-client' });
    case 'iss':
      return resign({ ...claims, iss: 'http://127.0.0.1:9/another-issuer' });
    case 'expired':
      return resign({ ...claims, iat: now - 7200, exp: now - 3600 });
    case 'nonce':
      return resign({ ...claims, nonce: 'not-the-nonce-of-this-sign-in' });
    case 'alg_none': {
      const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    }
    case 'entra': {
      const user = userBySub(claims.sub) ?? {};
      return resign({ ...claims, iss: `${origin}/${user.tid}/v2.0`, tid: user.tid, oid: user.oid });
    }
    case 'hs256_public_key':
      return new jose.SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: header.kid }).sign(new TextEncoder().encode(publicPem));
    default:
      return idToken;
  }
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  origin = `http://127.0.0.1:${port}`;
  let provider;
  let built;
  let building = Promise.resolve();
  // One rebuild at a time: requests wait for the provider of the current configuration.
  const build = () => {
    building = building.then(rebuild);
    return building;
  };
  const rebuild = async () => {
    const c = config();
    const signature = JSON.stringify([c.key_generation ?? 1, c.backchannel_logout_uri ?? null, c.post_logout_redirect_uris ?? []]);
    if (signature === built) return provider;
    await newKey(c.key_generation ?? 1);
    const client = {
      client_id: first.client_id,
      client_secret: first.client_secret,
      redirect_uris: first.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
      post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
    };
    if (c.backchannel_logout_uri) {
      client.backchannel_logout_uri = c.backchannel_logout_uri;
      client.backchannel_logout_session_required = true;
    }
    provider = new Provider(`http://127.0.0.1:${port}`, {
      clients: [client],
      pkce: { required: () => true },
      jwks: { keys: [signingKey] },
      claims: { openid: ['sub', 'amr'], email: ['email', 'email_verified'], profile: ['groups'] },
      findAccount: async (ctx, sub) => {
        const user = userBySub(sub);
        if (!user) return undefined;
        return {
          accountId: sub,
          claims: async () => ({ sub, email: user.email, email_verified: user.email_verified, groups: user.groups }),
        };
      },
      features: {
        devInteractions: { enabled: false },
        rpInitiatedLogout: { enabled: true },
        backchannelLogout: { enabled: true },
      },
      // Back-channel logout tokens are kept for the test, which delivers them itself.
      fetch: async (url, options) => {
        const body = new URLSearchParams(String(options.body ?? ''));
        logoutTokens.push({ url: String(url), logout_token: body.get('logout_token') });
        return new Response(null, { status: 200 });
      },
      interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
      cookies: { keys: ['anwesend-test-op-cookie-key'] },
    });
    built = signature;
    return provider;
  };

  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, `http://127.0.0.1:${port}`);
      const provider = await build();
      if (url.pathname === '/_test/counts' || url.pathname === '/_test/logout-tokens') {
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify(url.pathname === '/_test/counts' ? counts : logoutTokens));
      }
      if (url.pathname === '/_test/sign' && req.method === 'POST') {
        // Signs what the test asks with the provider's current key: logout tokens that
        // break one rule each, signed as the real ones are.
        const { header, claims } = JSON.parse(await readText(req));
        const key = await jose.importJWK(signingKey, 'RS256');
        const token = await new jose.SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: signingKey.kid, ...header }).sign(key);
        res.setHeader('content-type', 'text/plain');
        return res.end(token);
      }
      if (url.pathname === '/organizations/v2.0/.well-known/openid-configuration' && config().entra) {
        // Entra's multi-tenant discovery: the provider's own (counted there), with the issuer template.
        const own = await (await fetch(`${origin}/.well-known/openid-configuration`)).json();
        res.setHeader('content-type', 'application/json');
        return res.end(JSON.stringify({ ...own, issuer: `${origin}/{tenantid}/v2.0` }));
      }
      if (url.pathname === '/.well-known/openid-configuration') counts.discovery += 1;
      if (url.pathname === '/jwks') counts.jwks += 1;
      const interaction = /^\/interaction\/([^/]+)$/.exec(url.pathname);
      if (interaction) {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          return res.end(page(details.uid));
        }
        const form = await readForm(req);
        const user = config().users[form.get('login') ?? ''];
        if (!user || user.password !== form.get('password')) {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          return res.end(page(details.uid, 'Wrong user or password'));
        }
        const grant = new provider.Grant({ accountId: user.sub, clientId: details.params.client_id });
        grant.addOIDCScope(details.params.scope);
        const grantId = await grant.save();
        const login = { accountId: user.sub, ...(user.amr ? { amr: user.amr } : {}) };
        return provider.interactionFinished(req, res, { login, consent: { grantId } }, { mergeWithLastSubmission: false });
      }
      if (config().entra) {
        // Entra sends no RFC 9207 `iss` with the code: the redirect back carries none.
        const setHeader = res.setHeader.bind(res);
        res.setHeader = (name, value) => {
          if (String(name).toLowerCase() === 'location' && typeof value === 'string' && value.includes('code=')) {
            const back = new URL(value);
            back.searchParams.delete('iss');
            return setHeader(name, back.toString());
          }
          return setHeader(name, value);
        };
      }
      const mode = config().tamper ?? (config().entra ? 'entra' : undefined);
      if (mode && req.method === 'POST' && url.pathname === '/token') {
        const chunks = [];
        const end = res.end.bind(res);
        res.write = (chunk) => {
          chunks.push(Buffer.from(chunk));
          return true;
        };
        res.end = (chunk) => {
          if (chunk) chunks.push(Buffer.from(chunk));
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          Promise.resolve(body.id_token ? tamper(body.id_token, mode) : undefined).then((token) => {
            if (token) body.id_token = token;
            const out = JSON.stringify(body);
            res.setHeader('content-length', Buffer.byteLength(out));
            end(out);
          });
          return res;
        };
      }
      return provider.callback()(req, res);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err?.message ?? err));
    }
  });
  console.log(`listening ${port}`);
});
