import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gunzipSync, gzipSync } from "node:zlib";
import { tarHeader } from "../../test/support/tar.ts";
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
    expect(execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).trim().split("\n")).toEqual([
      "manifest.json",
      "tables/Big.jsonl",
      "tables/Empty.jsonl",
    ]);
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

describe("tar.gz limits", () => {
  const MiB = 1024 ** 2;
  const pad = (size: number) => Buffer.alloc((512 - (size % 512)) % 512);
  const zerosMiB = gzipSync(Buffer.alloc(MiB)); // about 1 KB: repeated, a gzip bomb
  const bomb = (prefix: Buffer, mib: number) =>
    Buffer.concat([gzipSync(prefix), ...Array.from({ length: mib }, () => zerosMiB)]);

  async function duSize(root: string): Promise<number> {
    const { readdir, stat } = await import("node:fs/promises");
    let total = 0;
    for (const e of await readdir(root, { withFileTypes: true, recursive: true }))
      if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size;
    return total;
  }

  /** Runs `fn` while sampling the process's memory; returns how far it rose above the start. */
  async function peakGrowth(fn: () => Promise<unknown>): Promise<number> {
    const start = process.memoryUsage().rss;
    let peak = start;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    try {
      await fn().catch(() => {});
    } finally {
      clearInterval(timer);
    }
    return Math.max(peak, process.memoryUsage().rss) - start;
  }

  it("refuses an entry whose declared size exceeds the cap before writing any of it (a 1 GiB entry in a 1 MB file)", async () => {
    const manifest = Buffer.from('{"ok":true}');
    const archive = path.join(dir, "declared-bomb.tar.gz");
    await writeFile(
      archive,
      bomb(
        Buffer.concat([
          await tarHeader("manifest.json", manifest.length),
          manifest,
          pad(manifest.length),
          await tarHeader("tables/User.jsonl", 1024 * MiB),
        ]),
        1024,
      ),
    );
    expect((await readFile(archive)).length).toBeLessThan(2 * MiB);
    const out = path.join(dir, "declared-bomb");
    let error: unknown;
    const grew = await peakGrowth(
      async () => (error = await extractTarGz(archive, out, { maxBytes: 16 * MiB }).catch((e: unknown) => e)),
    );
    expect((error as Error).message).toMatch(/holds more than 16777216 bytes, the most Portico extracts/);
    expect(await duSize(out)).toBe(manifest.length);
    expect(grew).toBeLessThan(128 * MiB);
  });

  it("stops reading at the end-of-archive marker: 1 GiB of zeros after it is never inflated into memory or disk", async () => {
    const content = Buffer.from("hello\n");
    const archive = path.join(dir, "trailing-bomb.tar.gz");
    await writeFile(
      archive,
      bomb(
        Buffer.concat([
          await tarHeader("tables/A.jsonl", content.length),
          content,
          pad(content.length),
          Buffer.alloc(1024),
        ]),
        1024,
      ),
    );
    const out = path.join(dir, "trailing-bomb");
    let names: unknown;
    const grew = await peakGrowth(async () => (names = await extractTarGz(archive, out)));
    expect(names).toEqual(["tables/A.jsonl"]);
    expect(await readFile(path.join(out, "tables/A.jsonl"), "utf8")).toBe("hello\n");
    expect(await duSize(out)).toBe(content.length);
    expect(grew).toBeLessThan(128 * MiB);
  });

  it("lets the caller refuse an entry from its header, before any byte of it is written", async () => {
    const archive = path.join(dir, "admit.tar.gz");
    await writeTarGz(archive, [
      { name: "manifest.json", content: Buffer.from("{}") },
      { name: "tables/X.jsonl", content: Buffer.alloc(4096, 1) },
    ]);
    const out = path.join(dir, "admit");
    const seen: string[] = [];
    await expect(
      extractTarGz(archive, out, {
        admit: ({ name, size }) => {
          seen.push(`${name}:${size}`);
          if (name !== "manifest.json") throw new Error(`${name} is not listed`);
        },
      }),
    ).rejects.toThrow("tables/X.jsonl is not listed");
    expect(seen).toEqual(["manifest.json:2", "tables/X.jsonl:4096"]);
    expect(await duSize(out)).toBe(2);
  });

  it("refuses a corrupted header: a changed byte, or a size that is not a number", async () => {
    const good = path.join(dir, "good.tar.gz");
    await writeTarGz(good, [{ name: "manifest.json", content: Buffer.from("{}") }]);
    const tar = gunzipSync(await readFile(good));
    const flipped = Buffer.from(tar);
    flipped[0] = "n".charCodeAt(0); // "manifest.json" → "nanifest.json", checksum left as it was
    await writeFile(path.join(dir, "flipped.tar.gz"), gzipSync(flipped));
    await expect(extractTarGz(path.join(dir, "flipped.tar.gz"), path.join(dir, "flipped"))).rejects.toThrow(
      /corrupted header \(checksum mismatch\)/,
    );
    const garbage = Buffer.from(tar);
    garbage.write("zzzzzzzzzzz\0", 124, "ascii"); // a size that is not an octal number
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (garbage[i] as number);
    garbage.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii"); // a valid checksum: only the size is wrong
    await writeFile(path.join(dir, "garbage.tar.gz"), gzipSync(garbage));
    await expect(extractTarGz(path.join(dir, "garbage.tar.gz"), path.join(dir, "garbage"))).rejects.toThrow(
      /corrupted header \(its size is not a number\)/,
    );
    const foreign = Buffer.from(tar);
    foreign.write("nottar", 257, "ascii"); // no ustar magic
    sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : (foreign[i] as number);
    foreign.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
    await writeFile(path.join(dir, "foreign.tar.gz"), gzipSync(foreign));
    await expect(extractTarGz(path.join(dir, "foreign.tar.gz"), path.join(dir, "foreign"))).rejects.toThrow(
      /corrupted header \(not a ustar header\)/,
    );
    // Positive control: the untouched archive extracts.
    expect(await extractTarGz(good, path.join(dir, "good"))).toEqual(["manifest.json"]);
  });

  it("round-trips names longer than 100 bytes, which the system tar reads too", async () => {
    const long = `tables/${"a".repeat(120)}.jsonl`; // over 100 bytes: ustar's name and prefix fields
    const longer = `${"b".repeat(180)}.jsonl`; // no slash to split at: a pax header
    expect(Buffer.byteLength(long)).toBeGreaterThan(100);
    const archive = path.join(dir, "long.tar.gz");
    await writeTarGz(archive, [
      { name: "manifest.json", content: Buffer.from("{}") },
      { name: long, content: Buffer.from("long\n") },
      { name: longer, content: Buffer.from("longer\n") },
    ]);
    const out = path.join(dir, "long");
    expect(await extractTarGz(archive, out)).toEqual(["manifest.json", long, longer]);
    expect(await readFile(path.join(out, long), "utf8")).toBe("long\n");
    expect(await readFile(path.join(out, longer), "utf8")).toBe("longer\n");
    expect(execFileSync("tar", ["-tzf", archive], { encoding: "utf8" }).trim().split("\n")).toEqual([
      "manifest.json",
      long,
      longer,
    ]);
  });

  it("stops at the end-of-archive marker: what follows it is never parsed", async () => {
    const good = path.join(dir, "marker.tar.gz");
    await writeTarGz(good, [{ name: "tables/A.jsonl", content: Buffer.from("a\n") }]);
    const tar = gunzipSync(await readFile(good));
    // A megabyte of zeros after the archive, then bytes that are no header at all.
    const withJunk = path.join(dir, "marker-junk.tar.gz");
    await writeFile(withJunk, gzipSync(Buffer.concat([tar, Buffer.alloc(MiB), Buffer.alloc(512, 0xff)])));
    expect(await extractTarGz(withJunk, path.join(dir, "marker-junk"))).toEqual(["tables/A.jsonl"]);
    // Control: the same junk where a header is expected is refused.
    const junkFirst = path.join(dir, "junk-first.tar.gz");
    await writeFile(junkFirst, gzipSync(Buffer.concat([Buffer.alloc(512, 0xff), tar])));
    await expect(extractTarGz(junkFirst, path.join(dir, "junk-first"))).rejects.toThrow(/corrupted header/);
  });
});
