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
export function pageCacheKey(req: CacheableRequest, options: { localeCookie: string; https: boolean }): string | null {
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
  const locale = cookies.get(options.localeCookie) ?? "";
  return `${options.https ? "https" : "http"}|${host}|${path}|${locale}`;
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

export interface CachedPage {
  tenant: string;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Whether the body is HTML carrying the CSP nonce (re-stamped per response). */
  html: boolean;
}

export interface PageCacheLimits {
  /** Bytes of bodies held in all. */
  maxBytes: number;
  /** Bytes of bodies one tenant may hold; its oldest pages go first beyond it. */
  maxBytesPerTenant: number;
}

/**
 * Stored pages, bounded in bytes overall (least recently used first) and per tenant (that
 * tenant's least recently used first). Every change to a tenant's content bumps its generation
 * and drops its pages; a render that started before the change is not stored (`generation`).
 */
export class PageCache {
  private readonly pages: LRUCache<string, CachedPage>;
  private readonly tenantBytes = new Map<string, number>();
  private readonly tenantKeys = new Map<string, Set<string>>();
  private readonly generations = new Map<string, number>();

  constructor(private readonly limits: PageCacheLimits) {
    if (!(limits.maxBytesPerTenant > 0 && limits.maxBytes >= limits.maxBytesPerTenant))
      throw new Error("page cache: need 0 < maxBytesPerTenant ≤ maxBytes");
    this.pages = new LRUCache<string, CachedPage>({
      maxSize: limits.maxBytes,
      sizeCalculation: (page) => Math.max(1, page.body.length),
      dispose: (page, key) => this.forget(page, key),
    });
  }

  get(key: string): CachedPage | undefined {
    return this.pages.get(key);
  }

  /** The tenant's generation now: pass it back to `set` when the render is done. */
  generation(tenant: string): number {
    return this.generations.get(tenant) ?? 0;
  }

  /** Stores a page rendered since `generation`; false (not stored) if the tenant changed since or it is too big. */
  set(key: string, page: CachedPage, generation: number): boolean {
    if (generation !== this.generation(page.tenant)) return false;
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

  /** Drops every page of `tenant` and moves its generation on, so renders in flight are not stored. */
  purge(tenant: string): number {
    this.generations.set(tenant, this.generation(tenant) + 1);
    const keys = [...(this.tenantKeys.get(tenant) ?? [])];
    for (const key of keys) this.pages.delete(key);
    return keys.length;
  }

  /** Drops everything (e.g. after the change feed reconnected: changes may have been missed). */
  purgeAll(): void {
    for (const tenant of new Set([...this.tenantKeys.keys(), ...this.generations.keys()])) this.purge(tenant);
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
