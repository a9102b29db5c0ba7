import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkPasskey,
  passkeyRegistrationOptions,
  passkeySignInOptions,
  registerPasskey,
  relyingParty,
} from "../../lib/auth/passkeys.server.ts";
import type { PooledClient } from "../../lib/db/client-cache.ts";
import { freePort } from "../../lib/db/embedded.server.ts";
import type { TenantDb } from "../../lib/db/tenant-db.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { openTenantDb, testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * Passkeys end to end in Chromium with its virtual authenticator (DevTools' WebAuthn domain):
 * the browser side is @simplewebauthn/browser, the server side Portico's own ceremonies on a real
 * tenant database, behind a small HTTP server that takes the relying party from the Host header as
 * the portal does. Two hosts share the server, so a passkey's scope to its host can be tested.
 */
let cp: TestControlPlane;
let pooled: PooledClient<TenantDb>;
let db: TenantDb;
let server: Server;
let port: number;
let browser: Browser;
let userId: string;

// The package's browser bundle, which its exports do not name: found from its entry point.
const browserBundle = path.join(
  path.dirname(createRequire(import.meta.url).resolve("@simplewebauthn/browser")),
  "..",
  "dist/bundle/index.umd.min.js",
);

async function body(request: import("node:http").IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : null;
}

function startServer(): Promise<void> {
  server = createServer((request, response) => {
    void (async () => {
      const host = request.headers.host ?? "";
      const rp = relyingParty("Mfa Co", `http://${host}`);
      const json = (value: unknown) => {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      const user = await db.user.findUniqueOrThrow({ where: { id: userId } });
      switch (`${request.method} ${request.url}`) {
        case "GET /":
          response.writeHead(200, { "content-type": "text/html" });
          return response.end(`<!doctype html><title>passkeys</title><script src="/webauthn.js"></script>`);
        case "GET /webauthn.js":
          response.writeHead(200, { "content-type": "text/javascript" });
          return response.end(await readFile(browserBundle));
        case "POST /register/options":
          return json(await passkeyRegistrationOptions(db, rp, user));
        case "POST /register/verify":
          return json(await registerPasskey(db, rp, user.id, (await body(request)) as never, "Test key"));
        case "POST /sign-in/options":
          return json(await passkeySignInOptions(db, rp, user.id));
        case "POST /sign-in/verify":
          return json(await checkPasskey(db, rp, user.id, (await body(request)) as never));
        default:
          response.writeHead(404);
          return response.end();
      }
    })().catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", resolve));
}

/** A page on `host` with a virtual authenticator that verifies its user (a fingerprint, say). */
async function pageWithAuthenticator(host: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  await page.goto(`http://${host}:${port}/`);
  return page;
}

/** Runs a ceremony's browser half: options from the server, the authenticator's answer back. */
const ceremony = (page: Page, kind: "register" | "sign-in") =>
  page.evaluate(async (kind) => {
    const lib = (
      window as unknown as {
        SimpleWebAuthnBrowser: {
          startRegistration(o: { optionsJSON: unknown }): Promise<unknown>;
          startAuthentication(o: { optionsJSON: unknown }): Promise<unknown>;
        };
      }
    ).SimpleWebAuthnBrowser;
    const optionsJSON = await (await fetch(`/${kind}/options`, { method: "POST" })).json();
    const answer =
      kind === "register"
        ? await lib.startRegistration({ optionsJSON })
        : await lib.startAuthentication({ optionsJSON });
    return answer;
  }, kind);

const post = (page: Page, path: string, answer: unknown) =>
  page.evaluate(
    async ([path, answer]) =>
      (await fetch(path as string, { method: "POST", body: JSON.stringify(answer) })).json() as Promise<{
        ok: boolean;
        reason?: string;
      }>,
    [path, answer] as const,
  );

beforeAll(async () => {
  cp = await testControlPlane();
  const slug = cp.slug("passkey");
  const { tenantId } = await provisionTenant(
    cp.deps,
    parseTenantSpec({ slug, name: "Mfa Co", theme: FALLBACK_THEME }),
    { mode: "create", seed: false },
  );
  pooled = await openTenantDb(cp, tenantId, "passkeys-browser-test");
  db = pooled.client;
  userId = (await db.user.create({ data: { email: "pam@mfa.example", name: "Pam", role: "staff", passwordHash: "x" } }))
    .id;
  port = await freePort();
  await startServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await pooled?.close();
  await cp?.cleanup();
});

describe("a passkey in Chromium's virtual authenticator", () => {
  it("registers on the portal's host, then signs in there once per challenge", async () => {
    const page = await pageWithAuthenticator("mfa.localhost");
    const registered = await post(page, "/register/verify", await ceremony(page, "register"));
    expect(registered).toMatchObject({ ok: true });
    const [stored] = await db.passkey.findMany({ where: { userId } });
    expect(stored).toMatchObject({ name: "Test key" });
    expect(stored!.publicKey.length).toBeGreaterThan(32);

    const answer = await ceremony(page, "sign-in");
    expect(await post(page, "/sign-in/verify", answer)).toEqual({ ok: true });
    expect((await db.passkey.findUniqueOrThrow({ where: { id: stored!.id } })).lastUsedAt).not.toBeNull();
    // The same signed answer again: its challenge is spent.
    expect(await post(page, "/sign-in/verify", answer)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/already used/),
    });
  });

  it("made on one host is not valid on another: a signed answer replayed there is refused", async () => {
    const page = await pageWithAuthenticator("mfa.localhost");
    // This context's authenticator is new: register a passkey in it first.
    expect(await post(page, "/register/verify", await ceremony(page, "register"))).toMatchObject({ ok: true });
    // An answer signed on mfa.localhost, sent to the other host (which issued no challenge of
    // its own here: the challenge is the user's, so only origin and relying party can refuse it).
    const answer = await ceremony(page, "sign-in");
    const other = await pageWithAuthenticator("other.localhost");
    expect(await post(other, "/sign-in/verify", answer)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/could not be verified/),
    });
    // Positive control: a fresh answer on its own host is accepted.
    expect(await post(page, "/sign-in/verify", await ceremony(page, "sign-in"))).toEqual({ ok: true });
    // And the other host's browser cannot use it at all: its authenticator holds nothing for that host.
    await expect(ceremony(other, "sign-in")).rejects.toThrow();
  });
});
