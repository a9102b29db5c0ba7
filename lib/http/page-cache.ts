import { LRUCache } from "lru-cache";

/**
 * The anonymous page cache of the web process (issue #20), pure so it can be table-tested: which
 * requests may be answered from it, what they are keyed by, how a stored page gets a fresh CSP
 * nonce for every response, and a store bounded in bytes overall and per tenant, so one tenant
 * cannot take the whole cache, purged per tenant when its content changes.
 *
 * Only pages that are the same for every anonymous visitor are cached: GET or HEAD, on the
 * allow-listed public paths, with no cookie but the locale's (a session cookie means a signed-in
 * page, never shared), and no React Server Components or Server Action request.
 */

export interface CacheableRequest {
  method: string;
  host: string;
  /** Path and query as received (`/events/launch?x=1`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
}

/** Public paths whose anonymous page is the same for every visitor of a tenant. */
const PUBLIC_PATHS: RegExp[] = [
  /^\/$/,
  /^\/events\/[a-z0-9-]{1,80}$/,
  /^\/events\/[a-z0-9-]{1,80}\/calendar\.ics$/,
  /^\/logo\/[A-Za-z0-9._-]{1,120}$/,
  /^\/cover\/[A-Za-z0-9._-]{1,120}$/,
];

/** Request headers that make Next.js answer something else than the page (RSC, actions). */
const NOT_A_PAGE = [
  "rsc",
  "next-action",
  "next-router-state-tree",
  "next-router-prefetch",
  "next-router-segment-prefetch",
];

function header(headers: CacheableRequest["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

/** The cookies of a Cookie header, by name (the last of a repeated name wins, as browsers send). */
export function parseCookies(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (raw ?? "").split(";")) {
    const at = part.indexOf("=");
    const name = at < 0 ? "" : part.slice(0, at).trim();
    if (!name) continue;
    out.set(name, part.slice(at + 1).trim());
  }
  return out;
}

/**
 * The cache key of an anonymous public page request, or null when it must be rendered for this
 * request alone. `localeCookie` is the one cookie a public page depends on (its language);
 * `https` says how the request arrived (HSTS and absolute URLs differ).
 */
export function pageCacheKey(
  req: CacheableRequest,
  options: { localeCookie: string; https: boolean; locale?: (cookie: string | undefined) => string | null },
): string | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  if (NOT_A_PAGE.some((name) => header(req.headers, name) !== undefined)) return null;
  if (header(req.headers, "authorization") !== undefined) return null;
  const cookies = parseCookies(header(req.headers, "cookie"));
  for (const name of cookies.keys()) if (name !== options.localeCookie) return null;
  const query = req.url.indexOf("?");
  const path = query < 0 ? req.url : req.url.slice(0, query);
  // A query string (search, _rsc, tracking) is rendered per request: keys stay few and exact.
  if (query >= 0 && query < req.url.length - 1) return null;
  if (!PUBLIC_PATHS.some((p) => p.test(path))) return null;
  const host = req.host.trim().toLowerCase().replace(/\.$/, "");
  // The tenant is chosen by X-Forwarded-Host behind a trusted proxy (PORTICO_TRUST_FORWARDED_HOST),
  // by Host otherwise: the key holds both, so neither can make one tenant's page another's.
  const forwarded = (header(req.headers, "x-forwarded-host") ?? "").trim().toLowerCase();
  // An unknown language is the portal's default, one key, however many values are invented.
  const raw = cookies.get(options.localeCookie);
  const locale = options.locale ? (options.locale(raw) ?? "") : (raw ?? "");
  return `${options.https ? "https" : "http"}|${host}|${forwarded}|${path}|${locale}`;
}

/** The nonce of a Content-Security-Policy header (`'nonce-…'` in script-src), if any. */
export function nonceOf(csp: string | undefined): string | null {
  const match = /'nonce-([A-Za-z0-9+/=_-]{16,64})'/.exec(csp ?? "");
  return match?.[1] ?? null;
}

/**
 * A stored page with `fresh` in place of the nonce it was rendered with, in its body and its CSP
 * header. The stored nonce was 128 random bits made for that one render, after nothing a visitor
 * sent could contain it, so each occurrence is the nonce itself.
 */
export function restampNonce(
  page: { body: Buffer; csp: string | undefined },
  fresh: string,
): { body: Buffer; csp: string | undefined } {
  const old = nonceOf(page.csp);
  if (!old) return page;
  const body = page.body.toString("utf8").split(old).join(fresh);
  return { body: Buffer.from(body, "utf8"), csp: page.csp!.split(old).join(fresh) };
}

/**
 * A stored page's body cut around its nonce, so each response writes the pieces with a fresh
 * nonce between them: no decoding, no copy of the page per response. Null when the page has no
 * nonce to replace (the CSP header names none).
 */
export function splitOnNonce(body: Buffer, csp: string | undefined): { nonce: string; parts: Buffer[] } | null {
  const nonce = nonceOf(csp);
  if (!nonce) return null;
  const needle = Buffer.from(nonce, "utf8");
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = body.indexOf(needle, from); at >= 0; at = body.indexOf(needle, from)) {
    parts.push(body.subarray(from, at));
    from = at + needle.length;
  }
  parts.push(body.subarray(from));
  return { nonce, parts };
}

export interface CachedPage {
  tenant: string;
  /** What the render's log lines said of the request (realm, tenant slug), for those of the hits. */
  logged?: { realm: "tenant"; tenant?: string };
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the body is HTML carrying the CSP nonce (re-stamped per response). */
  html: boolean;
  /** The body cut around its nonce (splitOnNonce), for HTML. */
  cut?: { nonce: string; parts: Buffer[] } | null;
}

/** A stored page, and whether it is younger than the time to live. */
export interface Lookup {
  page: CachedPage;
  fresh: boolean;
}

export interface PageCacheLimits {
  /** Bytes of bodies held in all. */
  maxBytes: number;
  /** Bytes of bodies one tenant may hold; its oldest pages go first beyond it. */
  maxBytesPerTenant: number;
  /**
   * How long a page is fresh (what `cacheLife` would call revalidate): content that changes with
   * time alone (an event starting, registration closing) is re-rendered after this.
   */
  ttlMs: number;
  /**
   * How long past `ttlMs` a page may still be served while one request renders it again
   * (stale-while-revalidate); after that it is gone. Never after a change: a change drops pages.
   */
  staleMs: number;
  /** The clock the time to live is counted on (tests); the monotonic clock otherwise. */
  now?: () => number;
}

/**
 * Stored pages, bounded in bytes overall (least recently used first) and per tenant (that
 * tenant's least recently used first), each for at most `ttlMs`. Every change to a tenant's
 * content drops its pages; a render that started before the change is not stored: `ticket()`
 * when the render starts, handed back to `set` when it is done.
 */
export class PageCache {
  private readonly pages: LRUCache<string, CachedPage>;
  private readonly tenantBytes = new Map<string, number>();
  private readonly tenantKeys = new Map<string, Set<string>>();
  /** A counter moved on by every purge; what it read when each tenant was last purged. */
  private clock = 0;
  private readonly purgedAt = new Map<string, number>();
  private allPurgedAt = 0;

  constructor(private readonly limits: PageCacheLimits) {
    if (!(limits.maxBytesPerTenant > 0 && limits.maxBytes >= limits.maxBytesPerTenant))
      throw new Error("page cache: need 0 < maxBytesPerTenant ≤ maxBytes");
    if (!(limits.ttlMs > 0 && limits.staleMs >= 0)) throw new Error("page cache: need ttlMs > 0 and staleMs ≥ 0");
    this.pages = new LRUCache<string, CachedPage>({
      maxSize: limits.maxBytes,
      ttl: limits.ttlMs + limits.staleMs,
      ttlAutopurge: false,
      ...(limits.now ? { perf: { now: limits.now }, ttlResolution: 0 } : {}),
      sizeCalculation: (page) => Math.max(1, page.body.length),
      dispose: (page, key) => this.forget(page, key),
    });
  }

  get(key: string): CachedPage | undefined {
    return this.pages.get(key);
  }

  /** The page stored under `key` and whether it is still fresh (else it may be served while re-rendered). */
  lookup(key: string): Lookup | undefined {
    const page = this.pages.get(key);
    if (!page) return undefined;
    const remaining = this.pages.getRemainingTTL(key);
    return { page, fresh: remaining > this.limits.staleMs };
  }

  /** Take one when a render starts; pass it to `set` when it is done. */
  ticket(): number {
    return this.clock;
  }

  /**
   * Stores a page whose render began at `ticket`; false (not stored) if its tenant's content
   * changed since (the page may show the old content) or the page is too big for one tenant.
   */
  set(key: string, page: CachedPage, ticket: number): boolean {
    if (this.allPurgedAt > ticket || (this.purgedAt.get(page.tenant) ?? 0) > ticket) return false;
    if (page.body.length > this.limits.maxBytesPerTenant) return false;
    this.pages.delete(key);
    this.makeRoomFor(page.tenant, page.body.length);
    this.pages.set(key, page);
    this.tenantBytes.set(page.tenant, (this.tenantBytes.get(page.tenant) ?? 0) + page.body.length);
    let keys = this.tenantKeys.get(page.tenant);
    if (!keys) this.tenantKeys.set(page.tenant, (keys = new Set()));
    keys.add(key);
    return true;
  }

  /** Drops every page of `tenant`; renders of it in flight now will not be stored. */
  purge(tenant: string): number {
    this.skipRendersInFlight(tenant);
    const keys = [...(this.tenantKeys.get(tenant) ?? [])];
    for (const key of keys) this.pages.delete(key);
    return keys.length;
  }

  /** Renders of `tenant` in flight now will not be stored; its stored pages stay. */
  skipRendersInFlight(tenant: string): void {
    this.purgedAt.set(tenant, ++this.clock);
  }

  /** Drops everything (e.g. after the change feed reconnected: changes may have been missed). */
  purgeAll(): void {
    this.allPurgedAt = ++this.clock;
    this.purgedAt.clear();
    this.pages.clear();
  }

  /** Pages held (for the metrics). */
  get size(): number {
    return this.pages.size;
  }

  /** Bytes held for `tenant` (and in all). */
  bytes(tenant?: string): number {
    return tenant === undefined ? this.pages.calculatedSize : (this.tenantBytes.get(tenant) ?? 0);
  }

  private makeRoomFor(tenant: string, size: number): void {
    const keys = this.tenantKeys.get(tenant);
    if (!keys) return;
    // The set keeps insertion order; the least recently stored of this tenant goes first.
    for (const key of keys) {
      if ((this.tenantBytes.get(tenant) ?? 0) + size <= this.limits.maxBytesPerTenant) return;
      this.pages.delete(key);
    }
  }

  private forget(page: CachedPage, key: string): void {
    const left = (this.tenantBytes.get(page.tenant) ?? 0) - page.body.length;
    if (left > 0) this.tenantBytes.set(page.tenant, left);
    else this.tenantBytes.delete(page.tenant);
    const keys = this.tenantKeys.get(page.tenant);
    keys?.delete(key);
    if (keys?.size === 0) this.tenantKeys.delete(page.tenant);
  }
}
