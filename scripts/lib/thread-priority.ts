import { readlinkSync } from "node:fs";
import os from "node:os";

/**
 * How much lower than the main thread the render thread runs (docs/decisions/064): a nice value
 * added to its own. At 10 the kernel gives the main thread about nine tenths of a CPU the two
 * contend for, and runs the renders whenever the main thread waits.
 */
export const RENDER_THREAD_NICENESS = 10;

/**
 * The calling thread's own id on Linux, read from `/proc/thread-self` (a link to
 * `/proc/<pid>/task/<tid>`), or null on a system without it.
 */
export function ownThreadId(): number | null {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

export type Lowered = { thread: number; from: number; to: number } | { thread: null; reason: string };

/**
 * Lowers the scheduling priority of the calling thread alone by `by` (a nice value, capped at
 * 19). On Linux the nice value belongs to a thread, not to its process, so the other threads keep
 * theirs; any user may lower their own priority. Says why when it cannot.
 */
export function lowerOwnThreadPriority(by: number): Lowered {
  const thread = ownThreadId();
  if (thread === null) return { thread: null, reason: "this system has no /proc/thread-self" };
  try {
    const from = os.getPriority(thread);
    const to = Math.min(19, from + by);
    os.setPriority(thread, to);
    return { thread, from, to: os.getPriority(thread) };
  } catch (error) {
    return { thread: null, reason: error instanceof Error ? error.message : String(error) };
  }
}
