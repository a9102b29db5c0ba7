/**
 * A lean closed-loop HTTP/1.1 load generator for the tail latency figures: `concurrency`
 * keep-alive connections, each sending a GET as soon as its previous response ended, parsed
 * straight from the socket's bytes (Content-Length or chunked bodies). Node's HTTP client costs
 * more CPU per request than a cached page costs the server, so with it the generator, not the
 * server, set the pace and its own pauses (objects per request, their garbage) showed as the
 * server's p99. Loopback only; every body is checked for `expect(host)` as it streams in.
 */
import net from "node:net";
import { summarise, type LoadResult } from "./load.ts";

export interface RawLoadOptions {
  port: number;
  path: string;
  concurrency: number;
  durationMs: number;
  pickHost: () => string;
  /** Bytes each body of `host` must contain. */
  expect: (host: string) => Buffer;
}

const HEAD_END = Buffer.from("\r\n\r\n");
const CRLF = Buffer.from("\r\n");

/** One response being read: its head, then its body in Content-Length or chunked framing. */
class ResponseReader {
  private head: Buffer | null = Buffer.alloc(0);
  status = 0;
  private remaining = 0;
  private chunked = false;
  /** Chunked: where the reader is, and a line of framing not yet complete. */
  private state: "size" | "data" | "data-end" | "trailer" = "size";
  private frame: Buffer = Buffer.alloc(0);
  private inChunk = 0;
  private carry: Buffer | null = null;
  found = false;
  done = false;

  constructor(private readonly needle: Buffer) {}

  /** Feeds bytes; returns what is left over after the response ended (null while it goes on). */
  feed(data: Buffer): Buffer | null {
    if (this.head) {
      const all = this.head.length ? Buffer.concat([this.head, data]) : data;
      const end = all.indexOf(HEAD_END);
      if (end < 0) {
        this.head = Buffer.from(all);
        return null;
      }
      const text = all.subarray(0, end).toString("latin1");
      this.head = null;
      this.status = Number(text.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text);
      this.chunked = !length && /\r\ntransfer-encoding:\s*chunked/i.test(text);
      this.remaining = length ? Number(length[1]) : 0;
      data = all.subarray(end + 4);
      if (!this.chunked && this.remaining === 0) return this.finish(data);
    }
    return this.chunked ? this.feedChunked(data) : this.feedLength(data);
  }

  private feedLength(data: Buffer): Buffer | null {
    const take = Math.min(this.remaining, data.length);
    this.search(data.subarray(0, take));
    this.remaining -= take;
    return this.remaining === 0 ? this.finish(data.subarray(take)) : null;
  }

  private feedChunked(data: Buffer): Buffer | null {
    let at = 0;
    while (at < data.length) {
      if (this.state === "data") {
        const take = Math.min(this.inChunk, data.length - at);
        this.search(data.subarray(at, at + take));
        this.inChunk -= take;
        at += take;
        if (this.inChunk === 0) this.state = "data-end";
        continue;
      }
      // A line of framing: a chunk's size, the CRLF after its data, or a trailer line.
      const rest = this.frame.length ? Buffer.concat([this.frame, data.subarray(at)]) : data.subarray(at);
      const eol = rest.indexOf(CRLF);
      if (eol < 0) {
        this.frame = Buffer.from(rest);
        return null;
      }
      const line = rest.subarray(0, eol).toString("latin1");
      at += eol + 2 - this.frame.length;
      this.frame = Buffer.alloc(0);
      if (this.state === "data-end") this.state = "size";
      else if (this.state === "trailer") {
        if (line === "") return this.finish(data.subarray(at));
      } else {
        this.inChunk = parseInt(line, 16);
        this.state = this.inChunk === 0 ? "trailer" : "data";
      }
    }
    return null;
  }

  /**
   * Looks for the needle in `piece` where it lies, and across the boundary with the bytes kept
   * from the piece before (at most the needle's length less one): no copy of a whole piece, so
   * the generator's own garbage, and its pauses, stay small.
   */
  private search(piece: Buffer): void {
    if (this.found || piece.length === 0) return;
    const n = this.needle.length;
    if (this.carry && this.carry.length > 0) {
      const seam = Buffer.concat([this.carry, piece.subarray(0, n - 1)]);
      if (seam.includes(this.needle)) return void (this.found = true);
    }
    if (piece.includes(this.needle)) return void (this.found = true);
    const keep = Math.min(n - 1, piece.length);
    const tail = piece.subarray(piece.length - keep);
    // A piece shorter than the needle extends what was kept before it.
    this.carry = keep < n - 1 && this.carry ? Buffer.concat([this.carry, tail]).subarray(-(n - 1)) : Buffer.from(tail);
  }

  private finish(rest: Buffer): Buffer {
    this.done = true;
    return rest;
  }
}

export async function rawLoad(options: RawLoadOptions): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + options.durationMs;
  const started = performance.now();

  const worker = () =>
    new Promise<void>((resolve) => {
      let socket: net.Socket | null = null;
      let reader: ResponseReader | null = null;
      let host = "";
      let t0 = 0;
      const readBuffer = Buffer.allocUnsafe(64 * 1024);
      const connect = () => {
        // Reads land in one buffer per connection, reused: a fresh buffer per read is memory
        // outside V8's heap, and at thousands of pages a second it set off full collections
        // whose pauses (up to 19 ms) showed as the server's p99. The reader copies what it keeps.
        socket = net.connect({
          host: "127.0.0.1",
          port: options.port,
          noDelay: true,
          onread: {
            buffer: readBuffer,
            callback: (n) => {
              onData(readBuffer.subarray(0, n));
              return true;
            },
          },
        });
        socket.on("error", () => {});
        socket.on("close", () => {
          if (reader && !reader.done) {
            errors++;
            reader = null;
            if (performance.now() < deadline) {
              connect();
              send();
            } else resolve();
          }
        });
      };
      const send = () => {
        if (performance.now() >= deadline) {
          socket?.destroy();
          return resolve();
        }
        host = options.pickHost();
        reader = new ResponseReader(options.expect(host));
        t0 = performance.now();
        socket!.write(`GET ${options.path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\n\r\n`);
      };
      const onData = (data: Buffer) => {
        if (!reader) return;
        const rest = reader.feed(data);
        if (rest === null) return;
        latencies.push(performance.now() - t0);
        statuses[reader.status] = (statuses[reader.status] ?? 0) + 1;
        if (reader.status !== 200 || !reader.found) errors++;
        if (rest.length > 0) errors++; // bytes after a response we did not ask for
        send();
      };
      connect();
      send();
    });

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - started;
  return summarise(latencies, errors, statuses, elapsed);
}
