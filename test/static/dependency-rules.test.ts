import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

// `npm run lint` runs dependency-cruiser with .dependency-cruiser.cjs. These tests run the same
// command with the same rules on small made-up trees: each refusal beside an allowed import.

const repo = path.resolve(".");
const cli = path.join(repo, "node_modules/dependency-cruiser/bin/dependency-cruise.mjs");
let scratch: string | undefined;
afterEach(() => scratch && rmSync(scratch, { recursive: true, force: true }));

function cruise(files: Record<string, string>): { ok: boolean; output: string } {
  scratch = mkdtempSync(path.join(os.tmpdir(), "portico-deps-"));
  copyFileSync(path.join(repo, ".dependency-cruiser.cjs"), path.join(scratch, ".dependency-cruiser.cjs"));
  writeFileSync(
    path.join(scratch, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true, paths: { "@/*": ["./*"] } } }),
  );
  for (const [file, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    writeFileSync(path.join(scratch, file), body);
  }
  const roots = [...new Set(Object.keys(files).map((f) => f.split("/")[0]!))];
  const run = spawnSync(
    process.execPath,
    [cli, ...roots, "--config", ".dependency-cruiser.cjs", "--output-type", "err"],
    { cwd: scratch, encoding: "utf8" },
  );
  return { ok: run.status === 0, output: `${run.stdout}${run.stderr}` };
}

const exporting = "export const value = 1;\n";

describe("the dependency rules", () => {
  it("allow a higher layer to import a lower one", () => {
    const result = cruise({
      "lib/portal/events.ts": 'import { value } from "../util/numbers.ts";\nexport const v = value;\n',
      "lib/util/numbers.ts": exporting,
    });
    expect(result.output).not.toContain("error");
    expect(result.ok).toBe(true);
  });

  it("refuse an upward import", () => {
    const result = cruise({
      "lib/util/numbers.ts": 'import { value } from "../portal/events.ts";\nexport const v = value;\n',
      "lib/portal/events.ts": exporting,
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("lib-util-layer");
  });

  it("refuse an import between two folders of the same layer", () => {
    const result = cruise({
      "lib/portal/events.ts": 'import { value } from "../agency/fleet.ts";\nexport const v = value;\n',
      "lib/agency/fleet.ts": exporting,
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("lib-portal-layer");
  });

  it("refuse a cycle, even inside one folder", () => {
    const result = cruise({
      "lib/util/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n',
      "lib/util/b.ts": 'import { a } from "./a.ts";\nexport const b = () => a;\n',
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("no-circular");
  });

  it("refuse a component importing from a route folder, and allow it from lib", () => {
    const refused = cruise({
      "components/form.tsx": 'import { save } from "../app/actions.ts";\nexport const f = save;\n',
      "app/actions.ts": "export const save = 1;\n",
    });
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain("components-not-app");
    const allowed = cruise({
      "components/form.tsx": 'import { value } from "../lib/util/numbers.ts";\nexport const f = value;\n',
      "lib/util/numbers.ts": exporting,
    });
    expect(allowed.ok).toBe(true);
  });

  it("refuse a file of lib outside the layered folders", () => {
    const result = cruise({
      "lib/stray.ts": 'import { value } from "./util/numbers.ts";\nexport const v = value;\n',
      "lib/util/numbers.ts": exporting,
    });
    expect(result.ok).toBe(false);
    expect(result.output).toContain("lib-in-a-layer");
  });
});
