import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CLIENT_NAMESPACES, STAFF_CLIENT_NAMESPACES } from "../../messages/catalogues.ts";

/** Client components and the namespaces they read with useTranslations. */
async function clientNamespaces(): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  async function walk(dir: string) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(file);
      else if (/\.tsx?$/.test(entry.name)) {
        const source = await readFile(file, "utf8");
        if (!/^["']use client["']/m.test(source)) continue;
        const names = [...source.matchAll(/useTranslations\(\s*["'](\w+)["']/g)].map((m) => m[1] as string);
        if (names.length) found.set(file, [...new Set(names)]);
      }
    }
  }
  await walk("app");
  await walk("components");
  return found;
}

/** What a client component may read: the staff area gets its own namespaces too. */
function missing(file: string, names: string[], staffOnly: Set<string>): string[] {
  const provided = new Set<string>(
    staffOnly.has(file) ? [...CLIENT_NAMESPACES, ...STAFF_CLIENT_NAMESPACES] : CLIENT_NAMESPACES,
  );
  return names.filter((n) => !provided.has(n)).map((n) => `${file} reads "${n}"`);
}

describe("the messages passed to client components", () => {
  it("hold every namespace a client component reads where it renders", async () => {
    const found = await clientNamespaces();
    // Components rendered by the staff area only (its layout adds STAFF_CLIENT_NAMESPACES).
    const staffOnly = new Set(
      ["staff-forms.tsx", "team-forms.tsx", "settings-forms.tsx", "domain-forms.tsx"].map((f) =>
        path.join("components/portal", f),
      ),
    );
    expect(found.size).toBeGreaterThan(5);
    expect([...found].flatMap(([file, names]) => missing(file, names, staffOnly))).toEqual([]);
  });

  it("control: a staff component counted as public is caught", async () => {
    const found = await clientNamespaces();
    const staff = path.join("components/portal", "staff-forms.tsx");
    expect(missing(staff, found.get(staff) ?? [], new Set())).toContain(`${staff} reads "eventForm"`);
  });

  it("leave most of the catalogue on the server", () => {
    expect(CLIENT_NAMESPACES).not.toContain("server");
    expect(CLIENT_NAMESPACES).not.toContain("manage");
  });
});
