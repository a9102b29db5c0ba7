import { execFileSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

// A file's name says what it holds: no two source files share one (lib/x/foo.server.ts and
// lib/y/foo.ts count as the same name). Next.js's own file names (page.tsx, route.ts, …) and
// test files are exempt; so is a file's own .test.ts.

const EXEMPT = /^(page|layout|route|actions|loading|error|not-found|template|default)\.tsx?$/;

export function sameNames(files: readonly string[]): string[][] {
  const byName = new Map<string, string[]>();
  for (const file of files) {
    const base = path.posix.basename(file);
    if (EXEMPT.test(base) || /\.(test|spec)\.tsx?$/.test(base) || base.endsWith(".d.ts")) continue;
    const name = base.replace(/\.server(?=\.tsx?$)/, "").replace(/\.(tsx?|mjs|cjs)$/, "");
    byName.set(name, [...(byName.get(name) ?? []), file]);
  }
  return [...byName.values()].filter((list) => list.length > 1);
}

describe("source file names", () => {
  it("are unique across lib, components, scripts and bench", () => {
    const files = execFileSync(
      "git",
      ["ls-files", "-co", "--exclude-standard", "lib", "components", "scripts", "bench"],
      { encoding: "utf8" },
    )
      .split("\n")
      .filter((f) => /\.(ts|tsx|mjs)$/.test(f) && !f.startsWith("lib/db/generated/"));
    expect(files.length).toBeGreaterThan(100);
    expect(sameNames(files)).toEqual([]);
  });

  it("catch two files with one name in different folders", () => {
    expect(sameNames(["lib/auth/credentials.server.ts", "lib/provisioning/credentials.server.ts"])).toEqual([
      ["lib/auth/credentials.server.ts", "lib/provisioning/credentials.server.ts"],
    ]);
    expect(
      sameNames(["lib/db/keyring.server.ts", "lib/db/keyring.test.ts", "app/a/page.tsx", "app/b/page.tsx"]),
    ).toEqual([]);
  });
});
