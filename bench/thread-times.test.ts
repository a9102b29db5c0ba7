import { describe, expect, it } from "vitest";
import {
  cpuMsOf,
  describeThreadTimes,
  processesNamed,
  threadTimes,
  threadTimesBetween,
  type ThreadTime,
} from "./thread-times.ts";

const reading = (entries: [number, ThreadTime][]) => new Map(entries);
const t = (name: string, ranMs: number, waitedMs: number, slices: number): ThreadTime => ({
  name,
  ranMs,
  waitedMs,
  slices,
});

describe("threadTimesBetween", () => {
  it("subtracts each thread's earlier reading and sums the threads of one name, busiest first", () => {
    const from = reading([
      [1, t("MainThread", 100, 50, 10)],
      [2, t("V8Worker", 10, 5, 3)],
      [3, t("V8Worker", 20, 5, 4)],
    ]);
    const to = reading([
      [1, t("MainThread", 400, 250, 110)],
      [2, t("V8Worker", 30, 15, 8)],
      [3, t("V8Worker", 50, 25, 10)],
      // Started between the readings: all of it counts.
      [4, t("WorkerThread", 700, 900, 50)],
    ]);
    expect(threadTimesBetween(from, to)).toEqual([
      t("WorkerThread", 700, 900, 50),
      t("MainThread", 300, 200, 100),
      t("V8Worker", 50, 30, 11),
    ]);
  });

  it("says what each kind did, and leaves out what barely ran", () => {
    const line = describeThreadTimes([t("MainThread", 300, 200, 100), t("libuv-worker", 2, 1, 40)]);
    expect(line).toBe("MainThread ran 300 ms, waited for a CPU 200 ms");
    expect(describeThreadTimes([])).toMatch(/no thread readings/);
  });
});

describe("threadTimes", () => {
  it.runIf(process.platform === "linux")("reads this process's own threads from /proc", async () => {
    // This thread's id: a test may run on a worker thread, not the process's main one.
    const tid = Number((await import("node:fs")).readlinkSync("/proc/thread-self").split("/").pop());
    const before = await threadTimes(process.pid);
    // Some work on this thread, so its time on a CPU grows.
    let x = 0;
    for (let i = 0; i < 5e6; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const after = await threadTimes(process.pid);
    const own = after.get(tid);
    expect(own).toBeDefined();
    expect(own!.ranMs).toBeGreaterThan(before.get(tid)!.ranMs);
    // The control: a process that is not there reads as none.
    expect((await threadTimes(2 ** 22 + 1)).size).toBe(0);
    // All its threads together have run at least as long as this one.
    expect(await cpuMsOf([process.pid])).toBeGreaterThanOrEqual(own!.ranMs);
    expect(await cpuMsOf([])).toBe(0);
  });

  it.runIf(process.platform === "linux")("finds processes by name, and none for a name no process has", async () => {
    const name = (await import("node:fs")).readFileSync(`/proc/${process.pid}/comm`, "utf8").trim();
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(await processesNamed(new RegExp(`^${escaped}$`))).toContain(process.pid);
    expect(await processesNamed(/^no-such-process-name-here$/)).toEqual([]);
  });
});
