/**
 * The load generator in a process of its own, for the tail latency figures: in the bench's
 * process its pauses (the garbage of hundreds of thousands of bodies, and of everything else
 * the bench holds) would show as the server's p99. The child gets what to send as data, uniform
 * over `hosts`, and checks each body names its own host's tenant (`expect[i]` for `hosts[i]`).
 *
 * Run as a script, it reads one plan as JSON on stdin and writes its LoadResult as JSON.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import http from "node:http";
import type { LoadResult } from "./load.ts";

export interface ApartPlan {
  port: number;
  path: string;
  concurrency: number;
  durationMs: number;
  hosts: string[];
  /** What the body of a page of hosts[i] must contain. */
  expect: string[];
}

export async function loadApart(plan: ApartPlan): Promise<LoadResult> {
  if (plan.hosts.length === 0 || plan.hosts.length !== plan.expect.length)
    throw new Error("loadApart: one expected text per host");
  const child = spawn(
    process.execPath,
    ["--max-semi-space-size=64", "--import", "tsx", fileURLToPath(import.meta.url)],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const out: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  child.stdin.end(JSON.stringify(plan));
  const code = await exited;
  if (code !== 0) throw new Error(`the load process exited with ${code}`);
  return JSON.parse(Buffer.concat(out).toString("utf8")) as LoadResult;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ApartPlan;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await leanLoad(plan);
  const cpu = process.cpuUsage(cpu0);
  if (process.env.BENCH_DEBUG)
    console.error(
      `[load process] busy ${((cpu.user + cpu.system) / 1000 / (performance.now() - t0)).toFixed(2)} of a CPU`,
    );
  process.stdout.write(JSON.stringify(result));
}

/**
 * load() made light, so the client is not what the tail measures: each body is searched for its
 * expected text chunk by chunk, as bytes (no string of every page), across chunk boundaries.
 */
async function leanLoad(plan: ApartPlan): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const needles = plan.expect.map((e) => Buffer.from(e, "utf8"));
  const latencies = new Float64Array(1 << 22);
  let count = 0;
  let errors = 0;
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + plan.durationMs;
  const one = (i: number) =>
    new Promise<void>((resolve) => {
      const needle = needles[i]!;
      const t0 = performance.now();
      const req = http.request(
        { host: "127.0.0.1", port: plan.port, path: plan.path, agent, headers: { host: plan.hosts[i]! } },
        (res) => {
          let found = false;
          let carry: Buffer | null = null;
          res.on("data", (c: Buffer) => {
            if (found) return;
            const hay: Buffer = carry ? Buffer.concat([carry, c]) : c;
            found = hay.includes(needle);
            carry = hay.subarray(Math.max(0, hay.length - needle.length + 1));
          });
          res.on("end", () => {
            if (count < latencies.length) latencies[count++] = performance.now() - t0;
            statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
            if (res.statusCode !== 200 || !found) errors += 1;
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
    Array.from({ length: plan.concurrency }, async () => {
      while (performance.now() < deadline) await one(Math.floor(Math.random() * plan.hosts.length));
    }),
  );
  const elapsed = performance.now() - started;
  agent.destroy();
  const sorted = latencies.subarray(0, count).sort();
  const at = (q: number) => sorted[Math.min(count - 1, Math.floor(q * count))] ?? 0;
  return {
    requests: count,
    errors,
    rps: (count / elapsed) * 1000,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    p99Ms: at(0.99),
    statuses,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
