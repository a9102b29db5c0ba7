import { generateKeyPairSync, randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/**
 * A real OpenID Connect identity provider for the tests: `oidc-provider` (the certified Node.js
 * implementation) on a free port of 127.0.0.1, with its in-memory adapter, a fresh RSA signing
 * key, the clients a test registers, and a plain HTML sign-in form (username and password) that
 * Chromium or `idpSignIn` below fills in. Consent is given with the sign-in.
 */

export interface IdpUser {
  /** The subject the provider states; stable per person. */
  sub: string;
  username: string;
  password: string;
  email: string;
  emailVerified: boolean;
  name: string;
  groups: string[];
}

export interface IdpClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
}

export interface TestIdp {
  issuer: string;
  /** Changes a user's claims from the next sign-in on (a group removed, an email unverified). */
  updateUser(username: string, patch: Partial<Omit<IdpUser, "username">>): void;
  close(): Promise<void>;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

function loginPage(uid: string, clientId: string, error?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test IdP</title></head><body>
<h1>Test identity provider</h1>
<p>Sign in to continue to <strong>${escapeHtml(clientId)}</strong>.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="username">Username</label> <input id="username" name="username" autocomplete="off" autofocus>
<label for="password">Password</label> <input id="password" name="password" type="password">
<button type="submit">Continue</button>
</form></body></html>`;
}

async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

export async function startOidcIdp(options: { users: IdpUser[]; clients: IdpClient[] }): Promise<TestIdp> {
  const users = new Map(options.users.map((u) => [u.username, { ...u }]));
  const bySub = (sub: string) => [...users.values()].find((u) => u.sub === sub);
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: "jwk" }),
    use: "sig",
    alg: "RS256",
    kid: randomBytes(6).toString("hex"),
  };

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    })),
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
    scopes: ["openid", "email", "profile", "groups"],
    // The ID token carries the claims itself, as most enterprise providers do.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const user = bySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          const now = bySub(sub) ?? user;
          return { sub, email: now.email, email_verified: now.emailVerified, name: now.name, groups: now.groups };
        },
      };
    },
  });
  const callback = provider.callback();

  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? "");
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        const clientId = String(details.params.client_id ?? "");
        if (req.method === "GET") {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          return res.end(loginPage(details.uid, clientId));
        }
        const form = await formBody(req);
        const user = users.get(form.get("username") ?? "");
        if (!user || user.password !== form.get("password")) {
          res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
          return res.end(loginPage(details.uid, clientId, "Wrong username or password."));
        }
        const grant = new provider.Grant({ accountId: user.sub, clientId });
        grant.addOIDCScope(String(details.params.scope ?? "openid"));
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: user.sub }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      } catch (error) {
        res.writeHead(400, { "content-type": "text/plain" });
        res.end(`interaction failed: ${(error as Error).message}`);
      }
    })();
  });

  return {
    issuer,
    updateUser(username, patch) {
      const user = users.get(username);
      if (!user) throw new Error(`no IdP user ${username}`);
      Object.assign(user, patch);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Signs `username` in at the provider over HTTP, as a browser would: follows the authorization
 * request to the sign-in form, posts it, and follows the provider's redirects until one leaves
 * the provider. Returns that URL (the client's redirect URI with `code` and `state`).
 */
export async function idpSignIn(authorizeUrl: string, username: string, password: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(line) || !value) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const origin = new URL(authorizeUrl).origin;
  let url = new URL(authorizeUrl);
  let method = "GET";
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 12; hop++) {
    if (url.origin !== origin) return url;
    const response = await fetch(url, {
      method,
      body,
      redirect: "manual",
      headers: { cookie: cookieHeader(), ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
    });
    remember(response);
    const location = response.headers.get("location");
    if (location) {
      url = new URL(location, url);
      method = "GET";
      body = undefined;
      continue;
    }
    const html = await response.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action || method === "POST")
      throw new Error(`the IdP answered ${response.status} without a redirect:\n${html.slice(0, 500)}`);
    url = new URL(action.replaceAll("&amp;", "&"), url);
    method = "POST";
    body = new URLSearchParams({ username, password });
  }
  throw new Error("too many redirects at the IdP");
}
