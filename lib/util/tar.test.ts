import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gzipSync } from "node:zlib";
import { extractTarGz, writeTarGz } from "./tar.ts";

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(os.tmpdir(), "portico-tar-"))));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("tar.gz", () => {
  it("round-trips files of any size, including exact multiples of the block size", async () => {
    const big = Buffer.alloc(512 * 3, 7);
    await writeFile(path.join(dir, "big.bin"), big);
    const archive = path.join(dir, "a.tar.gz");
    await writeTarGz(archive, [
      { name: "manifest.json", content: Buffer.from('{"ok":true}') },
      { name: "tables/Big.jsonl", file: path.join(dir, "big.bin") },
      { name: "tables/Empty.jsonl", content: Buffer.alloc(0) },
    ]);
    const out = path.join(dir, "out");
    expect(await extractTarGz(archive, out)).toEqual(["manifest.json", "tables/Big.jsonl", "tables/Empty.jsonl"]);
    expect(await readFile(path.join(out, "tables/Big.jsonl"))).toEqual(big);
    expect(await readFile(path.join(out, "manifest.json"), "utf8")).toBe('{"ok":true}');
    // The system tar reads it too.
    expect(execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).trim().split("\n")).toEqual(["manifest.json", "tables/Big.jsonl", "tables/Empty.jsonl"]);
  });

  it("refuses path traversal and truncated archives", async () => {
    const evil = path.join(dir, "evil.tar.gz");
    await writeTarGz(evil, [{ name: "x/../../etc.jsonl", content: Buffer.from("x") }]);
    await expect(extractTarGz(evil, path.join(dir, "evil"))).rejects.toThrow(/not a plain file/);
    const whole = await readFile(path.join(dir, "a.tar.gz"));
    const truncated = path.join(dir, "t.tar.gz");
    const { gunzipSync } = await import("node:zlib");
    await writeFile(truncated, gzipSync(gunzipSync(whole).subarray(0, 1024)));
    await expect(extractTarGz(truncated, path.join(dir, "t"))).rejects.toThrow(/truncated/);
  });
});
