import { describe, expect, it, vi } from "vitest";
import { FALLBACK_THEME } from "./theme.ts";
import { TenantResolver, resolverKey, type ResolvedTenant, type ResolverKey } from "./resolver.ts";

const tenant = (id: string, slug: string): ResolvedTenant => ({
  id,
  slug,
  name: slug.toUpperCase(),
  status: "active",
  plan: "standard",
  theme: FALLBACK_THEME,
  primaryHost: `${slug}.localhost`,
  maintenance: null,
});
const directory: Record<string, ResolvedTenant> = {
  "slug:acme": tenant("1", "acme"),
  "slug:globex": tenant("2", "globex"),
  "host:portal.globex.localhost": tenant("2", "globex"),
};
const keyOf = (k: ResolverKey) => (k.by === "slug" ? `slug:${k.slug}` : `host:${k.hostname}`);

function setup(ttl = 60_000) {
  const lookup = vi.fn(async (key: ResolverKey) => directory[keyOf(key)] ?? null);
  return { lookup, resolver: new TenantResolver(lookup, ttl, 1_000) };
}

describe("TenantResolver", () => {
  it("resolves each host to its own tenant (positive and negative control)", async () => {
    const { resolver } = setup();
    expect((await resolver.resolve({ by: "slug", slug: "acme" }))?.id).toBe("1");
    expect((await resolver.resolve({ by: "slug", slug: "globex" }))?.id).toBe("2");
    expect((await resolver.resolve({ by: "hostname", hostname: "portal.globex.localhost" }))?.id).toBe("2");
    expect(await resolver.resolve({ by: "slug", slug: "nobody" })).toBeNull();
  });

  it("caches hits and misses, and looks up once for concurrent requests", async () => {
    const { resolver, lookup } = setup();
    await Promise.all(Array.from({ length: 20 }, () => resolver.resolve({ by: "slug", slug: "acme" })));
    await resolver.resolve({ by: "slug", slug: "acme" });
    await resolver.resolve({ by: "slug", slug: "nobody" });
    await resolver.resolve({ by: "slug", slug: "nobody" });
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it("expires entries after the TTL", async () => {
    vi.useFakeTimers();
    try {
      const { resolver, lookup } = setup(1_000);
      await resolver.resolve({ by: "slug", slug: "acme" });
      vi.advanceTimersByTime(1_001);
      await resolver.resolve({ by: "slug", slug: "acme" });
      expect(lookup).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("invalidate drops every entry of that tenant and no other", async () => {
    const { resolver, lookup } = setup();
    await resolver.resolve({ by: "slug", slug: "globex" });
    await resolver.resolve({ by: "hostname", hostname: "portal.globex.localhost" });
    await resolver.resolve({ by: "slug", slug: "acme" });
    resolver.invalidate("2");
    expect(resolver.stats().entries).toBe(1);
    await resolver.resolve({ by: "slug", slug: "globex" });
    await resolver.resolve({ by: "slug", slug: "acme" });
    expect(lookup).toHaveBeenCalledTimes(4);
  });

  it("keeps serving a known tenant when the control plane fails, and reports new ones", async () => {
    vi.useFakeTimers();
    try {
      const { resolver, lookup } = setup(1_000);
      await resolver.resolve({ by: "slug", slug: "acme" });
      vi.advanceTimersByTime(2_000);
      lookup.mockRejectedValue(new Error("control plane down"));
      expect((await resolver.resolve({ by: "slug", slug: "acme" }))?.id).toBe("1");
      // For a short while the stale answer is served without asking the failing control plane again.
      const calls = lookup.mock.calls.length;
      expect((await resolver.resolve({ by: "slug", slug: "acme" }))?.id).toBe("1");
      expect(lookup.mock.calls.length).toBe(calls);
      vi.advanceTimersByTime(1_500);
      expect((await resolver.resolve({ by: "slug", slug: "acme" }))?.id).toBe("1");
      expect(lookup.mock.calls.length).toBe(calls + 1);
      await expect(resolver.resolve({ by: "slug", slug: "globex" })).rejects.toThrow("control plane down");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("resolverKey", () => {
  it("maps host classes to lookups and refuses the rest", () => {
    expect(resolverKey({ kind: "subdomain", hostname: "acme.localhost", slug: "acme" })).toEqual({
      by: "slug",
      slug: "acme",
    });
    expect(resolverKey({ kind: "custom", hostname: "x.example" })).toEqual({ by: "hostname", hostname: "x.example" });
    expect(resolverKey({ kind: "agency", hostname: "admin.localhost" })).toBeNull();
    expect(resolverKey({ kind: "none", reason: "malformed host" })).toBeNull();
  });
});

describe("TenantResolver.invalidate and cached misses", () => {
  it("drops cached misses too: an unknown host may belong to the changed tenant now", async () => {
    const { resolver, lookup } = setup();
    expect(await resolver.resolve({ by: "hostname", hostname: "new.example" })).toBeNull();
    directory["host:new.example"] = tenant("1", "acme");
    try {
      expect(await resolver.resolve({ by: "hostname", hostname: "new.example" })).toBeNull(); // still cached
      resolver.invalidate("1");
      expect((await resolver.resolve({ by: "hostname", hostname: "new.example" }))?.id).toBe("1");
      expect(lookup).toHaveBeenCalledTimes(2);
    } finally {
      delete directory["host:new.example"];
    }
  });
});

describe("TenantResolver eviction", () => {
  it("evicts the least recently used entry when full, and keeps a recently used one", async () => {
    const lookup = vi.fn(async (key: ResolverKey) => directory[keyOf(key)] ?? null);
    const resolver = new TenantResolver(lookup, 60_000, 1_000, 2);
    await resolver.resolve({ by: "slug", slug: "acme" });
    await resolver.resolve({ by: "slug", slug: "globex" });
    await resolver.resolve({ by: "slug", slug: "acme" }); // acme is now the most recently used
    await resolver.resolve({ by: "slug", slug: "nobody" }); // full: globex goes
    expect(resolver.stats().entries).toBe(2);
    expect(lookup).toHaveBeenCalledTimes(3);
    expect((await resolver.resolve({ by: "slug", slug: "acme" }))?.id).toBe("1");
    expect(lookup).toHaveBeenCalledTimes(3); // still cached
    expect((await resolver.resolve({ by: "slug", slug: "globex" }))?.id).toBe("2");
    expect(lookup).toHaveBeenCalledTimes(4); // evicted, looked up again
  });
});
