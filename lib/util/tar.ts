import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { extract as tarExtract, pack as tarPack, type Extract, type Pack } from "tar-stream";

/**
 * Portico's export archives (.tar.gz) through `tar-stream`: regular files with safe relative
 * names, of any length (ustar prefix or pax). Readers anywhere (`tar -xzf`) open them.
 */

const BLOCK = 512;

export interface TarEntry {
  /** Name inside the archive, e.g. "tables/User.jsonl". */
  name: string;
  /** A file on disk, or the content itself. */
  file?: string;
  content?: Buffer;
}

/** Resolves once `stream` may take more writes (streamx streams have no Node "drain" promise). */
function drained(stream: Extract | ReturnType<Pack["entry"]>): Promise<unknown> {
  const ctor = stream.constructor as unknown as { drained: (s: unknown) => Promise<boolean> };
  return ctor.drained(stream);
}

/** Writes entries, in order, to a gzip-compressed tar file, streaming each file from disk. */
export async function writeTarGz(target: string, entries: TarEntry[]): Promise<void> {
  const mtime = new Date();
  const pack = tarPack();
  const written = pipeline(
    async function* () {
      for await (const chunk of pack) yield chunk as Buffer;
    },
    createGzip(),
    createWriteStream(target, { mode: 0o600 }),
  );
  try {
    for (const entry of entries) {
      const size = entry.content ? entry.content.byteLength : (await stat(entry.file as string)).size;
      await new Promise<void>((resolve, reject) => {
        const done = (error?: Error | null) => (error ? reject(error) : resolve());
        if (entry.content) {
          pack.entry({ name: entry.name, size, mtime, mode: 0o644 }, entry.content, done);
          return;
        }
        const sink = pack.entry({ name: entry.name, size, mtime, mode: 0o644 }, done);
        (async () => {
          for await (const chunk of createReadStream(entry.file as string))
            if (!sink.write(chunk as Buffer)) await drained(sink);
          sink.end(undefined);
        })().catch((error: unknown) => sink.destroy(error as Error));
      });
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => {});
    throw error;
  }
  await written;
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

/** tar-stream's own messages, said so that the person importing knows what went wrong. */
function explain(error: Error): Error {
  if (error instanceof TarError) return error;
  const m = error.message;
  if (/^Invalid tar header\. Maybe/.test(m))
    return new TarError("the archive has a corrupted header (checksum mismatch)");
  if (/unknown format/.test(m)) return new TarError("the archive has a corrupted header (not a ustar header)");
  if (m === "Invalid header") return new TarError("the archive has a corrupted header (its size is not a number)");
  if (m === "Header exceeds max size")
    return new TarError("the archive has a corrupted header (an extended header over 4 MiB)");
  if (m === "Unexpected end of data" || /unexpected end of file/i.test(m))
    return new TarError("the archive is truncated");
  return error;
}

/**
 * The decompressed bytes fed to the parser from the next header on. tar-stream skips zero
 * blocks and reads on to the end of the file; this is how extraction stops at the end-of-archive
 * marker instead, so whatever follows it is never decompressed.
 */
class Tail {
  private chunks: { start: number; bytes: Buffer }[] = [];
  private retained = 0;

  /** Keeps `bytes` (which start at `start`), and drops what ends before `from`. */
  add(start: number, bytes: Buffer, from: number): void {
    this.chunks.push({ start, bytes });
    this.retained += bytes.length;
    for (let first = this.chunks[0]; first && this.chunks.length > 1; first = this.chunks[0]) {
      // The parser never runs far ahead of its consumer, so the next header is always recent; if
      // not, the marker goes unnoticed and the parser skips the zero blocks itself.
      if (first.start + first.bytes.length > from && this.retained <= 1024 ** 2) break;
      this.chunks.shift();
      this.retained -= first.bytes.length;
    }
  }

  /** Whether the 512 bytes at `at` are here and all zero. */
  zeroBlockAt(at: number): boolean {
    let need = BLOCK;
    let pos = at;
    for (const { start, bytes } of this.chunks) {
      if (start + bytes.length <= pos) continue;
      if (start > pos) return false;
      const piece = bytes.subarray(pos - start, Math.min(bytes.length, pos - start + need));
      if (!piece.every((b) => b === 0)) return false;
      need -= piece.length;
      pos += piece.length;
      if (need === 0) return true;
    }
    return false;
  }
}

/**
 * Extracts a .tar.gz written by writeTarGz into `dir`, streaming: an entry is checked (safe name,
 * plain file, `admit`, the running total against `maxBytes`) from its header before any byte is
 * written, exactly its declared size is written, and reading stops at the end-of-archive marker,
 * so a small archive cannot fill the disk or the memory whatever it decompresses to. Refuses
 * anything but plain files with safe relative names (no "..", no absolute paths, no links), and
 * headers whose checksum or fields do not hold. Returns the names extracted.
 */
export async function extractTarGz(source: string, dir: string, options: ExtractOptions = {}): Promise<string[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_EXTRACT_BYTES;
  const names: string[] = [];
  const file = createReadStream(source);
  const gunzip = createGunzip();
  file.on("error", (error) => gunzip.destroy(error));
  file.pipe(gunzip);
  const parser = tarExtract();
  const tail = new Tail();
  /** Where the next header starts: just past the last entry the parser announced. */
  let next = 0;
  let ended = false;

  const feed = (async () => {
    let position = 0;
    try {
      for await (const chunk of gunzip) {
        const bytes = chunk as Buffer;
        const start = position;
        position += bytes.length;
        tail.add(start, bytes, next);
        if (tail.zeroBlockAt(next)) {
          // Feed up to the marker, not past it; breaking ends the decompression.
          if (next > start) parser.write(bytes.subarray(0, next - start));
          ended = true;
          break;
        }
        if (parser.destroying || parser.destroyed) return;
        if (!parser.write(bytes)) await drained(parser);
      }
      parser.end(undefined);
    } catch (error) {
      parser.destroy(error as Error);
    } finally {
      file.destroy();
      gunzip.destroy();
    }
  })();

  let current: { name: string; handle: Awaited<ReturnType<typeof open>> } | null = null;
  let total = 0;
  try {
    for await (const entry of parser) {
      const { name, size, type } = entry.header;
      next = (entry.header as { byteOffset?: number }).byteOffset ?? 0;
      next += size + ((BLOCK - (size % BLOCK)) % BLOCK);
      if (type !== "file" || !SAFE_NAME.test(name) || name.split("/").includes("..")) {
        throw new TarError(
          `the archive contains "${name}", which is not a plain file Portico wrote; refusing to extract it`,
        );
      }
      if (names.includes(name)) throw new TarError(`the archive contains "${name}" twice`);
      await options.admit?.({ name, size, index: names.length });
      total += size;
      if (total > maxBytes)
        throw new TarError(`the archive holds more than ${maxBytes} bytes, the most Portico extracts`);
      const target = path.join(dir, name);
      await mkdir(path.dirname(target), { recursive: true });
      current = { name, handle: await open(target, "w", 0o600) };
      names.push(name);
      let remaining = size;
      for await (const chunk of entry) {
        await current.handle.write(chunk as Buffer);
        remaining -= (chunk as Buffer).length;
      }
      await current.handle.close();
      if (remaining !== 0) throw new TarError(`the archive is truncated inside ${name}`);
      current = null;
    }
  } catch (error) {
    parser.destroy();
    await feed;
    const explained = explain(error as Error);
    if (current && /truncated/.test(explained.message))
      throw new TarError(`the archive is truncated inside ${current.name}`);
    throw explained;
  } finally {
    await current?.handle.close().catch(() => {});
  }
  await feed;
  // The marker may have been fed before the last entry was announced: look for it once more.
  if (!ended && !tail.zeroBlockAt(next)) throw new TarError("the archive is truncated: no end-of-archive marker");
  return names;
}
