/**
 * The load generator in a process of its own, for the tail latency figures: in the bench's
 * process its pauses (the garbage of hundreds of thousands of bodies, and of everything else
 * the bench holds) would show as the server's p99. The child gets what to send as data, uniform
 * over `hosts`, and checks each body names its own host's tenant (`expect[i]` for `hosts[i]`).
 *
 * It runs at a higher scheduling priority than PostgreSQL, with which it shares a CPU when the
 * web server has one of its own (bench/cpus.ts): waiting behind the database's work (its
 * backends, autovacuum workers visiting the tenant databases) would be the load generator's
 * delay, not the server's. Without the right to raise it (not root) it runs as it is and says so.
 *
 * Run as a script, it reads one plan as JSON on stdin and writes its LoadResult as JSON.
 */
import { spawn } from "node:child_process";
import os from "node:os";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import type { LoadResult } from "./load.ts";
import { rateLoad, rawLoad } from "./raw-load.ts";

export interface ApartPlan {
  port: number;
  path: string;
  /** Closed loop: this many connections, back to back (bench/raw-load.ts). */
  concurrency: number;
  /** Open loop instead: this many requests a second, on up to `concurrency` connections. */
  rate?: number;
  /** Open loop: the same traffic first for this long, not counted (bench/raw-load.ts). */
  warmupMs?: number;
  durationMs: number;
  hosts: string[];
  /** What the body of a page of hosts[i] must contain. */
  expect: string[];
}

/** What the load process itself paused for while it measured: a tail it caused is not the server's. */
export interface LoadProcessPauses {
  /** Share of one CPU the load process used. */
  busy: number;
  collections: number;
  collectionMs: number;
  /** Its event loop's longest delay and 99th percentile (1 ms resolution). */
  loopDelayMaxMs: number;
  loopDelayP99Ms: number;
  /** Its nice value (lower runs first), or why it could not be raised. */
  priority: number | string;
}

/** The load process's nice value: ahead of PostgreSQL (0) on a shared CPU. */
const LOAD_NICE = -10;

export async function loadApart(
  plan: ApartPlan,
): Promise<LoadResult & { loadProcess: LoadProcessPauses; connections?: number }> {
  if (plan.hosts.length === 0 || plan.hosts.length !== plan.expect.length)
    throw new Error("loadApart: one expected text per host");
  const child = spawn(
    process.execPath,
    ["--max-semi-space-size=64", "--import", "tsx", fileURLToPath(import.meta.url)],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  let refused: string | null = null;
  try {
    os.setPriority(child.pid!, LOAD_NICE);
  } catch (error) {
    refused = `default (raising it was refused: ${(error as Error).message})`;
  }
  const out: Buffer[] = [];
  child.stdout.on("data", (c: Buffer) => out.push(c));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  child.stdin.end(JSON.stringify(plan));
  const code = await exited;
  if (code !== 0) throw new Error(`the load process exited with ${code}`);
  const result = JSON.parse(Buffer.concat(out).toString("utf8")) as LoadResult & {
    loadProcess: LoadProcessPauses;
    connections?: number;
  };
  // The child reports the nice value it ran at; if raising it was refused, say why instead.
  if (refused) result.loadProcess.priority = refused;
  return result;
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const plan = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ApartPlan;
  const delay = monitorEventLoopDelay({ resolution: 1 });
  let collections = 0;
  let collectionMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      collections++;
      collectionMs += entry.duration;
    }
  });
  // What the load process paused for while it measured, so not in an open loop's warm-up.
  let cpu0 = process.cpuUsage();
  let t0 = performance.now();
  const measure = () => {
    observer.observe({ entryTypes: ["gc"] });
    delay.enable();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
  };
  const warmup = plan.rate ? (plan.warmupMs ?? 0) : 0;
  if (warmup > 0) setTimeout(measure, warmup);
  else measure();
  const needles = new Map(plan.hosts.map((h, i) => [h, Buffer.from(plan.expect[i]!, "utf8")]));
  const common = {
    port: plan.port,
    path: plan.path,
    durationMs: plan.durationMs,
    pickHost: () => plan.hosts[Math.floor(Math.random() * plan.hosts.length)]!,
    expect: (host: string) => needles.get(host)!,
  };
  const result = plan.rate
    ? await rateLoad({ ...common, rate: plan.rate, maxConnections: plan.concurrency, warmupMs: plan.warmupMs })
    : await rawLoad({ ...common, concurrency: plan.concurrency });
  const cpu = process.cpuUsage(cpu0);
  const elapsed = performance.now() - t0;
  delay.disable();
  observer.disconnect();
  const loadProcess: LoadProcessPauses = {
    busy: (cpu.user + cpu.system) / 1000 / elapsed,
    collections,
    collectionMs,
    loopDelayMaxMs: delay.max / 1e6,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    priority: os.getPriority(),
  };
  process.stdout.write(JSON.stringify({ ...result, loadProcess }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
