/**
 * What scripts/next-server.ts does for tenants before Next.js renders anything (issue #20):
 *
 * - the page cache (decision 054): anonymous public pages answered from memory with a fresh CSP
 *   nonce, stored once rendered, keyed by host and tagged by tenant, dropped on every change the
 *   control plane's change feed announces (lib/tenancy/change-feed.ts);
 * - the fair share (decision 055): each tenant's plan rate limit (429) and concurrency with a
 *   short queue (503), for pages that are rendered; cached pages are not counted.
 *
 * proxy.ts names each tenant page's tenant and plan in TENANT_HEADER; this removes it before the
 * response leaves.
 */
import { randomBytes } from "node:crypto";
import type http from "node:http";
import { request as httpRequest } from "node:http";
import { PageCache, pageCacheKey, restampNonce, splitOnNonce, type CachedPage } from "../../lib/http/page-cache.ts";
import { generateNonce } from "../../lib/http/security-headers.ts";
import { TENANT_HEADER, parseTenantHeader } from "../../lib/http/tenant-header.ts";
import { TenantTraffic } from "../../lib/tenancy/tenant-traffic.ts";
import { registerLocalPageCache } from "../../lib/http/local-page-cache.ts";
import { LOCALE_COOKIE, asLocale } from "../../lib/format/locale.ts";
import { planTraffic } from "../../lib/tenancy/plans.ts";
import type { FrontFigures as MetricsFrontFigures } from "../../lib/observability/metrics.ts";
import { annotateLogContext, logContext } from "../../lib/observability/context.ts";
import {
  TENANT_CHANGED,
  TENANT_CONTENT_CHANGED,
  listenForTenantNotices,
  type Listener,
} from "../../lib/tenancy/change-feed.ts";

export interface FrontSettings {
  /** Bytes the page cache holds in all; 0 turns it off. */
  cacheBytes: number;
  /** Longest a page is served from the cache. */
  cacheTtlMs: number;
  /** Whether tenants get their plan's fair share (off: every request is rendered at once). */
  fairShare: boolean;
  /** PORTICO_PLAN_RATE_LIMITS, already read. */
  planRateLimits: string | undefined;
  /** Whether Next.js renders on a thread of its own (decisions 063, 064): production only. */
  appThread: boolean;
}

function wholeNumber(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}: must be a whole number ≥ 0 (got "${raw}")`);
  return value;
}

/** The front's settings from the environment; throws a message naming the variable to fix. */
export function frontSettings(env: Record<string, string | undefined>, options: { dev: boolean }): FrontSettings {
  const fairShare = env.PORTICO_FAIR_SHARE ?? "on";
  if (fairShare !== "on" && fairShare !== "off")
    throw new Error(`PORTICO_FAIR_SHARE: must be "on" or "off" (got "${fairShare}")`);
  // Opt-in until a full CI run with it on is clean (decision 063).
  const appThread = env.PORTICO_APP_THREAD || "0";
  if (appThread !== "1" && appThread !== "0")
    throw new Error(`PORTICO_APP_THREAD: must be 1 (renders on a thread of their own) or 0 (got "${appThread}")`);
  const settings = {
    // Off by default under `npm run dev`: an edited component shows at once, not after the TTL.
    cacheBytes: wholeNumber(env, "PORTICO_PAGE_CACHE_MB", options.dev ? 0 : 64) * 1024 * 1024,
    cacheTtlMs: wholeNumber(env, "PORTICO_PAGE_CACHE_SECONDS", 60) * 1000,
    fairShare: fairShare === "on",
    planRateLimits: env.PORTICO_PLAN_RATE_LIMITS,
    // `npm run dev` keeps Next.js on the server's thread: its hot reload takes WebSocket upgrades there.
    appThread: !options.dev && appThread === "1",
  };
  planTraffic(settings.planRateLimits);
  if (settings.cacheBytes > 0 && settings.cacheTtlMs === 0)
    throw new Error("PORTICO_PAGE_CACHE_SECONDS: must be at least 1 while the page cache is on");
  return settings;
}

/** Paths never cached nor counted: Next's static files, and what the server answers itself. */
const UNCOUNTED = /^\/(_next\/static\/|_next\/image|brand\/|favicon\.ico$|readyz$|metrics$|healthz$)/;

/** How long a refusal (429, 503) waits before it is sent. */
const REFUSAL_PAUSE_MS = 500;

/** Marks this process's own background refresh of a stale page (with its random token). */
const REFRESH_HEADER = "x-portico-refresh";

/**
 * Background refreshes of stale pages on their way at once, per process. A stale page is still
 * served, so its refresh may wait: pages filled together (a start, a lost change feed, a wave of
 * visitors) go stale together, and refreshing them all at once would open a connection to each
 * of their tenants' databases in the same moment (decision 062).
 */
export const REFRESHES_AT_ONCE = 4;

/** Longest a request waits for another request's render of the same page before rendering it itself. */
const FILL_WAIT_MS = 10_000;

/** Response headers not kept with a stored page (each response gets its own). */
const UNSTORED = new Set(["x-request-id", "date", "connection", "keep-alive", "transfer-encoding", "content-length"]);

/** What the front counts of its page cache (lib/observability/metrics.ts says what each is). */
export type FrontFigures = Omit<MetricsFrontFigures["cache"], "bytes">;

export class TenantFront {
  readonly cache: PageCache | null;
  readonly traffic: TenantTraffic | null;
  readonly figures: FrontFigures = {
    hits: 0,
    coalesced: 0,
    refreshes: 0,
    refreshesDeferred: 0,
    misses: 0,
    stored: 0,
    purges: 0,
    outages: 0,
  };
  private listener: Listener | null = null;
  private self: { host: string; port: number } | null = null;
  private readonly refreshToken = randomBytes(18).toString("base64url");
  /** Stale pages whose background refresh is on its way. */
  private readonly refreshing = new Set<string>();
  /** Pages being rendered to be stored, by key: requests for the same page wait for them. */
  private readonly filling = new Map<string, Promise<CachedPage | undefined>>();

  constructor(settings: FrontSettings) {
    this.cache =
      settings.cacheBytes > 0
        ? new PageCache({
            maxBytes: settings.cacheBytes,
            // One tenant may hold an eighth: a flood of one portal's pages cannot evict the others'.
            maxBytesPerTenant: Math.max(1, Math.floor(settings.cacheBytes / 8)),
            ttlMs: settings.cacheTtlMs,
            staleMs: settings.cacheTtlMs,
          })
        : null;
    this.traffic = settings.fairShare ? new TenantTraffic(planTraffic(settings.planRateLimits)) : null;
    if (this.cache) {
      const cache = this.cache;
      registerLocalPageCache({
        // A database outage keeps the tenant's stored pages (stale-if-error): dropping them would
        // send every visitor to render against a server that is failing or overloaded.
        tenantDown: (tenantId) => {
          cache.skipRendersInFlight(tenantId);
          this.figures.outages++;
        },
        skipRendersInFlight: (tenantId) => cache.skipRendersInFlight(tenantId),
      });
    }
  }

  /**
   * Follows the control plane's change feed: a tenant's pages are dropped when it or its content
   * changes; after a lost connection everything is, since notices may have been missed. Without
   * a control plane (no DATABASE_URL) pages live for their TTL only.
   */
  listen(controlUrl: string | undefined): void {
    if (!this.cache || !controlUrl) return;
    this.listener = listenForTenantNotices(
      controlUrl,
      [TENANT_CHANGED, TENANT_CONTENT_CHANGED],
      (channel, tenantId) => {
        this.purge(tenantId);
        if (channel === TENANT_CHANGED) this.traffic?.forget(tenantId);
      },
      () => {
        this.cache?.purgeAll();
        this.figures.purges++;
      },
    );
  }

  async close(): Promise<void> {
    await this.listener?.close();
  }

  /** What /metrics reports of the page cache and the fair share. */
  metrics(): MetricsFrontFigures {
    return {
      cache: { ...this.figures, bytes: this.cache?.bytes() ?? 0 },
      refusals: { ...(this.traffic?.refusals ?? { "rate-limited": 0, "queue-full": 0, "waited-too-long": 0 }) },
    };
  }

  /** Where this server listens, for its own background refreshes (set once it listens). */
  listening(address: { host: string; port: number }): void {
    this.self = address;
  }

  /**
   * Renders a stale page again without any visitor waiting: a request to this server itself, as
   * an anonymous visitor of `host` would send it, marked with this process's refresh token so
   * it is rendered (and counted in its tenant's fair share) rather than answered from the cache.
   */
  private refreshInBackground(key: string, req: http.IncomingMessage, host: string): void {
    if (!this.self || this.refreshing.has(key) || this.filling.has(key)) return;
    // The next visitor of this page asks again; it is served stale meanwhile.
    if (this.refreshing.size >= REFRESHES_AT_ONCE) {
      this.figures.refreshesDeferred++;
      return;
    }
    this.refreshing.add(key);
    this.figures.refreshes++;
    const headers: http.OutgoingHttpHeaders = { host: req.headers.host ?? host, [REFRESH_HEADER]: this.refreshToken };
    for (const name of ["cookie", "x-forwarded-host", "x-forwarded-proto"] as const)
      if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const done = () => this.refreshing.delete(key);
    const request = httpRequest(
      { host: this.self.host, port: this.self.port, method: "GET", path: req.url ?? "/", headers },
      (response) => {
        response.resume();
        response.once("end", done);
        response.once("error", done);
      },
    );
    request.once("error", done);
    request.setTimeout(FILL_WAIT_MS, () => request.destroy());
    request.end();
  }

  /**
   * Makes this request the one rendering `key` (null if another already is): its result is what
   * the waiting requests get, within FILL_WAIT_MS. Call the function with the stored page, or
   * undefined when nothing was stored; later calls do nothing.
   */
  private fillFor(key: string): ((page: CachedPage | undefined) => void) | null {
    if (this.filling.has(key)) return null;
    let settle!: (page: CachedPage | undefined) => void;
    const promise = new Promise<CachedPage | undefined>((resolve) => (settle = resolve));
    const timer = setTimeout(() => done(undefined), FILL_WAIT_MS);
    const done = (page: CachedPage | undefined) => {
      if (this.filling.get(key) !== promise) return;
      clearTimeout(timer);
      this.filling.delete(key);
      settle(page);
    };
    this.filling.set(key, promise);
    return done;
  }

  purge(tenantId: string): void {
    this.cache?.purge(tenantId);
    this.figures.purges++;
  }

  /**
   * Answers `req` from the cache, refuses it for its tenant, or lets it through to `render`
   * (storing what it renders when it may be shared). `host` is the Host header, normalised.
   */
  async serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    host: string,
    path: string,
    render: () => Promise<void>,
  ): Promise<void> {
    if (UNCOUNTED.test(path)) return render();
    const key = this.cache
      ? pageCacheKey(
          { method: req.method ?? "GET", host, url: req.url ?? "/", headers: req.headers },
          { localeCookie: LOCALE_COOKIE, https: req.headers["x-forwarded-proto"] === "https", locale: asLocale },
        )
      : null;
    if (this.cache && key) {
      const refresh = req.headers[REFRESH_HEADER] === this.refreshToken;
      delete req.headers[REFRESH_HEADER];
      const found = refresh ? undefined : this.cache.lookup(key);
      // Fresh, or stale while it is rendered again in the background (stale-while-revalidate).
      if (found) {
        this.figures.hits++;
        if (!found.fresh) this.refreshInBackground(key, req, host);
        return serveCached(found.page, req, res);
      }
      // Not stored, but being rendered: wait for that render rather than render it again (a
      // spike right after a change renders each page once, not once per visitor).
      const pending = refresh ? undefined : this.filling.get(key);
      if (pending) {
        const page = await pending;
        if (page && !res.destroyed) {
          this.figures.coalesced++;
          return serveCached(page, req, res);
        }
      }
      this.figures.misses++;
    }
    if (this.traffic) {
      const gone = new AbortController();
      const onClose = () => gone.abort();
      res.once("close", onClose);
      const entry = await this.traffic.enter(host, gone.signal);
      res.off("close", onClose);
      if (!entry.admitted) {
        // Answered after a pause: a client sending back to back at a full portal would otherwise
        // turn cheap refusals into the new flood, for every tenant.
        await new Promise((resolve) => setTimeout(resolve, REFUSAL_PAUSE_MS));
        if (res.destroyed) return;
        res.writeHead(entry.status, {
          "content-type": "text/plain; charset=utf-8",
          "cache-control": "no-store",
          "retry-after": String(entry.retryAfterSeconds),
        });
        res.end(
          entry.status === 429
            ? `Too many requests for this portal; try again in ${entry.retryAfterSeconds} s.\n`
            : `This portal is busy; try again in ${entry.retryAfterSeconds} s.\n`,
        );
        return;
      }
      res.once("close", entry.release);
    }
    const ticket = this.cache?.ticket() ?? 0;
    let tenant: { id: string; plan: string } | null = null;
    // Learn (and remove) the tenant header the moment Next.js sends the head.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      tenant = takeTenantHeader(res, args);
      if (tenant) this.traffic?.learn(host, tenant);
      return writeHead(...args);
    }) as typeof res.writeHead;
    if (this.cache && key && req.method === "GET") {
      const cache = this.cache;
      const filled = this.fillFor(key);
      // Stored uncompressed: a compressed body cannot be re-stamped with a fresh nonce.
      delete req.headers["accept-encoding"];
      collectBody(res, (headers, body) => {
        let page: CachedPage | undefined;
        if (tenant && res.statusCode === 200 && !headers["set-cookie"] && !headers["content-encoding"]) {
          const html = (headers["content-type"] ?? "").startsWith("text/html");
          // Each response of an HTML page has its own nonce, so no two bodies are the same.
          if (html) delete headers.etag;
          const cut = html ? splitOnNonce(body, headers["content-security-policy"]) : null;
          const slug = logContext()?.tenant;
          const logged = slug ? { realm: "tenant" as const, tenant: slug } : { realm: "tenant" as const };
          page = { tenant: tenant.id, logged, status: 200, headers, body, html, cut };
          if (cache.set(key, page, ticket)) this.figures.stored++;
          else page = undefined;
        }
        filled?.(page);
      });
      res.once("close", () => filled?.(undefined));
    }
    await render();
  }
}

/** Reads the tenant header from the head about to be sent (set or passed), and removes it. */
function takeTenantHeader(res: http.ServerResponse, args: unknown[]): { id: string; plan: string } | null {
  const value = res.getHeader(TENANT_HEADER);
  res.removeHeader(TENANT_HEADER);
  let passed: unknown;
  for (const arg of args) {
    if (arg && typeof arg === "object" && !Array.isArray(arg)) {
      const headers = arg as Record<string, unknown>;
      for (const name of Object.keys(headers))
        if (name.toLowerCase() === TENANT_HEADER) {
          passed = headers[name];
          delete headers[name];
        }
    }
  }
  return parseTenantHeader(passed ?? value);
}

function serveCached(page: CachedPage, req: http.IncomingMessage, res: http.ServerResponse): void {
  // A tenant's page, whose request line and route group say so as the render's did.
  annotateLogContext(page.logged ?? { realm: "tenant" });
  for (const [name, value] of Object.entries(page.headers)) res.setHeader(name, value);
  res.setHeader("x-portico-cache", "hit");
  if (page.html && page.cut) {
    // The stored pieces with a fresh nonce between them, in the CSP header too.
    const { nonce, parts } = page.cut;
    const fresh = Buffer.from(generateNonce(), "utf8");
    const csp = page.headers["content-security-policy"]!;
    res.setHeader("content-security-policy", csp.split(nonce).join(fresh.toString("utf8")));
    const length = parts.reduce((n, p) => n + p.length, 0) + (parts.length - 1) * fresh.length;
    res.setHeader("content-length", String(length));
    res.writeHead(page.status);
    if (req.method === "HEAD") return void res.end();
    res.cork();
    parts.forEach((part, i) => {
      if (i > 0) res.write(fresh);
      res.write(part);
    });
    res.end();
    return;
  }
  const out = page.html
    ? restampNonce({ body: page.body, csp: page.headers["content-security-policy"] }, generateNonce())
    : { body: page.body, csp: page.headers["content-security-policy"] };
  if (out.csp) res.setHeader("content-security-policy", out.csp);
  res.setHeader("content-length", String(out.body.length));
  res.writeHead(page.status);
  res.end(req.method === "HEAD" ? undefined : out.body);
}

/** Collects what is written to `res`; hands it over with the head once the response finished whole. */
function collectBody(res: http.ServerResponse, done: (headers: Record<string, string>, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
  const keep = (chunk: unknown, encoding?: unknown) => {
    if (chunk === undefined || chunk === null || typeof chunk === "function") return;
    chunks.push(
      Buffer.isBuffer(chunk)
        ? chunk
        : typeof chunk === "string"
          ? Buffer.from(chunk, (typeof encoding === "string" ? encoding : "utf8") as BufferEncoding)
          : Buffer.from(chunk as Uint8Array),
    );
  };
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as typeof res.write;
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as typeof res.end;
  res.once("finish", () => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.getHeaders())) {
      if (UNSTORED.has(name) || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
    }
    done(headers, Buffer.concat(chunks));
  });
}
