/**
 * Child process for test/faults/worker-killed.test.ts: an operations worker, as `npm start` runs
 * one, until the test kills it (SIGKILL, no chance to clean up). Prints "ready" once it takes jobs.
 * Args: <control url> <secret key> <exports dir>
 */
import { createControlDb } from "../../../lib/db/control.server.ts";
import { keyringFrom } from "../../../lib/db/keyring.server.ts";
import { startOperationsWorker } from "../../../lib/operations/worker.server.ts";

const [url, secretKey, exportsDir] = process.argv.slice(2);
const deps = { control: createControlDb(url!, 3), keyring: keyringFrom(secretKey!, "test"), exportsDir: exportsDir! };
const worker = startOperationsWorker(deps, {
  controlUrl: url!,
  pollMs: 200,
  superviseSeconds: 1,
  log: (line) => void process.stdout.write(`${line}\n`),
});
await worker.jobs.started();
process.stdout.write("ready\n");
