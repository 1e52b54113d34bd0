// A local OpenID Connect provider for the browser journeys, speaking the real protocol:
// discovery (/.well-known/openid-configuration), its signing key (/jwks), an authorization
// endpoint whose page asks "Sign in as" (an email; the subject is derived from it, so each
// journey is its own person) and sends the browser back with a code, `state` and `iss`,
// and a token endpoint that checks the client (HTTP Basic), the redirect URI, the code (once)
// and S256 PKCE before it issues an RS256-signed ID token with the request's nonce, an
// access token and a refresh token. The refresh token grant renews them (rotating the
// refresh token), RFC 7009 revocation (/revoke, in discovery) ends them. For the journeys,
// /control/withdraw?email= does what a person does in the provider's own settings (withdraws
// Scout's access: renewals are refused with invalid_grant) and /control/revoked?email= says
// how many of that person's tokens Scout revoked.
// It is also the marketplace journeys link ("Stand-in Market", when the redirect goes to
// /marketplaces/...): the same OAuth 2 endpoints, the marketplace API's /users/me and its
// adverts (OLX's partner API shape: POST /adverts, PUT and DELETE /adverts/{id}, POST
// /adverts/{id}/commands; titles of 16 to 70 characters, a city_id from its GET /cities), and
// /control/adverts?email= for
// what a person has there.
// And it plays Facebook Login ("Stand-in Facebook", when the redirect goes to
// /auth/facebook/...): the token request carries the client in its body and gets a long-lived
// access token only (no refresh token, no ID token); Graph's GET /me answers the app-scoped id
// and the confirmed email when `appsecret_proof` (HMAC-SHA256 of the token under the client
// secret) is right, and DELETE /me/permissions ends the grant.
// Node's standard library only: nothing to install.
import http from "node:http";
import crypto from "node:crypto";

const port = Number(process.env.OIDC_PORT ?? 3140);
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID ?? "scout-journeys";
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? "journey-secret";
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "journeys-1", use: "sig", alg: "RS256" };
const codes = new Map();
// refresh token -> { email, live }; access token -> email; email -> tokens Scout revoked
const refreshTokens = new Map();
const accessTokens = new Map();
const revoked = new Map();
const withdrawn = new Set();
// Facebook access token -> { email, verified }
const graphTokens = new Map();
// advert id -> advert (with its owner's email and status)
const adverts = new Map();
let nextAdvert = 5000;

const b64url = (buf) => Buffer.from(buf).toString("base64url");
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function idToken(claims) {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: jwk.kid }));
  const body = b64url(JSON.stringify(claims));
  const signature = crypto.sign("RSA-SHA256", Buffer.from(`${header}.${body}`), privateKey);
  return `${header}.${body}.${b64url(signature)}`;
}

// A fresh access token and refresh token for `email`.
function tokens(email, scope = "openid email profile") {
  const access = b64url(crypto.randomBytes(24));
  const refresh = b64url(crypto.randomBytes(24));
  accessTokens.set(access, email);
  refreshTokens.set(refresh, { email, scope, live: true });
  return { access_token: access, token_type: "Bearer", expires_in: 3600, refresh_token: refresh, scope };
}

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(body);
}
const json = (res, status, value) => send(res, status, "application/json", JSON.stringify(value));

function readBody(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => resolve(new URLSearchParams(data)));
  });
}

// The provider's own sign-in page: what a person sees at Google, in miniature.
function signInPage(q, error = "") {
  const to = q.get("redirect_uri") ?? "";
  const brand = to.includes("/marketplaces/") ? "Stand-in Market" : to.includes("/auth/facebook/") ? "Stand-in Facebook" : "Stand-in ID";
  const hidden = [...q.entries()]
    .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${brand}</title></head><body><main><h1>${brand}</h1>
<p>Scout asks who you are.</p>${error ? `<p role="alert">${escape(error)}</p>` : ""}
<form method="post" action="/authorize">${hidden}
<label for="email">Sign in as</label> <input id="email" name="login_email" type="email" required>
<label><input type="checkbox" name="unverified" value="yes"> My address is not confirmed</label>
<button type="submit">Continue to Scout</button>
<button type="submit" name="deny" value="yes" formnovalidate>Cancel</button></form></main></body></html>`;
}

function readJson(req) {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      try {
        resolve(JSON.parse(data || "null"));
      } catch {
        resolve(null);
      }
    });
  });
}

// The marketplace's places, with its own ids (OLX's /cities), three to a page.
const cities = [[1, "София"], [2, "Пловдив"], [3, "Варна"], [4, "Бургас"], [5, "Русе"], [6, "Стара Загора"], [7, "Плевен"], [8, "Благоевград"]];

// The marketplace's advert API, for the owner of a live access token.
async function advertApi(req, res, url) {
  const owner = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
  if (!owner) return json(res, 401, { error: { status: 401, title: "Unauthorized" } });
  const body = await readJson(req);
  const invalid = () => {
    const n = [...(body?.title ?? "")].length;
    const problem =
      n < 16 || n > 70
        ? ["title", "Title must be between 16 and 70 characters"]
        : !cities.some(([id]) => id === body?.location?.city_id)
          ? ["location.city_id", "Unknown city"]
          : null;
    return problem
      ? json(res, 400, {
          error: {
            status: 400,
            title: "Invalid request",
            detail: "Data validation error occurred",
            validation: [{ field: problem[0], title: "Invalid field value", detail: problem[1] }],
          },
        })
      : null;
  };
  const parts = url.pathname.split("/").filter(Boolean); // ["adverts", id?, "commands"?]
  if (parts.length === 1 && req.method === "POST") {
    if (invalid()) return;
    const same = [...adverts.values()].find((a) => a.owner === owner && a.external_id === body.external_id);
    if (same) return json(res, 200, { data: same });
    const advert = { ...body, id: nextAdvert++, status: "active", owner };
    adverts.set(String(advert.id), advert);
    return json(res, 200, { data: advert });
  }
  const held = adverts.get(parts[1] ?? "");
  if (!held || held.owner !== owner) return json(res, 404, { error: { status: 404, title: "Not found" } });
  if (parts.length === 2 && req.method === "PUT") {
    if (invalid()) return;
    const advert = { ...body, id: held.id, status: held.status, owner, external_id: held.external_id };
    adverts.set(parts[1], advert);
    return json(res, 200, { data: advert });
  }
  if (parts.length === 2 && req.method === "DELETE") {
    adverts.delete(parts[1]);
    return send(res, 204, "text/plain", "");
  }
  if (parts[2] === "commands" && req.method === "POST") {
    held.status = body?.command === "activate" ? "active" : "inactive";
    return send(res, 204, "text/plain", "");
  }
  return json(res, 405, { error: { status: 405, title: "Method not allowed" } });
}

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === "/healthz") return send(res, 200, "text/plain", "ok");
    if (url.pathname === "/.well-known/openid-configuration") {
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        scopes_supported: ["openid", "email", "profile"],
        token_endpoint_auth_methods_supported: ["client_secret_basic"],
        code_challenge_methods_supported: ["S256"],
        revocation_endpoint: `${issuer}/revoke`,
        grant_types_supported: ["authorization_code", "refresh_token"],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === "/jwks") return json(res, 200, { keys: [jwk] });
    if (url.pathname === "/users/me") {
      const email = accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""));
      if (!email) return json(res, 401, { error: "invalid_token" });
      const id = crypto.createHash("sha256").update(email).digest("hex").slice(0, 12);
      return json(res, 200, { data: { id, email, name: "Stand-in seller" } });
    }
    if (url.pathname === "/control/adverts") {
      const email = url.searchParams.get("email");
      return json(res, 200, [...adverts.values()].filter((a) => a.owner === email));
    }
    if (url.pathname.startsWith("/adverts")) return advertApi(req, res, url);
    if (url.pathname === "/cities") {
      if (!accessTokens.get((req.headers.authorization ?? "").replace(/^Bearer /, ""))) return json(res, 401, { error: { status: 401, title: "Unauthorized" } });
      const offset = Number(url.searchParams.get("offset") ?? 0);
      const limit = Math.min(Number(url.searchParams.get("limit") ?? 3), 3);
      return json(res, 200, { data: cities.slice(offset, offset + limit).map(([id, name]) => ({ id, name, region_id: 1 })) });
    }
    if (url.pathname === "/control/withdraw") {
      withdrawn.add(url.searchParams.get("email"));
      // and the access tokens it gave end at once
      for (const [token, email] of accessTokens) if (email === url.searchParams.get("email")) accessTokens.delete(token);
      return json(res, 200, { ok: true });
    }
    if (url.pathname === "/control/revoked") {
      return json(res, 200, { revoked: revoked.get(url.searchParams.get("email")) ?? 0 });
    }
    if (url.pathname === "/authorize" && req.method === "GET") {
      const q = url.searchParams;
      const ok =
        q.get("response_type") === "code" &&
        q.get("client_id") === clientId &&
        q.get("code_challenge_method") === "S256" &&
        q.get("code_challenge") &&
        q.get("state") &&
        q.get("redirect_uri") &&
        (q.get("scope") ?? "") !== "";
      if (!ok) return send(res, 400, "text/plain", "invalid_request");
      return send(res, 200, "text/html; charset=utf-8", signInPage(q));
    }
    if (url.pathname === "/authorize" && req.method === "POST") {
      const f = await readBody(req);
      const back = new URL(f.get("redirect_uri"));
      back.searchParams.set("state", f.get("state") ?? "");
      back.searchParams.set("iss", issuer);
      if (f.get("deny")) {
        back.searchParams.set("error", "access_denied");
        return send(res, 303, "text/plain", "", { location: back.toString() });
      }
      const email = (f.get("login_email") ?? "").trim().toLowerCase();
      if (!email) return send(res, 200, "text/html; charset=utf-8", signInPage(new URLSearchParams([...f.entries()]), "Enter an email."));
      const code = b64url(crypto.randomBytes(24));
      codes.set(code, {
        redirectUri: f.get("redirect_uri"),
        challenge: f.get("code_challenge"),
        nonce: f.get("nonce"),
        email,
        scope: f.get("scope") ?? "",
        verified: f.get("unverified") !== "yes",
      });
      back.searchParams.set("code", code);
      return send(res, 303, "text/plain", "", { location: back.toString() });
    }
    const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}`;
    if (url.pathname === "/me" || url.pathname === "/me/permissions") {
      // Facebook's Graph API: the token's holder, when its appsecret_proof fits
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      const proof = crypto.createHmac("sha256", clientSecret).update(token).digest("hex");
      const who = graphTokens.get(token);
      if (!who || url.searchParams.get("appsecret_proof") !== proof) {
        return json(res, 400, { error: { message: "Invalid OAuth access token data.", type: "OAuthException", code: 190 } });
      }
      if (url.pathname === "/me/permissions" && req.method === "DELETE") {
        graphTokens.delete(token);
        revoked.set(who.email, (revoked.get(who.email) ?? 0) + 1);
        return json(res, 200, { success: true });
      }
      const id = String(BigInt("0x" + crypto.createHash("sha256").update(who.email).digest("hex").slice(0, 13)));
      return json(res, 200, who.verified ? { id, email: who.email } : { id });
    }
    if (url.pathname === "/token" && req.method === "POST") {
      const f = await readBody(req);
      const inBody = f.get("client_id") === clientId && f.get("client_secret") === clientSecret;
      if (req.headers.authorization !== basic && !inBody) return json(res, 401, { error: "invalid_client" });
      if (f.get("grant_type") === "refresh_token") {
        const held = refreshTokens.get(f.get("refresh_token") ?? "");
        if (!held || !held.live || withdrawn.has(held.email)) return json(res, 400, { error: "invalid_grant" });
        held.live = false;
        return json(res, 200, tokens(held.email, held.scope));
      }
      const grant = codes.get(f.get("code") ?? "");
      codes.delete(f.get("code") ?? "");
      const pkce = b64url(crypto.createHash("sha256").update(f.get("code_verifier") ?? "").digest());
      if (!grant || f.get("grant_type") !== "authorization_code" || f.get("redirect_uri") !== grant.redirectUri || pkce !== grant.challenge) {
        return json(res, 400, { error: "invalid_grant" });
      }
      // signing in again gives access again
      withdrawn.delete(grant.email);
      if (inBody) {
        // Facebook: a long-lived access token and nothing else
        const access = b64url(crypto.randomBytes(24));
        graphTokens.set(access, { email: grant.email, verified: grant.verified });
        return json(res, 200, { access_token: access, token_type: "bearer", expires_in: 5183944 });
      }
      const now = Math.floor(Date.now() / 1000);
      return json(res, 200, {
        ...tokens(grant.email, grant.scope),
        id_token: idToken({
          iss: issuer,
          sub: crypto.createHash("sha256").update(grant.email).digest("hex").slice(0, 24),
          aud: clientId,
          iat: now,
          exp: now + 300,
          nonce: grant.nonce,
          // the person signed in on this page just now (what `max_age` asks to be told)
          auth_time: now,
          email: grant.email,
          email_verified: grant.verified,
        }),
      });
    }
    if (url.pathname === "/revoke" && req.method === "POST") {
      if (req.headers.authorization !== basic) return json(res, 401, { error: "invalid_client" });
      const f = await readBody(req);
      const token = f.get("token") ?? "";
      const email = refreshTokens.get(token)?.email ?? accessTokens.get(token);
      if (email) {
        refreshTokens.delete(token);
        accessTokens.delete(token);
        revoked.set(email, (revoked.get(email) ?? 0) + 1);
      }
      // RFC 7009: an unknown token is answered 200 too
      return send(res, 200, "text/plain", "");
    }
    send(res, 404, "text/plain", "not found");
  })
  .listen(port, "127.0.0.1");
