import { readdir, readFile } from "node:fs/promises";

/**
 * Where a process's threads spent a phase, from the kernel's scheduler statistics
 * (/proc/<pid>/task/<tid>/schedstat: time on a CPU, time runnable but waiting for one, and how
 * many times it ran). A request answered late by a server whose handler took no time waited
 * before the handler ran: for its event loop (the main thread on a CPU doing something else) or
 * for the CPU itself (the thread runnable, the CPU given to another thread or process). These
 * readings tell the two apart. Linux only; elsewhere the readings are empty.
 */
export interface ThreadTime {
  name: string;
  /** On a CPU, in ms. */
  ranMs: number;
  /** Runnable, waiting for a CPU, in ms. */
  waitedMs: number;
  /** Times it was put on a CPU. */
  slices: number;
}

/** The threads of `pid` by thread id, as they stand now. */
export async function threadTimes(pid: number): Promise<Map<number, ThreadTime>> {
  const found = new Map<number, ThreadTime>();
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  for (const tid of tasks) {
    const [name, stat] = await Promise.all([
      readFile(`/proc/${pid}/task/${tid}/comm`, "utf8").catch(() => ""),
      readFile(`/proc/${pid}/task/${tid}/schedstat`, "utf8").catch(() => ""),
    ]);
    // A thread may end while the list is read; it is then left out.
    if (!stat) continue;
    const [ran = 0, waited = 0, slices = 0] = stat.trim().split(" ").map(Number);
    found.set(Number(tid), { name: name.trim(), ranMs: ran / 1e6, waitedMs: waited / 1e6, slices });
  }
  return found;
}

/**
 * What each kind of thread did between two readings, threads of the same name summed (V8's and
 * libuv's helpers), the busiest first; a thread started in between counts from zero.
 */
export function threadTimesBetween(from: Map<number, ThreadTime>, to: Map<number, ThreadTime>): ThreadTime[] {
  const byName = new Map<string, ThreadTime>();
  for (const [tid, now] of to) {
    const then = from.get(tid);
    const sum = byName.get(now.name) ?? { name: now.name, ranMs: 0, waitedMs: 0, slices: 0 };
    sum.ranMs += now.ranMs - (then?.ranMs ?? 0);
    sum.waitedMs += now.waitedMs - (then?.waitedMs ?? 0);
    sum.slices += now.slices - (then?.slices ?? 0);
    byName.set(now.name, sum);
  }
  return [...byName.values()].sort((a, b) => b.ranMs + b.waitedMs - (a.ranMs + a.waitedMs));
}

/** One line: each kind of thread that ran or waited at least `minMs`, in whole ms. */
export function describeThreadTimes(times: ThreadTime[], minMs = 5): string {
  const shown = times.filter((t) => t.ranMs >= minMs || t.waitedMs >= minMs);
  if (shown.length === 0) return "no thread readings (not Linux)";
  return shown
    .map((t) => `${t.name} ran ${t.ranMs.toFixed(0)} ms, waited for a CPU ${t.waitedMs.toFixed(0)} ms`)
    .join("; ");
}

/** CPU time so far, in ms, of every thread of `pids`: differences of two readings give a phase's. */
export async function cpuMsOf(pids: number[]): Promise<number> {
  let ms = 0;
  for (const pid of pids) for (const t of (await threadTimes(pid)).values()) ms += t.ranMs;
  return ms;
}

/** Processes whose name matches `pattern` (the kernel's own threads included), by pid. */
export async function processesNamed(pattern: RegExp): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const name = await readFile(`/proc/${entry}/comm`, "utf8").catch(() => "");
    if (pattern.test(name.trim())) found.push(Number(entry));
  }
  return found;
}
