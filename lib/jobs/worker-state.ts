import { readFile, rename, writeFile } from "node:fs/promises";

/**
 * How the worker tells /readyz about itself. The worker runs in the process that starts the web
 * server (scripts/dev.ts), /readyz is answered in the web server's own process: the worker writes
 * its state to a file named in PORTICO_WORKER_STATE_FILE every few seconds, /readyz reads it. No
 * server-only import: the web server reads it outside Next.js's build.
 */
export interface WorkerState {
  /** Why the worker takes no jobs, or null when it does. */
  problem: string | null;
  /** When it was written (ms since the epoch). */
  at: number;
  /**
   * The worker's cumulative mail counts (portico_mail_messages_total by label set): the worker
   * sends the mail, the web server's /metrics reports it.
   */
  mail?: Array<{ labels: Record<string, string | number>; value: number }>;
}

/** A state older than this means the worker's process has stopped reporting. */
export const WORKER_STATE_STALE_MS = 20_000;

export async function writeWorkerState(
  file: string,
  problem: string | null,
  now = Date.now(),
  mail?: WorkerState["mail"],
): Promise<void> {
  const next = `${file}.next`;
  await writeFile(next, JSON.stringify({ problem, at: now, ...(mail ? { mail } : {}) } satisfies WorkerState), {
    mode: 0o600,
  });
  await rename(next, file);
}

/** The worker's state as written, or null when it cannot be read. */
export async function readWorkerState(file: string): Promise<WorkerState | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as WorkerState;
  } catch {
    return null;
  }
}

/** The worker's problem as /readyz says it, or null when it takes jobs. */
export async function workerProblem(file: string, now = Date.now()): Promise<string | null> {
  let state: WorkerState;
  try {
    state = JSON.parse(await readFile(file, "utf8")) as WorkerState;
  } catch {
    return "the job worker of this instance has not reported yet";
  }
  const age = now - state.at;
  if (age > WORKER_STATE_STALE_MS)
    return `the job worker of this instance has not reported for ${Math.round(age / 1000)} s; its process may be stuck`;
  if (state.problem === "starting") return "the job worker of this instance is starting";
  return state.problem;
}
