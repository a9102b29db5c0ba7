import { closeSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { port } from "./hosts.ts";

/**
 * The TXT records the e2e server's own DNS server answers (scripts/e2e-server.ts starts it, a real
 * dns2 server on a loopback port, and points the app's PORTICO_DNS_SERVERS at it). It reads this
 * JSON file on every question: `{ "<name>": [["<TXT value>", …], …] }`; a name not in it is
 * NXDOMAIN. Tests run in parallel workers, so each change is a read-merge-write under a lock file.
 */
const file = path.join(os.tmpdir(), `portico-e2e-${port}-dns.json`);
const lock = `${file}.lock`;

function withLock(fn: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const attempt = () => {
      let fd: number;
      try {
        fd = openSync(lock, "wx");
      } catch (error) {
        if ((error as { code?: string }).code !== "EEXIST") return reject(error as Error);
        // A lock older than a few seconds is a crashed writer's: take it over.
        if (Date.now() - started > 5_000) rmSync(lock, { force: true });
        return void setTimeout(attempt, 20);
      }
      try {
        fn();
        resolve();
      } catch (error) {
        reject(error as Error);
      } finally {
        closeSync(fd);
        rmSync(lock, { force: true });
      }
    };
    attempt();
  });
}

/** Publishes `name`'s TXT records (each record as its strings), replacing any it had. */
export function publishTxt(name: string, ...records: string[][]): Promise<void> {
  return withLock(() => {
    let all: Record<string, string[][]> = {};
    try {
      all = JSON.parse(readFileSync(file, "utf8")) as Record<string, string[][]>;
    } catch {
      // No file yet, or the server has not written it: start from nothing.
    }
    all[name.toLowerCase()] = records;
    const next = `${file}.${process.pid}.tmp`;
    writeFileSync(next, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(next, file); // the server never reads half a file
  });
}
