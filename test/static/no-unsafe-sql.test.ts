import { readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Security case 16: no `$queryRawUnsafe`, `$executeRawUnsafe` or `Prisma.raw` anywhere in the
 * application. Tagged-template `$queryRaw` binds its parameters; the unsafe forms do not.
 * DDL that cannot take parameters goes through lib/db/postgres.ts (quoteIdent / quoteLiteral).
 */
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

export function findUnsafe(source: string): number[] {
  return source.split("\n").flatMap((line, i) => (UNSAFE.test(line) ? [i + 1] : []));
}

describe("raw SQL escape hatches", () => {
  it("are detected by the scanner (positive control)", () => {
    expect(findUnsafe("await db.$queryRawUnsafe(`SELECT * FROM x WHERE id = ${id}`)")).toEqual([1]);
    expect(findUnsafe("ok\nawait db.$executeRawUnsafe(sql)")).toEqual([2]);
    expect(findUnsafe("const frag = Prisma.raw(input)")).toEqual([1]);
    expect(findUnsafe("await db.$queryRaw`SELECT ${id}`")).toEqual([]);
  });

  it("appear nowhere in the application source", async () => {
    const files = (await Promise.all(ROOTS.map(sourceFiles))).flat();
    expect(files.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const file of files) {
      for (const line of findUnsafe(await readFile(file, "utf8"))) hits.push(`${file}:${line}`);
    }
    expect(hits).toEqual([]);
  });
});
