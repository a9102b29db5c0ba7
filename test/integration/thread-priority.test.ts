import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { ownThreadId, type Lowered } from "../../scripts/lib/thread-priority.ts";

/**
 * The render thread lowers its own priority and no other thread's (docs/decisions/064), read
 * back from the kernel's own account of each thread (/proc/<pid>/task/<tid>/stat).
 */
function niceOf(thread: number): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${thread}/stat`, "utf8");
  // After the name (which may hold spaces): state is field 3, nice field 19.
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
}

/** A worker thread that lowers its own priority by `by`, then waits until told to end. */
async function loweringThread(by: number): Promise<{ lowered: Lowered; end: () => Promise<number> }> {
  const helper = new URL("../../scripts/lib/thread-priority.ts", import.meta.url).href;
  const worker = new Worker(
    `const { parentPort, workerData } = require("node:worker_threads");
     import(workerData.helper).then((m) => parentPort.postMessage(m.lowerOwnThreadPriority(workerData.by)));
     parentPort.on("message", () => process.exit(0));`,
    { eval: true, workerData: { helper, by }, execArgv: ["--import", "tsx"] },
  );
  const lowered = await new Promise<Lowered>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    lowered,
    end: () => {
      worker.postMessage("end");
      return new Promise((resolve) => worker.once("exit", resolve));
    },
  };
}

describe("the render thread's priority", () => {
  it("is lowered for that thread alone", async () => {
    const main = ownThreadId();
    expect(main).not.toBeNull();
    const mainBefore = niceOf(main!);
    const { lowered, end } = await loweringThread(5);
    try {
      if (lowered.thread === null) throw new Error(`not lowered: ${lowered.reason}`);
      expect(lowered.thread).not.toBe(main);
      expect(lowered.from).toBe(mainBefore);
      expect(lowered.to).toBe(Math.min(19, mainBefore + 5));
      expect(niceOf(lowered.thread)).toBe(lowered.to);
      // The control: the thread that started it keeps its own.
      expect(niceOf(main!)).toBe(mainBefore);
    } finally {
      await end();
    }
  });

  it("stops at 19, the lowest there is", async () => {
    const { lowered, end } = await loweringThread(40);
    try {
      if (lowered.thread === null) throw new Error(`not lowered: ${lowered.reason}`);
      expect(lowered.to).toBe(19);
      expect(niceOf(lowered.thread)).toBe(19);
    } finally {
      await end();
    }
  });
});
