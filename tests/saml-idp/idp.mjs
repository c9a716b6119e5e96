// A real SAML identity provider (npm samlify) for the single sign-on tests of TOM ACC-7.
// Started by the Rust and browser tests on a free loopback port: `node idp.mjs CONFIG.json`;
// prints `listening PORT` when ready. CONFIG (re-read on every request, so a test can
// change users or the tamper mode between sign-ins):
//   key, cert:   paths of the IdP's signing key and certificate (PEM)
//   sp_metadata: the service provider's metadata (anwesend's, for one tenant)
//   users:       { login: { password, name_id, email, groups } }
//   tamper:      optional, what the IdP does wrong on purpose, for the attack tests:
//                "expired", "audience", "destination", "unsolicited", "response_only"
//                (only the response is signed), "sha1" (RSA-SHA1 signatures)
// Routes: GET /metadata; GET /sso (HTTP-Redirect AuthnRequest, whose signature by the SP's
// key from its metadata must verify: 400 otherwise) shows a sign-in form, or, for a browser
// with an IdP session (cookie `idp_session`), answers at once; POST /login answers the
// auto-submitting form that posts the response to the ACS and opens the IdP session.
// Single logout: GET /slo takes the SP's signed LogoutRequest (400 if its signature fails),
// ends the IdP session and sends the browser back with a signed LogoutResponse; with a
// SAMLResponse it verifies the SP's LogoutResponse (JSON { verified, in_response_to });
// GET /session answers the browser's IdP session ({ login }); GET /last-logout answers
// what the last LogoutRequest named; GET /logout-request?login=…
// [&session_index=…][&mode=expired|unsigned][&issuer=…] answers { url }: the signed
// LogoutRequest the IdP would send the browser to (IdP-initiated logout).
import http from 'node:http';
import { readFileSync } from 'node:fs';
import * as samlify from 'samlify';

// The test IdP reads only anwesend's own AuthnRequests: no schema validation needed here.
samlify.setSchemaValidator({ validate: () => Promise.resolve('skipped') });

const configPath = process.argv[2];
const config = () => JSON.parse(readFileSync(configPath, 'utf8'));
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
const RSA_SHA1 = 'http://www.w3.org/2000/09/xmldsig#rsa-sha1';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
// IdP sessions (cookie value → { login, sessionIndex }) and the last LogoutRequest taken.
const idpSessions = new Map();
let lastLogout = null;
const randomId = () => `_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
// The octets an HTTP-Redirect signature covers, from the query as received.
const octetString = (rawQuery, param) => {
  const parts = rawQuery.replace(/^\?/, '').split('&');
  const pick = (name) => parts.find((p) => p.startsWith(`${name}=`));
  return [pick(param), pick('RelayState'), pick('SigAlg')].filter(Boolean).join('&');
};
const cookieOf = (req, name) =>
  (req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === name)?.[1];

const escapeHtml = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const escapeXml = escapeHtml;

const TEMPLATE = `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}"{InResponseToAttr}><saml:Issuer>{Issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{AssertionID}" Version="2.0" IssueInstant="{IssueInstant}"><saml:Issuer>{Issuer}</saml:Issuer><saml:Subject><saml:NameID Format="${PERSISTENT}">{NameID}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="{NotOnOrAfter}" Recipient="{Recipient}"{InResponseToAttr}/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="{NotBefore}" NotOnOrAfter="{NotOnOrAfter}"><saml:AudienceRestriction><saml:Audience>{Audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{IssueInstant}" SessionIndex="{SessionIndex}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{Attributes}</saml:AttributeStatement></saml:Assertion></samlp:Response>`;

const attribute = (name, values) =>
  `<saml:Attribute Name="${name}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${values
    .map((v) => `<saml:AttributeValue>${escapeXml(v)}</saml:AttributeValue>`)
    .join('')}</saml:Attribute>`;

function entities(port) {
  const c = config();
  const base = `http://127.0.0.1:${port}`;
  const sha1 = c.tamper === 'sha1';
  const idp = samlify.IdentityProvider({
    entityID: `${base}/metadata`,
    privateKey: readFileSync(c.key, 'utf8'),
    signingCert: readFileSync(c.cert, 'utf8'),
    nameIDFormat: [PERSISTENT],
    singleSignOnService: [{ Binding: REDIRECT, Location: `${base}/sso` }],
    singleLogoutService: [{ Binding: REDIRECT, Location: `${base}/slo` }],
    wantAuthnRequestsSigned: true,
    wantLogoutRequestSigned: true,
    wantLogoutResponseSigned: true,
    requestSignatureAlgorithm: sha1 ? RSA_SHA1 : RSA_SHA256,
    signatureConfig: undefined,
  });
  let metadata = c.sp_metadata ?? '';
  const responseOnly = c.tamper === 'response_only';
  if (responseOnly) metadata = metadata.replace('WantAssertionsSigned="true"', 'WantAssertionsSigned="false"');
  const sp = metadata
    ? samlify.ServiceProvider({ metadata, wantMessageSigned: responseOnly, wantLogoutRequestSigned: true, wantLogoutResponseSigned: true })
    : null;
  return { idp, sp, base, c };
}

function loginResponse(idp, sp, c, request, user, sessionIndex) {
  const mode = c.tamper;
  const now = new Date();
  const minutes = (m) => new Date(now.getTime() + m * 60000).toISOString();
  const acs = sp.entityMeta.getAssertionConsumerService('post');
  const inResponseTo = mode === 'unsolicited' ? '' : ` InResponseTo="${escapeXml(request.id)}"`;
  const attributes = [attribute('email', [user.email]), attribute('groups', user.groups ?? [])].join('');
  return idp.createLoginResponse(sp, { extract: { request } }, 'post', user, (template) => {
    const id = `_${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
    const values = {
      ID: id,
      AssertionID: `_a${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`,
      IssueInstant: mode === 'expired' ? minutes(-120) : now.toISOString(),
      Destination: mode === 'destination' ? 'https://evil.example/acs' : acs,
      InResponseToAttr: inResponseTo,
      Issuer: idp.entityMeta.getEntityID(),
      NameID: user.name_id,
      NotBefore: mode === 'expired' ? minutes(-125) : minutes(-1),
      NotOnOrAfter: mode === 'expired' ? minutes(-115) : minutes(5),
      Recipient: acs,
      Audience: mode === 'audience' ? 'https://another-sp.example/metadata' : sp.entityMeta.getEntityID(),
      Attributes: attributes,
      SessionIndex: sessionIndex,
    };
    let context = TEMPLATE;
    for (const [k, v] of Object.entries(values)) {
      const text = k === 'Attributes' || k === 'InResponseToAttr' ? v : escapeXml(v);
      context = context.split(`{${k}}`).join(text);
    }
    return { id, context };
  });
}

const page = (fields, message = '') => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test SAML IdP sign-in</title></head>
<body><h1>Test SAML IdP</h1><p id="message">${escapeHtml(message)}</p>
<form method="post" action="/login">
${Object.entries(fields)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
  .join('\n')}
<label>User <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`;

const autopost = (action, fields) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Back to the service</title></head>
<body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(action)}">
${Object.entries(fields)
  .map(([k, v]) => `<input type="hidden" name="${k}" value="${escapeHtml(v)}">`)
  .join('\n')}
<noscript><button type="submit">Continue</button></noscript></form></body></html>`;

const readForm = (req) =>
  new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
      if (body.length > 100000) reject(new Error('too large'));
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', reject);
  });

const server = http.createServer(async (req, res) => {
  try {
    const { port } = server.address();
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const { idp, sp, c } = entities(port);
    const html = (body) => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/metadata') {
      res.setHeader('content-type', 'application/samlmetadata+xml');
      return res.end(idp.getMetadata());
    }
    const answer = async (request, login, relayState) => {
      const session = idpSessions.get(cookieOf(req, 'idp_session'));
      const sessionIndex = session?.login === login ? session.sessionIndex : randomId();
      if (session?.login !== login) {
        const token = randomId();
        idpSessions.set(token, { login, sessionIndex });
        res.setHeader('set-cookie', `idp_session=${token}; Path=/; HttpOnly; SameSite=Lax`);
      }
      const { context } = await loginResponse(idp, sp, c, request, c.users[login], sessionIndex);
      return html(autopost(request.assertionConsumerServiceUrl ?? sp.entityMeta.getAssertionConsumerService('post'), { SAMLResponse: context, RelayState: relayState }));
    };
    if (req.method === 'GET' && url.pathname === '/sso') {
      const raw = url.search.slice(1);
      const fields = {
        SAMLRequest: url.searchParams.get('SAMLRequest') ?? '',
        RelayState: url.searchParams.get('RelayState') ?? '',
        SigAlg: url.searchParams.get('SigAlg') ?? '',
        Signature: url.searchParams.get('Signature') ?? '',
        Octets: octetString(raw, 'SAMLRequest'),
      };
      let parsed;
      try {
        parsed = await idp.parseLoginRequest(sp, 'redirect', { query: fields, octetString: fields.Octets });
      } catch (err) {
        res.statusCode = 400;
        return html(`<!doctype html><p id="message">AuthnRequest refused: ${escapeHtml(err?.message ?? err)}</p>`);
      }
      const session = idpSessions.get(cookieOf(req, 'idp_session'));
      if (session && c.users?.[session.login]) return answer(parsed.extract.request, session.login, fields.RelayState);
      return html(page(fields));
    }
    if (req.method === 'POST' && url.pathname === '/login') {
      const form = await readForm(req);
      const fields = Object.fromEntries(['SAMLRequest', 'RelayState', 'SigAlg', 'Signature', 'Octets'].map((k) => [k, form.get(k) ?? '']));
      const login = form.get('login') ?? '';
      const user = c.users?.[login];
      if (!user || user.password !== form.get('password')) return html(page(fields, 'Wrong user or password'));
      const { extract } = await idp.parseLoginRequest(sp, 'redirect', { query: fields, octetString: fields.Octets });
      return answer(extract.request, login, fields.RelayState);
    }
    if (req.method === 'GET' && url.pathname === '/slo' && url.searchParams.has('SAMLResponse')) {
      // The SP's LogoutResponse to a logout begun here: verified with the SP's certificate.
      const query = Object.fromEntries(url.searchParams);
      res.setHeader('content-type', 'application/json');
      try {
        const parsed = await idp.parseLogoutResponse(sp, 'redirect', { query, octetString: octetString(url.search.slice(1), 'SAMLResponse') });
        return res.end(JSON.stringify({ verified: true, in_response_to: parsed.extract.response?.inResponseTo ?? null, relay_state: query.RelayState ?? null }));
      } catch (err) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ verified: false, error: String(err?.message ?? err) }));
      }
    }
    if (req.method === 'GET' && url.pathname === '/slo') {
      const query = Object.fromEntries(url.searchParams);
      let parsed;
      try {
        parsed = await idp.parseLogoutRequest(sp, 'redirect', { query, octetString: octetString(url.search.slice(1), 'SAMLRequest') });
      } catch (err) {
        res.statusCode = 400;
        return html(`<!doctype html><p id="message">LogoutRequest refused: ${escapeHtml(err?.message ?? err)}</p>`);
      }
      const nameID = parsed.extract.nameID;
      const sessionIndex = parsed.extract.sessionIndex;
      lastLogout = { name_id: nameID, session_index: sessionIndex ?? null, issuer: parsed.extract.issuer };
      for (const [token, s] of idpSessions) {
        if (c.users?.[s.login]?.name_id === nameID) idpSessions.delete(token);
      }
      const { context } = idp.createLogoutResponse(sp, parsed, 'redirect', { relayState: query.RelayState ?? '' });
      res.statusCode = 302;
      res.setHeader('location', context);
      return res.end();
    }
    if (req.method === 'GET' && url.pathname === '/session') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ login: idpSessions.get(cookieOf(req, 'idp_session'))?.login ?? null }));
    }
    if (req.method === 'GET' && url.pathname === '/last-logout') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(lastLogout));
    }
    if (req.method === 'GET' && url.pathname === '/logout-request') {
      const user = c.users?.[url.searchParams.get('login') ?? ''];
      if (!user) throw new Error('unknown login');
      const mode = url.searchParams.get('mode');
      const sessionIndex = url.searchParams.get('session_index');
      const issuer = url.searchParams.get('issuer') ?? idp.entityMeta.getEntityID();
      const now = Date.now();
      const at = (m) => new Date(now + m * 60000).toISOString();
      const { context } = idp.createLogoutRequest(sp, 'redirect', { logoutNameID: user.name_id }, {
        relayState: 'idp-relay',
        customTagReplacement: (_template, tags) => {
          const id = randomId();
          const context = `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${mode === 'expired' ? at(-120) : at(0)}" NotOnOrAfter="${mode === 'expired' ? at(-60) : at(5)}" Destination="${escapeXml(tags.Destination)}"><saml:Issuer>${escapeXml(issuer)}</saml:Issuer><saml:NameID Format="${PERSISTENT}">${escapeXml(user.name_id)}</saml:NameID>${sessionIndex ? `<samlp:SessionIndex>${escapeXml(sessionIndex)}</samlp:SessionIndex>` : ''}</samlp:LogoutRequest>`;
          return { id, context };
        },
      });
      const target = mode === 'unsigned' ? context.replace(/&SigAlg=[^&]*/, '').replace(/&Signature=[^&]*/, '') : context;
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ url: target }));
    }
    res.statusCode = 404;
    res.end('not found');
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err?.stack ?? err));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
