import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { z } from "zod";
import { withClient } from "../db/postgres.ts";
import { tenantConnectionUrl } from "../db/tenant-db.server.ts";
import { InvalidInput, TenantNotFound } from "../util/errors.ts";
import { loadMigrations, migrationsDir } from "../migrations/migrator.ts";
import { checkLogo } from "../tenancy/logo.ts";
import { themeSchema } from "../tenancy/theme.ts";
import { extractTarGz, writeTarGz } from "../util/tar.ts";
import { discardTenant } from "../provisioning/resume.server.ts";
import { provisionTenant } from "../provisioning/provision.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { parseTenantSpec } from "../provisioning/spec.ts";
import {
  allowTrailAnchor,
  countRows,
  insertRows,
  listTables,
  readTable,
  resetSequences,
  tableColumns,
} from "./table-copy.server.ts";

/**
 * A tenant's export: a .tar.gz with one JSON-lines file per table of its database, its uploaded
 * logo, and manifest.json (row counts and sha-256 checksums of every file). `importTenant` restores
 * it into a new tenant and checks every count and checksum on the way.
 */
export const ARCHIVE_FORMAT = "portico-tenant-export";
export const ARCHIVE_NAME = /^[a-z0-9-]+-\d{8}T\d{6}Z-[0-9a-f]{6}\.tar\.gz$/;

const fileSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9_./-]+$/),
  bytes: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export const manifestSchema = z.object({
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(1),
  exportedAt: z.string(),
  exportedBy: z.string(),
  tenant: z.object({
    slug: z.string(),
    name: z.string(),
    plan: z.string(),
    theme: z.unknown(),
    domains: z.array(z.string()),
  }),
  schemaVersion: z.string().nullable(),
  tables: z.array(fileSchema.extend({ name: z.string(), rows: z.number().int().min(0) })),
  logo: fileSchema.extend({ contentType: z.string() }).nullable(),
});
export type Manifest = z.infer<typeof manifestSchema>;

function sha256(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function fileSha256(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export interface ExportResult {
  file: string;
  path: string;
  bytes: number;
  sha256: string;
  manifest: Manifest;
}

/** Exports every row of a tenant's database (one consistent snapshot) into `dir`. */
export async function exportTenant(
  deps: ProvisionDeps,
  slug: string,
  dir: string,
  exportedBy: string,
): Promise<ExportResult> {
  const tenant = await deps.control.tenant.findUnique({
    where: { slug },
    include: { domains: { orderBy: [{ isPrimary: "desc" }, { hostname: "asc" }] }, database: true, logo: true },
  });
  if (!tenant?.database) throw new TenantNotFound(`no tenant with a database named "${slug}"`);
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-export-"));
  try {
    const tables: Manifest["tables"] = [];
    const url = await tenantConnectionUrl(deps.control, deps.keyring, tenant.id);
    const schemaVersion = await withClient(url, async (client) => {
      await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      const version =
        (
          await client.query<{ name: string }>(
            `SELECT migration_name AS name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1`,
          )
        ).rows[0]?.name ?? null;
      await mkdir(path.join(work, "tables"));
      for (const name of await listTables(client)) {
        const file = `tables/${name}.jsonl`;
        const hash = createHash("sha256");
        let bytes = 0;
        const chunks: string[] = [];
        const rows = await readTable(client, name, async (lines) => {
          const text = lines.map((l) => `${l}\n`).join("");
          hash.update(text);
          bytes += Buffer.byteLength(text);
          chunks.push(text);
          if (chunks.length >= 16) await writeFile(path.join(work, file), chunks.splice(0).join(""), { flag: "a" });
        });
        await writeFile(path.join(work, file), chunks.join(""), { flag: "a" });
        tables.push({ name, file, rows, bytes, sha256: hash.digest("hex") });
      }
      await client.query("COMMIT");
      return version;
    });
    let logo: Manifest["logo"] = null;
    if (tenant.logo) {
      const bytes = Buffer.from(tenant.logo.bytes);
      await writeFile(path.join(work, "logo.bin"), bytes);
      logo = { file: "logo.bin", bytes: bytes.byteLength, sha256: sha256(bytes), contentType: tenant.logo.contentType };
    }
    const manifest: Manifest = {
      format: ARCHIVE_FORMAT,
      version: 1,
      exportedAt: new Date().toISOString(),
      exportedBy,
      tenant: {
        slug: tenant.slug,
        name: tenant.name,
        plan: tenant.plan,
        theme: tenant.theme,
        domains: tenant.domains.map((d) => d.hostname),
      },
      schemaVersion,
      tables,
      logo,
    };
    await mkdir(dir, { recursive: true });
    const stamp = manifest.exportedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    const file = `${slug}-${stamp}-${randomBytes(3).toString("hex")}.tar.gz`;
    const target = path.join(dir, file);
    await writeTarGz(target, [
      { name: "manifest.json", content: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) },
      ...tables.map((t) => ({ name: t.file, file: path.join(work, t.file) })),
      ...(logo ? [{ name: logo.file, file: path.join(work, logo.file) }] : []),
    ]);
    return { file, path: target, bytes: (await stat(target)).size, sha256: await fileSha256(target), manifest };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The most an import extracts in all (every table and the logo); `maxBytes` overrides it. */
export const IMPORT_MAX_BYTES = 4 * 1024 ** 3;
/** manifest.json of the largest fleet tenant is a few kilobytes. */
const MANIFEST_MAX_BYTES = 1024 ** 2;

/**
 * Opens an archive and checks its manifest and every file's size and checksum. Extraction is
 * bounded by the manifest, which every export writes first: each later entry must be a file the
 * manifest lists, with exactly the size it lists, and the manifest's sizes together must fit
 * `maxBytes`; anything else stops the extraction before that entry's first byte is written.
 */
export async function readArchive(archive: string, work: string, maxBytes = IMPORT_MAX_BYTES): Promise<Manifest> {
  let manifest: Manifest | null = null;
  const manifestFrom = async (): Promise<Manifest> => {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(path.join(work, "manifest.json"), "utf8"));
    } catch {
      throw new InvalidInput(`${archive} has a manifest.json that is not JSON: it is not a Portico export`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success)
      throw new InvalidInput(`${archive} has a manifest Portico cannot read: ${parsed.error.issues[0]?.message}`);
    const listed = [...parsed.data.tables, ...(parsed.data.logo ? [parsed.data.logo] : [])];
    const declared = listed.reduce((sum, f) => sum + f.bytes, 0);
    if (declared > maxBytes) {
      throw new InvalidInput(
        `${archive} declares ${declared} bytes of data, more than the ${maxBytes} bytes an import may hold; nothing was imported`,
      );
    }
    if (new Set(listed.map((f) => f.file)).size !== listed.length || listed.some((f) => f.file === "manifest.json")) {
      throw new InvalidInput(`${archive} has a manifest that lists a file twice: it is not a Portico export`);
    }
    return parsed.data;
  };
  const admit = async ({ name, size, index }: { name: string; size: number; index: number }) => {
    if (index === 0) {
      if (name !== "manifest.json")
        throw new InvalidInput(`${archive} does not start with manifest.json: it is not a Portico export`);
      if (size > MANIFEST_MAX_BYTES)
        throw new InvalidInput(
          `${archive} has a manifest.json of ${size} bytes, larger than any Portico export writes`,
        );
      return;
    }
    manifest ??= await manifestFrom();
    const listed = [...manifest.tables, ...(manifest.logo ? [manifest.logo] : [])].find((f) => f.file === name);
    if (!listed)
      throw new InvalidInput(`${archive} contains ${name}, which its manifest does not list; nothing was imported`);
    if (listed.bytes !== size) {
      throw new InvalidInput(
        `${name} in ${archive} holds ${size} bytes but its manifest lists ${listed.bytes}: the archive is damaged or was altered; nothing was imported`,
      );
    }
  };
  let names: string[];
  try {
    names = await extractTarGz(archive, work, { maxBytes: maxBytes + MANIFEST_MAX_BYTES, admit });
  } catch (error) {
    if (error instanceof InvalidInput) throw error;
    throw new InvalidInput(`${archive} is not a readable Portico export: ${(error as Error).message}`);
  }
  if (!names.includes("manifest.json"))
    throw new InvalidInput(`${archive} has no manifest.json: it is not a Portico export`);
  manifest ??= await manifestFrom();
  for (const f of [...manifest.tables, ...(manifest.logo ? [manifest.logo] : [])]) {
    if (!names.includes(f.file)) throw new InvalidInput(`${archive} lacks ${f.file}, which its manifest lists`);
    const full = path.join(work, f.file);
    if ((await stat(full)).size !== f.bytes || (await fileSha256(full)) !== f.sha256) {
      throw new InvalidInput(
        `${f.file} in ${archive} does not match its checksum: the archive is damaged or was altered`,
      );
    }
  }
  const known = (await loadMigrations(migrationsDir("tenant"))).map((m) => m.name);
  if (manifest.schemaVersion && !known.includes(manifest.schemaVersion)) {
    throw new InvalidInput(
      `${archive} was exported at schema ${manifest.schemaVersion}, which this Portico does not know; import it with a newer release`,
    );
  }
  return manifest;
}

export interface ImportResult {
  tenantId: string;
  slug: string;
  rows: Record<string, number>;
}

/**
 * Restores an export into a new tenant (new slug, no custom domains: those still belong to the
 * original). The archive is verified before anything is created; row counts are checked after.
 */
export async function importTenant(
  deps: ProvisionDeps,
  archive: string,
  slug: string,
  name?: string,
  options: { maxBytes?: number } = {},
): Promise<ImportResult> {
  const work = await mkdtemp(path.join(os.tmpdir(), "portico-import-"));
  let created = false;
  try {
    const manifest = await readArchive(archive, work, options.maxBytes);
    const theme = themeSchema.safeParse(manifest.tenant.theme);
    if (!theme.success)
      throw new InvalidInput(`${archive} has a theme Portico cannot use: ${theme.error.issues[0]?.message}`);
    const logo = manifest.logo ? checkLogo(await readFile(path.join(work, manifest.logo.file))) : undefined;
    const spec = parseTenantSpec(
      { slug, name: name ?? manifest.tenant.name, plan: manifest.tenant.plan, theme: theme.data },
      "the imported tenant",
    );
    const { tenantId } = await provisionTenant(deps, spec, { mode: "create", seed: false, ...(logo ? { logo } : {}) });
    created = true;
    const url = await tenantConnectionUrl(deps.control, deps.keyring, tenantId);
    const rows = await withClient(url, async (client): Promise<Record<string, number>> => {
      const present = await listTables(client);
      const missing = manifest.tables.filter((t) => !present.includes(t.name));
      if (missing.length)
        throw new InvalidInput(`the archive has tables this schema lacks: ${missing.map((t) => t.name).join(", ")}`);
      const order = present.filter((t) => manifest.tables.some((m) => m.name === t));
      await client.query("BEGIN");
      try {
        await allowTrailAnchor(client);
        const counts: Record<string, number> = {};
        for (const table of order) {
          const entry = manifest.tables.find((t) => t.name === table) as Manifest["tables"][number];
          const columns = await tableColumns(client, table);
          let batch: string[] = [];
          const lines = readline.createInterface({
            input: createReadStream(path.join(work, entry.file)),
            crlfDelay: Infinity,
          });
          for await (const line of lines) {
            if (line.length === 0) continue;
            batch.push(line);
            if (batch.length >= 500) {
              await insertRows(client, table, batch, columns);
              batch = [];
            }
          }
          await insertRows(client, table, batch, columns);
          counts[table] = await countRows(client, table);
          if (counts[table] !== entry.rows)
            throw new InvalidInput(`${table}: ${counts[table]} row(s) restored, but the manifest lists ${entry.rows}`);
        }
        await resetSequences(client, order);
        await client.query("COMMIT");
        return counts;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      }
    });
    return { tenantId, slug, rows };
  } catch (error) {
    // A half-imported tenant is worse than none: remove what provisioning created.
    if (created) {
      await deps.control.tenant.update({ where: { slug }, data: { status: "failed" } });
      await discardTenant(deps, slug).catch(() => {});
    }
    throw error;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
