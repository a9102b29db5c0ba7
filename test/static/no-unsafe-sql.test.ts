import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Security case 16: no `$queryRawUnsafe`, `$executeRawUnsafe` or `Prisma.raw` anywhere in the
 * application. Tagged-template `$queryRaw` binds its parameters; the unsafe forms do not.
 * DDL that cannot take parameters goes through lib/db/postgres.ts (quoteIdent / quoteLiteral).
 * One file is allowed the unsafe form (security case 61): the job queue's adapter, which runs
 * pg-boss's own statement text with every value bound by position; each such line is marked.
 */
const ALLOWED_FILE = path.join("lib", "jobs", "jobs.server.ts");
const ALLOWED_MARK = "// unsafe-sql-allowed";
const UNSAFE = /\$(queryRaw|executeRaw)Unsafe\b|Prisma\.raw\s*\(|Prisma\.sql\s*\(\s*\[/;
const ROOTS = ["app", "components", "lib", "scripts", "tenants", "bench", "proxy.ts", "instrumentation.ts"];

async function sourceFiles(entry: string): Promise<string[]> {
  const info = await readdir(entry, { withFileTypes: true }).catch(() => null);
  if (!info) return /\.(ts|tsx|mjs)$/.test(entry) ? [entry] : [];
  const nested = await Promise.all(
    info
      .filter((d) => !["generated", "node_modules"].includes(d.name))
      .map((d) => sourceFiles(path.join(entry, d.name))),
  );
  return nested.flat();
}

export function findUnsafe(source: string, allowMarked = false): number[] {
  return source
    .split("\n")
    .flatMap((line, i) =>
      UNSAFE.test(line) && !(allowMarked && line.trimEnd().endsWith(ALLOWED_MARK)) ? [i + 1] : [],
    );
}

describe("raw SQL escape hatches", () => {
  it("are detected by the scanner (positive control)", () => {
    expect(findUnsafe("await db.$queryRawUnsafe(`SELECT * FROM x WHERE id = ${id}`)")).toEqual([1]);
    expect(findUnsafe("ok\nawait db.$executeRawUnsafe(sql)")).toEqual([2]);
    expect(findUnsafe("const frag = Prisma.raw(input)")).toEqual([1]);
    expect(findUnsafe("await db.$queryRaw`SELECT ${id}`")).toEqual([]);
    // The mark counts only in the one allowed file.
    expect(findUnsafe(`await db.$queryRawUnsafe(sql) ${ALLOWED_MARK}`)).toEqual([1]);
    expect(findUnsafe(`await db.$queryRawUnsafe(sql) ${ALLOWED_MARK}`, true)).toEqual([]);
  });

  it("appear nowhere in the application source", async () => {
    const files = (await Promise.all(ROOTS.map(sourceFiles))).flat();
    expect(files.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const file of files) {
      for (const line of findUnsafe(await readFile(file, "utf8"), file === ALLOWED_FILE)) hits.push(`${file}:${line}`);
    }
    expect(hits).toEqual([]);
  });
});
