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

/** One ustar header block (exported for tests that build archives by hand). */
export function tarHeader(name: string, size: number, mtime: Date = new Date()): Buffer {
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
      yield tarHeader(entry.name, size, mtime);
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

/** Every extraction stops here unless the caller sets a lower cap. */
export const DEFAULT_MAX_EXTRACT_BYTES = 4 * 1024 ** 3;

export interface ExtractOptions {
  /** Most bytes extracted in all, by the entries' declared sizes, checked before each is written. */
  maxBytes?: number;
  /**
   * Asked about each entry before any of its bytes are written; throws to refuse it. The entries
   * before it are complete on disk by then, so it may read them (e.g. a manifest written first).
   */
  admit?: (entry: { name: string; size: number; index: number }) => void | Promise<void>;
}

class TarError extends Error {}

function octal(field: Buffer, what: string): number {
  const text = field.toString("latin1").replace(/\0.*$/s, "").trim();
  if (!/^[0-7]*$/.test(text)) throw new TarError(`the archive has a corrupted header (${what} is not an octal number)`);
  return parseInt(text || "0", 8);
}

function checkHeader(h: Buffer): void {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  if (octal(h.subarray(148, 156), "its checksum") !== sum) throw new TarError("the archive has a corrupted header (checksum mismatch)");
}

/**
 * Extracts a .tar.gz written by writeTarGz into `dir`, streaming: an entry is checked (safe name,
 * plain file, `admit`, the running total against `maxBytes`) from its header before any byte is
 * written, exactly its declared size is written, and reading stops at the end-of-archive marker,
 * so a small archive cannot fill the disk or the memory whatever it decompresses to. Refuses
 * anything but plain files with safe relative names (no "..", no absolute paths, no links).
 * Returns the names extracted.
 */
export async function extractTarGz(source: string, dir: string, options: ExtractOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EXTRACT_BYTES;
  const names: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let current: { name: string; remaining: number; pad: number; handle: Awaited<ReturnType<typeof open>> } | null = null;
  let total = 0;
  let ended = false;
  try {
    reading: for await (const chunk of createReadStream(source).pipe(createGunzip())) {
      pending = pending.length ? Buffer.concat([pending, chunk as Buffer]) : (chunk as Buffer);
      for (;;) {
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
          // Whatever follows the marker is never decompressed further (breaking ends the stream).
          ended = true;
          break reading;
        }
        checkHeader(h);
        const name = h.subarray(0, 100).toString("utf8").replace(/\0.*$/s, "");
        const type = String.fromCharCode(h[156] ?? 48);
        const size = octal(h.subarray(124, 136), "its size");
        if ((type !== "0" && type !== "\0") || !SAFE_NAME.test(name) || name.split("/").includes("..")) {
          throw new TarError(`the archive contains "${name}", which is not a plain file Portico wrote; refusing to extract it`);
        }
        if (names.includes(name)) throw new TarError(`the archive contains "${name}" twice`);
        await options.admit?.({ name, size, index: names.length });
        total += size;
        if (total > maxBytes) throw new TarError(`the archive holds more than ${maxBytes} bytes, the most Portico extracts`);
        const target = path.join(dir, name);
        await mkdir(path.dirname(target), { recursive: true });
        current = { name, remaining: size, pad: (BLOCK - (size % BLOCK)) % BLOCK, handle: await open(target, "w", 0o600) };
        names.push(name);
      }
    }
  } finally {
    await current?.handle.close().catch(() => {});
  }
  if (current) throw new TarError(`the archive is truncated inside ${current.name}`);
  if (!ended) throw new TarError("the archive is truncated: no end-of-archive marker");
  return names;
}
