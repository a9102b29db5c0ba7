import http from "node:http";
import type { AddressInfo } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { REFRESHES_AT_ONCE, TenantFront, frontSettings } from "../../scripts/lib/tenant-front.ts";
import { TENANT_HEADER, tenantHeaderValue } from "../../lib/http/tenant-header.ts";
import { contentSecurityPolicy, generateNonce } from "../../lib/http/security-headers.ts";
import { notifyTenantChanged, notifyTenantContentChanged } from "../../lib/tenancy/invalidation.server.ts";
import { noteLocalTenantDown, skipLocalRendersInFlight } from "../../lib/http/local-page-cache.ts";
import { annotateLogContext, withLogContext, type LogContext } from "../../lib/observability/context.ts";
import { testControlPlane, type TestControlPlane } from "../support/databases.ts";

/**
 * The web server's front (scripts/lib/tenant-front.ts) over a real HTTP server and the control
 * plane's real change feed. The renderer stands in for Next.js as proxy.ts and a page answer:
 * a CSP with a fresh nonce, the nonce in the body's script tag, the tenant header.
 */
const ACME = "8c1f4a52-4c3e-4bde-9d0e-1a2b3c4d5e6f";
const GLOBEX = "1d2e3f40-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const TENANTS: Record<string, { id: string; plan: string; name: string }> = {
  "acme.localhost": { id: ACME, plan: "standard", name: "Acme" },
  "globex.localhost": { id: GLOBEX, plan: "starter", name: "Globex" },
};

let cp: TestControlPlane;
let sender: pg.Client;
let front: TenantFront;
let server: http.Server;
let port: number;
const rendered: string[] = [];
let revision = 1;
let renderDelayMs = 0;
/** Each request's log context as it stood when the response was sent, by host and path. */
const logged: { at: string; context: LogContext }[] = [];

function render(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const host = (req.headers.host ?? "").replace(/:\d+$/, "");
  rendered.push(`${host}${req.url}`);
  const tenant = TENANTS[host];
  const nonce = generateNonce();
  return new Promise((resolve) =>
    setTimeout(() => {
      if (!tenant) {
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("no such portal");
        return resolve();
      }
      // As a tenant page does once it has resolved its tenant.
      annotateLogContext({ realm: "tenant", tenant: tenant.name.toLowerCase() });
      res.setHeader("content-security-policy", contentSecurityPolicy(nonce, { dev: false }));
      res.setHeader(TENANT_HEADER, tenantHeaderValue(tenant));
      res.setHeader("content-type", "text/html; charset=utf-8");
      if (req.headers.cookie?.includes("session=")) res.setHeader("set-cookie", "session=refreshed");
      res.statusCode = 200;
      res.write(`<html><body><h1>${tenant.name} rev ${revision}</h1>`);
      res.end(`<script nonce="${nonce}">hydrate()</script></body></html>`);
      resolve();
    }, renderDelayMs),
  );
}

beforeAll(async () => {
  cp = await testControlPlane();
  sender = new pg.Client({ connectionString: cp.url });
  await sender.connect();
  front = new TenantFront(frontSettings({ PORTICO_PLAN_RATE_LIMITS: "starter=0" }, { dev: false }));
  front.listen(cp.url);
  server = http.createServer((req, res) => {
    const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
    const context: LogContext = {};
    res.once("close", () => logged.push({ at: `${host}${req.url}`, context }));
    withLogContext(
      context,
      () => void front.serve(req, res, host, (req.url ?? "/").split("?")[0]!, () => render(req, res)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  front.listening({ host: "127.0.0.1", port });
});
afterAll(async () => {
  server?.close();
  await front?.close();
  await sender?.end();
  await cp?.cleanup();
});

function get(host: string, path = "/", headers: Record<string, string> = {}, at = port) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port: at, path, headers: { host, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }),
        );
      })
      .on("error", reject);
  });
}
const nonceIn = (csp: unknown) => /'nonce-([^']+)'/.exec(String(csp))?.[1];

describe("the page cache in front of the renderer", () => {
  it("serves a stored page with a fresh nonce, without the tenant header, to its own host only", async () => {
    const first = await get("acme.localhost");
    const second = await get("acme.localhost");
    expect(second.headers["x-portico-cache"]).toBe("hit");
    expect(first.headers[TENANT_HEADER]).toBeUndefined();
    expect(second.headers[TENANT_HEADER]).toBeUndefined();
    const [n1, n2] = [
      nonceIn(first.headers["content-security-policy"]),
      nonceIn(second.headers["content-security-policy"]),
    ];
    expect(n2).not.toBe(n1);
    expect(second.body).toContain(`nonce="${n2}"`);
    expect(second.body).not.toContain(n1!);
    const globex = await get("globex.localhost");
    expect(globex.headers["x-portico-cache"]).toBeUndefined();
    expect(globex.body).toContain("Globex");
    expect(globex.body).not.toContain("Acme");
  });

  it("logs a hit as its tenant's page, as the render was logged", async () => {
    logged.length = 0;
    await get("globex.localhost", "/events/logged");
    const hit = await get("globex.localhost", "/events/logged");
    expect(hit.headers["x-portico-cache"]).toBe("hit");
    await get("nobody.localhost", "/events/logged");
    await new Promise((resolve) => setImmediate(resolve));
    expect(logged.map((l) => [l.at, l.context])).toEqual([
      ["globex.localhost/events/logged", { realm: "tenant", tenant: "globex" }],
      ["globex.localhost/events/logged", { realm: "tenant", tenant: "globex" }],
      // The control: a page of no tenant is not stored, and its line names none.
      ["nobody.localhost/events/logged", {}],
    ]);
  });

  it("never stores what is not a tenant's shared page", async () => {
    rendered.length = 0;
    // No tenant header (an unknown host), a cookie, a query string: rendered every time.
    for (const [host, path, headers] of [
      ["nobody.localhost", "/", {}],
      ["acme.localhost", "/", { cookie: "session=abc" }],
      ["acme.localhost", "/?q=x", {}],
      ["acme.localhost", "/manage", {}],
    ] as const) {
      await get(host, path, headers);
      const again = await get(host, path, headers);
      expect(again.headers["x-portico-cache"], `${host}${path}`).toBeUndefined();
    }
    expect(rendered).toHaveLength(8);
    // Positive control: the anonymous catalogue is a hit.
    expect((await get("acme.localhost")).headers["x-portico-cache"]).toBe("hit");
  });

  it("renders a page once for the visitors who ask while it is rendered", async () => {
    front.purge(GLOBEX);
    rendered.length = 0;
    renderDelayMs = 150;
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => get("globex.localhost", "/events/launch")));
      expect(answers.every((a) => a.status === 200 && a.body.includes("Globex"))).toBe(true);
      expect(rendered).toEqual(["globex.localhost/events/launch"]);
      // Each waiting visitor got its own nonce.
      expect(new Set(answers.map((a) => nonceIn(a.headers["content-security-policy"]))).size).toBe(6);
    } finally {
      renderDelayMs = 0;
    }
  });

  it("drops a tenant's pages when the change feed says its content changed, on this and every instance", async () => {
    await get("acme.localhost", "/events/launch");
    expect((await get("acme.localhost", "/events/launch")).headers["x-portico-cache"]).toBe("hit");
    expect((await get("globex.localhost", "/events/launch")).headers["x-portico-cache"]).toBe("hit");
    revision = 2;
    await notifyTenantContentChanged(sender, ACME);
    await vi.waitFor(async () => expect((await get("acme.localhost", "/events/launch")).body).toContain("Acme rev 2"));
    // The neighbour's pages stayed (it did not change).
    expect((await get("globex.localhost", "/events/launch")).headers["x-portico-cache"]).toBe("hit");
    // A change of the tenant itself (suspension, domains) drops them too.
    revision = 3;
    await notifyTenantChanged(sender, GLOBEX);
    await vi.waitFor(async () =>
      expect((await get("globex.localhost", "/events/launch")).body).toContain("Globex rev 3"),
    );
  });
});

/** Asks for Acme's `path`, rendered slowly, and calls `meanwhile` while it is being rendered. */
async function whileRendering(path: string, meanwhile: () => void): Promise<void> {
  renderDelayMs = 150;
  try {
    const inFlight = get("acme.localhost", path);
    await vi.waitFor(() => expect(rendered.at(-1)).toBe(`acme.localhost${path}`));
    meanwhile();
    await inFlight;
  } finally {
    renderDelayMs = 0;
  }
}

describe("the page cache and the health breaker (decisions 054, 060, 061)", () => {
  it("stores no render in flight when a tenant is busy, and keeps what it had stored", async () => {
    await get("acme.localhost", "/events/busy");
    expect((await get("acme.localhost", "/events/busy")).headers["x-portico-cache"]).toBe("hit");
    // A render that meets the busy pool (in the app it shows the notice) is not stored…
    await whileRendering("/events/notice", () => skipLocalRendersInFlight(ACME));
    rendered.length = 0;
    expect((await get("acme.localhost", "/events/notice")).headers["x-portico-cache"]).toBeUndefined();
    expect(rendered).toEqual(["acme.localhost/events/notice"]);
    // …its stored page stayed, and the render begun afterwards was stored (positive control).
    expect((await get("acme.localhost", "/events/busy")).headers["x-portico-cache"]).toBe("hit");
    expect((await get("acme.localhost", "/events/notice")).headers["x-portico-cache"]).toBe("hit");
  });

  it("keeps serving a tenant's stored pages when its database goes down, storing none of its renders in flight (decision 061)", async () => {
    await get("acme.localhost", "/events/down");
    expect((await get("acme.localhost", "/events/down")).headers["x-portico-cache"]).toBe("hit");
    const before = front.metrics().cache;
    // The render that meets the outage (in the app it shows the notice) is not stored.
    await whileRendering("/events/met-the-outage", () => noteLocalTenantDown(ACME));
    const after = front.metrics().cache;
    expect(after.outages - before.outages).toBe(1);
    expect(after.purges).toBe(before.purges);
    expect((await get("acme.localhost", "/events/met-the-outage")).headers["x-portico-cache"]).toBeUndefined();
    // What was stored before the outage is still served.
    const kept = await get("acme.localhost", "/events/down");
    expect(kept.headers["x-portico-cache"]).toBe("hit");
    expect(kept.body).toContain("Acme rev");
    // A content change still drops the pages (positive control): it is a purge, not an outage.
    await notifyTenantContentChanged(sender, ACME);
    await vi.waitFor(() => expect(front.metrics().cache.purges - after.purges).toBe(1));
    expect(front.metrics().cache.outages).toBe(after.outages);
    expect((await get("acme.localhost", "/events/down")).headers["x-portico-cache"]).toBeUndefined();
  });
});

describe("the fair share", () => {
  it(
    "refuses one tenant's flood beyond its share with 503 and Retry-After, and serves its neighbour",
    { timeout: 60_000 },
    async () => {
      // Long enough that all 60 arrive while the first three render.
      renderDelayMs = 600;
      try {
        // Learn Globex's plan (Starter: 3 at once, 24 waiting) from a first page. Acme keeps the
        // server busy meanwhile, so Globex gets its own share and nothing lent (decision 055).
        await get("globex.localhost", "/?learn");
        const busy = Promise.all(Array.from({ length: 12 }, (_, i) => get("acme.localhost", `/?busy=${i}`)));
        await vi.waitFor(() => expect(front.traffic?.admission.load(ACME).active).toBe(12));
        const flood = await Promise.all(Array.from({ length: 60 }, (_, i) => get("globex.localhost", `/?n=${i}`)));
        const refused = flood.filter((r) => r.status === 503);
        expect(refused.length).toBeGreaterThanOrEqual(60 - 3 - 24);
        expect(refused[0]!.headers["retry-after"]).toMatch(/^\d+$/);
        expect(refused[0]!.body).toContain("try again in");
        expect(flood.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(3);
        await busy;
        // Positive control: the neighbour, asked during a second flood, is served.
        const [, neighbour] = await Promise.all([
          Promise.all(Array.from({ length: 40 }, (_, i) => get("globex.localhost", `/?m=${i}`))),
          get("acme.localhost", "/?during"),
        ]);
        expect(neighbour.status).toBe(200);
        expect(front.metrics().refusals["queue-full"]).toBeGreaterThan(0);
      } finally {
        renderDelayMs = 0;
      }
    },
  );
});

describe("its settings", () => {
  it("refuses what it cannot read, naming the variable", () => {
    expect(() => frontSettings({ PORTICO_PAGE_CACHE_MB: "lots" }, { dev: false })).toThrow(/^PORTICO_PAGE_CACHE_MB: /);
    expect(() => frontSettings({ PORTICO_FAIR_SHARE: "maybe" }, { dev: false })).toThrow(/^PORTICO_FAIR_SHARE: /);
    expect(() => frontSettings({ PORTICO_PLAN_RATE_LIMITS: "gold=1" }, { dev: false })).toThrow(
      /^PORTICO_PLAN_RATE_LIMITS: /,
    );
    expect(() => frontSettings({ PORTICO_PAGE_CACHE_SECONDS: "0" }, { dev: false })).toThrow(
      /^PORTICO_PAGE_CACHE_SECONDS: /,
    );
    expect(() => frontSettings({ PORTICO_APP_THREAD: "yes" }, { dev: false })).toThrow(/^PORTICO_APP_THREAD: /);
    expect(frontSettings({}, { dev: false }).cacheBytes).toBe(64 * 1024 * 1024);
    expect(frontSettings({}, { dev: true }).cacheBytes).toBe(0);
  });

  it("renders on a thread of its own in production when told to, never in development", () => {
    expect(frontSettings({}, { dev: false }).appThread).toBe(false);
    expect(frontSettings({ PORTICO_APP_THREAD: "1" }, { dev: false }).appThread).toBe(true);
    expect(frontSettings({ PORTICO_APP_THREAD: "0" }, { dev: false }).appThread).toBe(false);
    expect(frontSettings({ PORTICO_APP_THREAD: "1" }, { dev: true }).appThread).toBe(false);
  });
});

describe("stale pages (decision 062)", () => {
  // A front of its own whose pages are fresh for 3 s, then served stale for 3 s more. Created
  // last: the process's outage hooks now reach it.
  let stale: TenantFront;
  let staleServer: http.Server;
  let stalePort: number;
  beforeAll(async () => {
    stale = new TenantFront(
      frontSettings({ PORTICO_PAGE_CACHE_SECONDS: "3", PORTICO_PLAN_RATE_LIMITS: "standard=0" }, { dev: false }),
    );
    staleServer = http.createServer((req, res) => {
      const host = (req.headers.host ?? "").toLowerCase().replace(/:\d+$/, "");
      void stale.serve(req, res, host, (req.url ?? "/").split("?")[0]!, () => render(req, res));
    });
    await new Promise<void>((resolve) => staleServer.listen(0, "127.0.0.1", resolve));
    stalePort = (staleServer.address() as AddressInfo).port;
    stale.listening({ host: "127.0.0.1", port: stalePort });
  });
  afterAll(async () => {
    staleServer?.close();
    await stale?.close();
  });

  it(`serves stale pages at once and renders at most ${REFRESHES_AT_ONCE} of them again at a time`, async () => {
    const paths = Array.from({ length: REFRESHES_AT_ONCE + 2 }, (_, i) => `/events/stale-${i}`);
    const ask = (path: string) => get("acme.localhost", path, {}, stalePort);
    revision = 20;
    for (const path of paths) await ask(path);
    for (const path of paths) expect((await ask(path)).headers["x-portico-cache"]).toBe("hit");
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    revision = 21;
    const before = stale.metrics().cache;
    renderDelayMs = 300;
    try {
      // Six visitors at once, each of a stale page: all answered from the cache with the old page,
      // four refreshes started, two left for their page's next visitor.
      const answers = await Promise.all(paths.map(ask));
      for (const answer of answers) {
        expect(answer.headers["x-portico-cache"]).toBe("hit");
        expect(answer.body).toContain("Acme rev 20");
      }
      const during = stale.metrics().cache;
      expect(during.refreshes - before.refreshes).toBe(REFRESHES_AT_ONCE);
      expect(during.refreshesDeferred - before.refreshesDeferred).toBe(2);
      await vi.waitFor(() => expect(stale.metrics().cache.stored - before.stored).toBe(REFRESHES_AT_ONCE));
      // The refreshed pages are fresh; the next visitors of the two others start theirs
      // (positive control: a deferred refresh is not lost).
      const next = await Promise.all(paths.map(ask));
      expect(next.filter((answer) => answer.body.includes("Acme rev 21"))).toHaveLength(REFRESHES_AT_ONCE);
      const after = stale.metrics().cache;
      expect(after.refreshes - during.refreshes).toBe(2);
      expect(after.refreshesDeferred).toBe(during.refreshesDeferred);
      await vi.waitFor(() => expect(stale.metrics().cache.stored - before.stored).toBe(REFRESHES_AT_ONCE + 2));
    } finally {
      renderDelayMs = 0;
    }
    for (const path of paths) expect((await ask(path)).body).toContain("Acme rev 21");
  });
});
