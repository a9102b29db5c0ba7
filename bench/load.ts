import http from "node:http";

export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Responses by status code. */
  statuses: Record<number, number>;
}

/**
 * A closed-loop HTTP load generator over keep-alive connections: `concurrency` workers send
 * requests back to back for `durationMs`, each to the Host `pickHost()` returns. Loopback only.
 * `check` sees every body, so a response carrying the wrong tenant counts as an error.
 */
export async function load(options: {
  port: number;
  path: string;
  concurrency: number;
  durationMs: number;
  pickHost: () => string;
  /** The path of each request (default: `path`). */
  pickPath?: () => string;
  /** Request headers beside Host (a session cookie). */
  headers?: Record<string, string>;
  check?: (host: string, status: number, body: string) => boolean;
  /**
   * Bytes each body of `host` must contain, searched chunk by chunk (across chunk boundaries)
   * without making a string of every page: the lighter check, where the client's own work
   * would show in the latencies.
   */
  expect?: (host: string) => Buffer;
  /** Stops early once this returns true. */
  until?: () => boolean;
}): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + options.durationMs;
  const one = (host: string) =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const req = http.request(
        {
          host: "127.0.0.1",
          port: options.port,
          path: options.pickPath?.() ?? options.path,
          agent,
          headers: { ...options.headers, host },
        },
        (res) => {
          const chunks: Buffer[] = [];
          const needle = options.expect?.(host);
          let found = false;
          let carry: Buffer | null = null;
          res.on("data", (c: Buffer) => {
            if (!needle) return void chunks.push(c);
            if (found) return;
            const hay: Buffer = carry ? Buffer.concat([carry, c]) : c;
            found = hay.includes(needle);
            carry = hay.subarray(Math.max(0, hay.length - needle.length + 1));
          });
          res.on("end", () => {
            latencies.push(performance.now() - t0);
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            const ok =
              res.statusCode === 200 &&
              (!needle || found) &&
              (options.check?.(host, res.statusCode, Buffer.concat(chunks).toString("utf8")) ?? true);
            if (!ok) errors += 1;
            resolve();
          });
        },
      );
      req.on("error", () => {
        errors += 1;
        resolve();
      });
      req.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (performance.now() < deadline && !options.until?.()) await one(options.pickHost());
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  return summarise(latencies, errors, statuses, elapsed);
}

/** A load's result from its latencies (ms, in any order), over `elapsedMs`. */
export function summarise(
  latencies: number[],
  errors: number,
  statuses: Record<number, number>,
  elapsedMs: number,
): LoadResult {
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return {
    requests: latencies.length,
    errors,
    rps: (latencies.length / elapsedMs) * 1000,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    statuses,
  };
}
