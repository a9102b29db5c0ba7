import { mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzipSync, gzipSync } from "node:zlib";
import { InvalidInput } from "../../lib/util/errors.ts";
import { ARCHIVE_FORMAT, exportTenant, importTenant, type Manifest } from "../../lib/lifecycle/archive.server.ts";
import { provisionTenant } from "../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../lib/provisioning/spec.ts";
import { tenantDatabaseName, tenantRoleName } from "../../lib/tenancy/slug.ts";
import { FALLBACK_THEME } from "../../lib/tenancy/theme.ts";
import { testControlPlane, withAdmin, type TestControlPlane } from "../support/databases.ts";
import { tarHeader } from "../support/tar.ts";

/**
 * `tenants import` against gzip bombs built here: a file of about a megabyte that inflates to a
 * gigabyte. Refused from the tar headers, before the bytes are written; nothing is left behind
 * (no tenant row, database or role); a real export still imports (positive control).
 */
let cp: TestControlPlane;
let dir: string;
const MiB = 1024 ** 2;
const zerosMiB = gzipSync(Buffer.alloc(MiB));
const pad = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);

beforeAll(async () => {
  cp = await testControlPlane();
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-import-limits-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await cp?.cleanup();
});

function manifestFor(tables: Manifest["tables"]): Buffer {
  const manifest: Manifest = {
    format: ARCHIVE_FORMAT,
    version: 1,
    exportedAt: new Date().toISOString(),
    exportedBy: "test",
    tenant: { slug: "bomb", name: "Bomb", plan: "standard", theme: FALLBACK_THEME, domains: [] },
    schemaVersion: null,
    tables,
    logo: null,
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** manifest.json, then one entry header declaring `declared` bytes, then `mib` MiB of zeros. */
async function bomb(
  name: string,
  tables: Manifest["tables"],
  entry: { file: string; declared: number },
  mib: number,
): Promise<string> {
  const manifest = manifestFor(tables);
  const prefix = Buffer.concat([
    await tarHeader("manifest.json", manifest.length),
    manifest,
    pad(manifest.length),
    await tarHeader(entry.file, entry.declared),
  ]);
  const file = path.join(dir, name);
  await writeFile(file, Buffer.concat([gzipSync(prefix), ...Array.from({ length: mib }, () => zerosMiB)]));
  expect((await stat(file)).size).toBeLessThan(2 * MiB);
  return file;
}

async function leftovers(slug: string) {
  const [tenants, databases, roles] = await Promise.all([
    cp.deps.control.tenant.count({ where: { slug } }),
    withAdmin(
      async (c) => (await c.query("SELECT 1 FROM pg_database WHERE datname = $1", [tenantDatabaseName(slug)])).rowCount,
    ),
    withAdmin(
      async (c) => (await c.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [tenantRoleName(slug)])).rowCount,
    ),
  ]);
  return { tenants, databases, roles };
}

/** Bytes under the system temp directory's import work folders (the import's own scratch space). */
async function importScratch(): Promise<number> {
  let total = 0;
  for (const d of (await readdir(os.tmpdir())).filter((n) => n.startsWith("portico-import-") && !dir.endsWith(n))) {
    for (const e of await readdir(path.join(os.tmpdir(), d), { withFileTypes: true, recursive: true }).catch(
      () => [],
    )) {
      if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name)).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

async function refusedWithBoundedUse(archive: string, slug: string, message: RegExp, options?: { maxBytes?: number }) {
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  let peakDisk = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      peakDisk = Math.max(peakDisk, await importScratch());
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const error = await importTenant(cp.deps, archive, slug, undefined, options).catch((e: unknown) => e);
  sampling = false;
  await sampler;
  expect(error).toBeInstanceOf(InvalidInput);
  expect((error as Error).message).toMatch(message);
  expect(peakDisk).toBeLessThan(MiB);
  expect(peakRss - rssBefore).toBeLessThan(128 * MiB);
  expect(await leftovers(slug)).toEqual({ tenants: 0, databases: 0, roles: 0 });
}

describe("import limits", () => {
  it("refuses an entry larger than its manifest says (declared 1 GiB, listed 10 bytes), before writing it", async () => {
    const archive = await bomb(
      "declared.tar.gz",
      [{ name: "User", file: "tables/User.jsonl", rows: 0, bytes: 10, sha256: "0".repeat(64) }],
      { file: "tables/User.jsonl", declared: 1024 * MiB },
      1024,
    );
    await refusedWithBoundedUse(
      archive,
      cp.slug("bomb1"),
      /tables\/User\.jsonl in .* holds 1073741824 bytes but its manifest lists 10: the archive is damaged or was altered; nothing was imported/,
    );
  });

  it("refuses a manifest that declares more than the import limit, before extracting any table", async () => {
    const archive = await bomb(
      "over-limit.tar.gz",
      [{ name: "User", file: "tables/User.jsonl", rows: 0, bytes: 1024 * MiB, sha256: "0".repeat(64) }],
      { file: "tables/User.jsonl", declared: 1024 * MiB },
      1024,
    );
    await refusedWithBoundedUse(
      archive,
      cp.slug("bomb2"),
      /declares 1073741824 bytes of data, more than the 67108864 bytes an import may hold; nothing was imported/,
      { maxBytes: 64 * MiB },
    );
  });

  it("refuses an entry its manifest does not list", async () => {
    const archive = await bomb("unknown.tar.gz", [], { file: "tables/Extra.jsonl", declared: 512 * MiB }, 512);
    await refusedWithBoundedUse(
      archive,
      cp.slug("bomb3"),
      /contains tables\/Extra\.jsonl, which its manifest does not list; nothing was imported/,
    );
  });

  it("a real export still imports, within the same limits (positive control)", async () => {
    const source = cp.slug("src");
    await provisionTenant(
      cp.deps,
      parseTenantSpec({
        slug: source,
        name: "Source",
        theme: FALLBACK_THEME,
        demo: { users: [{ email: "jo@source.example", name: "Jo", role: "owner" }] },
      }),
      { mode: "create" },
    );
    const exported = await exportTenant(cp.deps, source, dir, "test");
    const copy = cp.slug("copy");
    const imported = await importTenant(cp.deps, exported.path, copy, undefined, { maxBytes: 64 * MiB });
    expect(imported.rows).toMatchObject({ User: 1 });
    expect(await leftovers(copy)).toEqual({ tenants: 1, databases: 1, roles: 1 });
    expect((await readFile(exported.path)).length).toBeGreaterThan(0);
  });

  it("refuses an export with a corrupted tar header, leaving nothing behind; the untouched export imports", async () => {
    const source = cp.slug("hdr");
    await provisionTenant(cp.deps, parseTenantSpec({ slug: source, name: "Header", theme: FALLBACK_THEME }), {
      mode: "create",
    });
    const exported = await exportTenant(cp.deps, source, dir, "test");
    const tar = gunzipSync(await readFile(exported.path));
    // The second entry's header (the first table): one byte of its name changed, checksum as it was.
    const manifestSize = parseInt(tar.subarray(124, 136).toString("latin1"), 8);
    const second = 512 + Math.ceil(manifestSize / 512) * 512;
    expect(tar.subarray(second, second + 7).toString("latin1")).toBe("tables/");
    tar[second] = "T".charCodeAt(0);
    const corrupted = path.join(dir, "corrupted.tar.gz");
    await writeFile(corrupted, gzipSync(tar));
    await refusedWithBoundedUse(
      corrupted,
      cp.slug("hdr-bad"),
      /is not a readable Portico export: the archive has a corrupted header \(checksum mismatch\)/,
    );
    const copy = cp.slug("hdr-ok");
    await importTenant(cp.deps, exported.path, copy);
    expect(await leftovers(copy)).toEqual({ tenants: 1, databases: 1, roles: 1 });
  });
});
