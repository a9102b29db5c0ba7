import { describe, expect, it } from "vitest";
import {
  PageCache,
  nonceOf,
  pageCacheKey,
  parseCookies,
  restampNonce,
  splitOnNonce,
  type CachedPage,
} from "./page-cache.ts";
import { contentSecurityPolicy, generateNonce } from "./security-headers.ts";

const options = { localeCookie: "portico-locale", https: true };
const get = (url: string, headers: Record<string, string> = {}, host = "acme.example") =>
  pageCacheKey({ method: "GET", host, url, headers }, options);

describe("which requests the page cache answers", () => {
  it("keys anonymous public pages by scheme, host, path and language", () => {
    expect(get("/")).toBe("https|acme.example||/|");
    expect(get("/events/launch-day", {}, "ACME.example.")).toBe("https|acme.example||/events/launch-day|");
    expect(get("/events/launch-day/calendar.ics")).toBe("https|acme.example||/events/launch-day/calendar.ics|");
    expect(get("/", { cookie: "portico-locale=de" })).toBe("https|acme.example||/|de");
    expect(get("/logo/abc123.png")).not.toBeNull();
  });

  it("keeps hosts forwarded by a proxy apart, and one key for every unknown language", () => {
    const a = get("/", { "x-forwarded-host": "acme.example" }, "lb.internal");
    const b = get("/", { "x-forwarded-host": "globex.example" }, "lb.internal");
    expect(a).not.toBe(b);
    const normalised = { ...options, locale: (raw: string | undefined) => (raw === "de" ? "de" : null) };
    const key = (cookie: string) =>
      pageCacheKey({ method: "GET", host: "acme.example", url: "/", headers: { cookie } }, normalised);
    expect(key("portico-locale=xx1")).toBe(key("portico-locale=xx2"));
    expect(key("portico-locale=de")).not.toBe(key("portico-locale=xx1"));
  });

  it("never shares a signed-in, Server Component, action, query or private request (positive controls above)", () => {
    expect(get("/", { cookie: "portico-locale=de; __Secure-tenant.session-token=x" })).toBeNull();
    expect(get("/", { cookie: "anything=1" })).toBeNull();
    expect(get("/", { authorization: "Bearer x" })).toBeNull();
    expect(get("/", { rsc: "1" })).toBeNull();
    expect(get("/", { "next-action": "abc" })).toBeNull();
    expect(get("/", { "next-router-prefetch": "1" })).toBeNull();
    expect(get("/?_rsc=1")).toBeNull();
    expect(get("/?q=launch")).toBeNull();
    expect(get("/manage")).toBeNull();
    expect(get("/tickets/ABC")).toBeNull();
    expect(get("/events/launch/register")).toBeNull();
    expect(pageCacheKey({ method: "POST", host: "acme.example", url: "/", headers: {} }, options)).toBeNull();
  });

  it("reads cookies as browsers send them", () => {
    expect([...parseCookies("a=1; b = 2;c=x=y; =bad; d")]).toEqual([
      ["a", "1"],
      ["b", "2"],
      ["c", "x=y"],
    ]);
  });
});

describe("a stored page's nonce", () => {
  it("is replaced everywhere by a fresh one, in the body and in the policy", () => {
    const stored = generateNonce();
    const csp = contentSecurityPolicy(stored, { dev: false });
    const body = Buffer.from(`<script nonce="${stored}">1</script><link nonce="${stored}"><p>${"x".repeat(10)}</p>`);
    const fresh = generateNonce();
    const out = restampNonce({ body, csp }, fresh);
    expect(nonceOf(out.csp)).toBe(fresh);
    expect(out.body.toString()).not.toContain(stored);
    expect(out.body.toString().split(`nonce="${fresh}"`).length - 1).toBe(2);
    // Positive control: the page was otherwise left as it was.
    expect(out.body.toString().replaceAll(fresh, stored)).toBe(body.toString());
  });

  it("leaves a page without a nonce (an image, a calendar file) as it is", () => {
    const page = { body: Buffer.from([0, 1, 2]), csp: undefined };
    expect(restampNonce(page, generateNonce())).toBe(page);
  });
});

const page = (tenant: string, bytes: number): CachedPage => ({
  tenant,
  status: 200,
  headers: {},
  body: Buffer.alloc(bytes, 0x61),
  html: true,
});

describe("cutting a page around its nonce", () => {
  it("finds every occurrence, so pieces and a fresh nonce rebuild the page re-stamped", () => {
    const nonce = generateNonce();
    const csp = contentSecurityPolicy(nonce, { dev: false });
    const body = Buffer.from(`<script nonce="${nonce}">a</script><style nonce="${nonce}"></style>é`, "utf8");
    const cut = splitOnNonce(body, csp)!;
    expect(cut.parts).toHaveLength(3);
    const fresh = generateNonce();
    const rebuilt = Buffer.concat(cut.parts.flatMap((p, i) => (i ? [Buffer.from(fresh), p] : [p])));
    expect(rebuilt.equals(restampNonce({ body, csp }, fresh).body)).toBe(true);
    // Positive control: without a nonce in the policy there is nothing to cut.
    expect(splitOnNonce(body, "default-src 'self'")).toBeNull();
  });
});

describe("the store", () => {
  it("bounds each tenant to its share, evicting that tenant's own pages, not the neighbour's", () => {
    const cache = new PageCache({ maxBytes: 1_000, maxBytesPerTenant: 300, ttlMs: 60_000, staleMs: 0 });
    expect(cache.set("quiet|/", page("quiet", 100), cache.ticket())).toBe(true);
    for (let i = 0; i < 10; i++) cache.set(`flood|/events/e${i}`, page("flood", 100), cache.ticket());
    expect(cache.bytes("flood")).toBe(300);
    expect(cache.get("flood|/events/e0")).toBeUndefined();
    expect(cache.get("flood|/events/e9")).toBeDefined();
    // The neighbour's page survived the flood.
    expect(cache.get("quiet|/")).toBeDefined();
    expect(cache.bytes()).toBe(400);
  });

  it("drops a tenant's pages on a change, and does not store a render begun before it", () => {
    const cache = new PageCache({ maxBytes: 1_000, maxBytesPerTenant: 500, ttlMs: 60_000, staleMs: 0 });
    cache.set("a|/", page("a", 10), cache.ticket());
    cache.set("b|/", page("b", 10), cache.ticket());
    const before = cache.ticket();
    expect(cache.purge("a")).toBe(1);
    expect(cache.get("a|/")).toBeUndefined();
    expect(cache.get("b|/")).toBeDefined();
    expect(cache.set("a|/events/x", page("a", 10), before)).toBe(false);
    expect(cache.get("a|/events/x")).toBeUndefined();
    // Positive control: a render begun after the change is stored.
    expect(cache.set("a|/events/x", page("a", 10), cache.ticket())).toBe(true);
    // A purge of everything (the change feed reconnected) refuses every render begun before it.
    const beforeAll = cache.ticket();
    cache.purgeAll();
    expect(cache.bytes()).toBe(0);
    expect(cache.set("b|/", page("b", 10), beforeAll)).toBe(false);
    expect(cache.set("b|/", page("b", 10), cache.ticket())).toBe(true);
  });

  it("keeps a busy tenant's stored pages but stores none of the renders it had in flight", () => {
    const cache = new PageCache({ maxBytes: 1_000, maxBytesPerTenant: 500, ttlMs: 60_000, staleMs: 0 });
    cache.set("a|/", page("a", 10), cache.ticket());
    const before = cache.ticket();
    cache.skipRendersInFlight("a");
    // What was stored stays served: the tenant is busy, its content has not changed.
    expect(cache.get("a|/")).toBeDefined();
    // A render that met the busy pool (and shows a notice) is not stored…
    expect(cache.set("a|/events/x", page("a", 10), before)).toBe(false);
    // …while the neighbour's render begun at the same moment is (positive control),
    expect(cache.set("b|/", page("b", 10), before)).toBe(true);
    // and so is the tenant's own render begun afterwards.
    expect(cache.set("a|/events/x", page("a", 10), cache.ticket())).toBe(true);
  });

  it("serves a page for at most its time to live", () => {
    let now = 5_000;
    const cache = new PageCache({
      maxBytes: 1_000,
      maxBytesPerTenant: 500,
      ttlMs: 1_000,
      staleMs: 500,
      now: () => now,
    });
    cache.set("a|/", page("a", 10), cache.ticket());
    now += 900;
    expect(cache.lookup("a|/")?.fresh).toBe(true);
    // Past its time to live it is stale (served while one request renders it again)…
    now += 200;
    expect(cache.lookup("a|/")?.fresh).toBe(false);
    // …and past the stale window it is gone.
    now += 500;
    expect(cache.lookup("a|/")).toBeUndefined();
  });

  it("refuses a page bigger than a tenant's share, and nonsense limits", () => {
    const cache = new PageCache({ maxBytes: 100, maxBytesPerTenant: 50, ttlMs: 60_000, staleMs: 0 });
    expect(cache.set("a|/", page("a", 51), 0)).toBe(false);
    expect(() => new PageCache({ maxBytes: 10, maxBytesPerTenant: 20, ttlMs: 60_000, staleMs: 0 })).toThrow(
      /maxBytesPerTenant/,
    );
    expect(() => new PageCache({ maxBytes: 10, maxBytesPerTenant: 5, ttlMs: 0, staleMs: 0 })).toThrow(/ttlMs/);
  });

  it("keeps its per-tenant count right when the overall bound evicts", () => {
    const cache = new PageCache({ maxBytes: 200, maxBytesPerTenant: 200, ttlMs: 60_000, staleMs: 0 });
    cache.set("a|/", page("a", 150), 0);
    cache.set("b|/", page("b", 150), 0);
    expect(cache.get("a|/")).toBeUndefined();
    expect([cache.bytes("a"), cache.bytes("b"), cache.bytes()]).toEqual([0, 150, 150]);
  });
});
