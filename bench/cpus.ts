import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import os from "node:os";

/**
 * Where the throughput phases run. The benchmark puts PostgreSQL, the web server and the load
 * generator on one machine. On two cores, PostgreSQL's backends (a new one per tenant
 * connection, and a wake-up of an idle one per query on a spread fleet) preempt the web server's
 * single JavaScript thread, and that cost was charged to Portico's throughput: traffic spread
 * over many tenants raised the web server's CPU per request far more on shared cores than with
 * the web server on a core of its own (docs/benchmarks.md, "Measurements behind decisions"). A
 * deployment gives PostgreSQL its own machine, so the gated phases give the web server CPU 0 and everything
 * else the other CPUs; the same rounds are then repeated on shared cores and reported beside them.
 */
export interface Placement {
  /** Why the phases cannot be placed (one CPU, no taskset), or null when they can. */
  unavailable: string | null;
  /** The command prefix that starts a process on the web server's CPU. */
  webServerPrefix(): string[];
  /** Moves PostgreSQL (postmaster and every backend) and this process off the web server's CPU. */
  separate(webServerPid: number): Promise<void>;
  /** Lets every process use every CPU again. */
  share(webServerPid: number): Promise<void>;
}

const TASKSET = "/usr/bin/taskset";

/** A process of a PostgreSQL server, with the fields of /proc/<pid>/stat after its name. */
interface PostgresProcess {
  pid: number;
  postmaster: boolean;
  fields: string[];
}

/**
 * The postmaster named in `postmasterPidFile` and its children (backends and helpers), read from
 * /proc. A backend may exit while the list is read; it is then left out.
 */
async function postgresProcesses(postmasterPidFile: string): Promise<PostgresProcess[]> {
  const postmaster = Number((await readFile(postmasterPidFile, "utf8")).split("\n")[0]);
  const found: PostgresProcess[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "utf8").catch(() => "");
    if (!stat) continue;
    // After the name (which may contain spaces, hence the last ")"): state, ppid, …
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pid = Number(entry);
    if (pid === postmaster || Number(fields[1]) === postmaster)
      found.push({ pid, postmaster: pid === postmaster, fields });
  }
  return found;
}

/**
 * CPU time, in ms, that a PostgreSQL server's processes have used so far: the postmaster with
 * every child it has reaped (an exited backend's time moves there), plus the children still
 * running. Differences of two readings give what a phase cost the database server.
 */
export async function postgresCpuMs(postmasterPidFile: string): Promise<number> {
  let ticks = 0;
  for (const { postmaster, fields } of await postgresProcesses(postmasterPidFile)) {
    // utime, stime, cutime, cstime, in clock ticks.
    const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15).map(Number);
    ticks += utime + stime + (postmaster ? cutime + cstime : 0);
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/** USER_HZ: 100 on every Linux architecture Node.js runs on. */
const TICKS_PER_SECOND = 100;

export function cpuPlacement(postmasterPidFile: string): Placement {
  const cpus = os.availableParallelism();
  const unavailable =
    cpus < 2
      ? `one CPU only (${cpus})`
      : !existsSync(TASKSET)
        ? `${TASKSET} not found (Debian: apt-get install util-linux)`
        : null;
  const all = `0-${cpus - 1}`;
  const others = cpus === 2 ? "1" : `1-${cpus - 1}`;
  const postgres = async (): Promise<number[]> => (await postgresProcesses(postmasterPidFile)).map((p) => p.pid);
  // A backend may exit between listing and pinning: that is fine, so failures are ignored.
  const pin = (pid: number, list: string) => {
    try {
      execFileSync(TASKSET, ["-a", "-p", "-c", list, String(pid)], { stdio: "ignore" });
    } catch {
      // gone already
    }
  };
  return {
    unavailable,
    webServerPrefix: () => (unavailable ? [] : [TASKSET, "-c", "0"]),
    async separate(webServerPid) {
      if (unavailable) return;
      pin(webServerPid, "0");
      for (const pid of [...(await postgres()), process.pid]) pin(pid, others);
    },
    async share(webServerPid) {
      if (unavailable) return;
      for (const pid of [webServerPid, ...(await postgres()), process.pid]) pin(pid, all);
    },
  };
}
