import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";

/**
 * Just enough POSIX ustar to write and read Portico's export archives (.tar.gz): regular files
 * with short relative names. Readers anywhere (`tar -xzf`) open them.
 */

const BLOCK = 512;

function header(name: string, size: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`archive member name too long: ${name}`);
  const h = Buffer.alloc(BLOCK, 0);
  const put = (value: string, offset: number, length: number) => h.write(value, offset, length, "ascii");
  h.write(name, 0, 100, "utf8");
  put("0000644\0", 100, 8);
  put("0000000\0", 108, 8);
  put("0000000\0", 116, 8);
  put(`${size.toString(8).padStart(11, "0")}\0`, 124, 12);
  put(`${Math.floor(mtime.getTime() / 1000).toString(8).padStart(11, "0")}\0`, 136, 12);
  put("        ", 148, 8);
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8);
  return h;
}

export interface TarEntry {
  /** Name inside the archive, e.g. "tables/User.jsonl". */
  name: string;
  /** A file on disk, or the content itself. */
  file?: string;
  content?: Buffer;
}

/** Writes entries, in order, to a gzip-compressed tar file. */
export async function writeTarGz(target: string, entries: TarEntry[]): Promise<void> {
  const mtime = new Date();
  async function* blocks(): AsyncGenerator<Buffer> {
    for (const entry of entries) {
      const size = entry.content ? entry.content.byteLength : (await stat(entry.file as string)).size;
      yield header(entry.name, size, mtime);
      if (entry.content) yield entry.content;
      else for await (const chunk of createReadStream(entry.file as string)) yield chunk as Buffer;
      const pad = (BLOCK - (size % BLOCK)) % BLOCK;
      if (pad) yield Buffer.alloc(pad, 0);
    }
    yield Buffer.alloc(BLOCK * 2, 0);
  }
  await pipeline(blocks, createGzip(), createWriteStream(target, { mode: 0o600 }));
}

const SAFE_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

/**
 * Extracts a .tar.gz written by writeTarGz into `dir`. Refuses anything but plain files with safe
 * relative names (no "..", no absolute paths, no links). Returns the names extracted.
 */
export async function extractTarGz(source: string, dir: string, maxBytes = 10 * 1024 ** 3): Promise<string[]> {
  const names: string[] = [];
  let pending = Buffer.alloc(0);
  let current: { name: string; remaining: number; pad: number; handle: Awaited<ReturnType<typeof open>> } | null = null;
  let total = 0;
  let ended = false;
  for await (const chunk of createReadStream(source).pipe(createGunzip())) {
    pending = Buffer.concat([pending, chunk as Buffer]);
    for (;;) {
      if (ended) break;
      if (current) {
        if (current.remaining > 0) {
          if (pending.length === 0) break;
          const take = Math.min(current.remaining, pending.length);
          await current.handle.write(pending.subarray(0, take));
          pending = pending.subarray(take);
          current.remaining -= take;
          continue;
        }
        if (pending.length < current.pad) break;
        pending = pending.subarray(current.pad);
        await current.handle.close();
        current = null;
        continue;
      }
      if (pending.length < BLOCK) break;
      const h = pending.subarray(0, BLOCK);
      pending = pending.subarray(BLOCK);
      if (h.every((b) => b === 0)) {
        ended = true;
        break;
      }
      const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
      const type = String.fromCharCode(h[156] ?? 48);
      const size = parseInt(h.subarray(124, 136).toString("ascii").replace(/\0.*$/s, "").trim() || "0", 8);
      if ((type !== "0" && type !== "\0") || !SAFE_NAME.test(name) || name.split("/").includes("..")) {
        throw new Error(`the archive contains "${name}", which is not a plain file Portico wrote; refusing to extract it`);
      }
      total += size;
      if (total > maxBytes) throw new Error("the archive is larger than allowed");
      const target = path.join(dir, name);
      await mkdir(path.dirname(target), { recursive: true });
      current = { name, remaining: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, handle: await open(target, "w", 0o600) };
      names.push(name);
    }
  }
  if (current) {
    await current.handle.close();
    throw new Error(`the archive is truncated inside ${current.name}`);
  }
  if (!ended) throw new Error("the archive is truncated: no end-of-archive marker");
  return names;
}
