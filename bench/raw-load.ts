/**
 * Lean HTTP/1.1 load generators for the tail latency figures, over keep-alive connections whose
 * responses are parsed straight from the socket's bytes (Content-Length or chunked bodies).
 * Node's HTTP client costs more CPU per request than a cached page costs the server, so with it
 * the generator, not the server, set the pace and its own pauses (objects per request, their
 * garbage) showed as the server's p99. Loopback only; every body is checked for `expect(host)`
 * as it streams in.
 *
 * - `rawLoad`, closed loop: `concurrency` connections, each sending a GET as soon as its previous
 *   response ended. The server's throughput at saturation.
 * - `rateLoad`, open loop: GETs at a fixed rate whatever the server does, each timed from when it
 *   was due, not from when it could be sent, so a pause of the server counts in full for every
 *   request that fell in it (no coordinated omission). The latency visitors see at that rate.
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

/** What became of one request on a connection. */
type Outcome = { ok: true; status: number; found: boolean; trailing: boolean; since: number } | { ok: false };

/**
 * One keep-alive connection carrying one request at a time. A connection the server closed under
 * a request settles it as failed; the next `send` opens a new one.
 */
class Connection {
  private socket: net.Socket | null = null;
  private reader: ResponseReader | null = null;
  private since = 0;
  // Reads land in one buffer per connection, reused: a fresh buffer per read is memory outside
  // V8's heap, and at thousands of pages a second it set off full collections whose pauses (up
  // to 19 ms) showed as the server's p99. The reader copies what it keeps.
  private readonly readBuffer = Buffer.allocUnsafe(64 * 1024);

  constructor(
    private readonly port: number,
    private readonly settled: (outcome: Outcome) => void,
  ) {}

  /** Sends a GET; `since` is when the request counts from. */
  send(path: string, host: string, needle: Buffer, since: number): void {
    this.socket ??= this.connect();
    this.reader = new ResponseReader(needle);
    this.since = since;
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: text/html\r\n\r\n`);
  }

  close(): void {
    this.socket?.destroy();
  }

  private connect(): net.Socket {
    const socket = net.connect({
      host: "127.0.0.1",
      port: this.port,
      noDelay: true,
      onread: {
        buffer: this.readBuffer,
        callback: (n) => {
          this.onData(this.readBuffer.subarray(0, n));
          return true;
        },
      },
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.reader && !this.reader.done) {
        this.reader = null;
        this.settled({ ok: false });
      }
    });
    return socket;
  }

  private onData(data: Buffer): void {
    const reader = this.reader;
    if (!reader) return;
    const rest = reader.feed(data);
    if (rest === null) return;
    this.reader = null;
    this.settled({
      ok: true,
      status: reader.status,
      found: reader.found,
      trailing: rest.length > 0,
      since: this.since,
    });
  }
}

/** Latencies, failures and statuses as responses settle. */
class Tally {
  readonly latencies: number[] = [];
  errors = 0;
  readonly statuses: Record<number, number> = {};

  add(outcome: Outcome): void {
    if (!outcome.ok) return void this.errors++;
    this.latencies.push(performance.now() - outcome.since);
    this.statuses[outcome.status] = (this.statuses[outcome.status] ?? 0) + 1;
    if (outcome.status !== 200 || !outcome.found) this.errors++;
    if (outcome.trailing) this.errors++; // bytes after a response we did not ask for
  }
}

export async function rawLoad(options: RawLoadOptions): Promise<LoadResult> {
  const tally = new Tally();
  const deadline = performance.now() + options.durationMs;
  const started = performance.now();

  const worker = () =>
    new Promise<void>((resolve) => {
      const next = () => {
        if (performance.now() >= deadline) {
          connection.close();
          return resolve();
        }
        const host = options.pickHost();
        connection.send(options.path, host, options.expect(host), performance.now());
      };
      const connection = new Connection(options.port, (outcome) => {
        tally.add(outcome);
        next();
      });
      next();
    });

  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsed = performance.now() - started;
  return summarise(tally.latencies, tally.errors, tally.statuses, elapsed);
}

export interface RateLoadOptions extends Omit<RawLoadOptions, "concurrency"> {
  /** Requests a second, evenly spaced. */
  rate: number;
  /** Connections open at most; a request due while all are busy waits, its time counting. */
  maxConnections: number;
  /**
   * The same traffic first for this long, not counted (default 0): the generator's code compiled
   * and its connections open before the measure starts, as wrk2 calibrates before it records.
   */
  warmupMs?: number;
}

/** How long after its last request was due the open loop waits for the answers still owed. */
const SETTLE_MS = 10_000;

/**
 * The open loop: `rate × durationMs` requests, the i-th due at i ÷ rate, each timed from when it
 * was due, after `warmupMs` of the same traffic that is sent and answered but not counted. A
 * request still unanswered `SETTLE_MS` after the last was due counts as failed. `connections`
 * says how many it needed at once.
 */
export async function rateLoad(options: RateLoadOptions): Promise<LoadResult & { connections: number }> {
  if (!(options.rate > 0) || !(options.maxConnections >= 1)) throw new Error("rateLoad: a rate and a connection");
  const tally = new Tally();
  const interval = 1000 / options.rate;
  const warmup = Math.floor((options.warmupMs ?? 0) / interval);
  const total = warmup + Math.max(1, Math.floor(options.durationMs / interval));
  const connections: Connection[] = [];
  const idle: Connection[] = [];
  const waiting: number[] = []; // when each request waiting for a connection was due
  let sent = 0;
  let settled = 0;
  const started = performance.now();
  const measureFrom = started + warmup * interval;

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      clearTimeout(giveUp);
      for (const c of connections) c.close();
      tally.errors += total - settled; // never answered
      resolve({
        ...summarise(tally.latencies, tally.errors, tally.statuses, performance.now() - measureFrom),
        connections: connections.length,
      });
    };
    const giveUp = setTimeout(finish, options.durationMs + SETTLE_MS);
    const sendOn = (connection: Connection, due: number) => {
      const host = options.pickHost();
      connection.send(options.path, host, options.expect(host), due);
    };
    const open = () => {
      const connection: Connection = new Connection(options.port, (outcome) => {
        // A failure carries no due time: it counts wherever it fell, warm-up or not.
        if (!outcome.ok || outcome.since >= measureFrom) tally.add(outcome);
        settled++;
        if (settled === total) return finish();
        const due = waiting.shift();
        if (due === undefined) idle.push(connection);
        else sendOn(connection, due);
      });
      connections.push(connection);
      return connection;
    };
    const dispatch = (due: number) => {
      const connection = idle.pop() ?? (connections.length < options.maxConnections ? open() : null);
      if (connection) sendOn(connection, due);
      else waiting.push(due);
    };
    const tick = () => {
      timer = null;
      const now = performance.now();
      // Every request due by now goes now, however late the timer fired: lateness is counted.
      while (sent < total && started + sent * interval <= now) dispatch(started + sent++ * interval);
      if (sent < total) timer = setTimeout(tick, Math.max(0, started + sent * interval - performance.now()));
    };
    tick();
  });
}
