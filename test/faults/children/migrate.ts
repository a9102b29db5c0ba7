/**
 * Child process for test/faults/killed.test.ts: migrates the fleet with the migrations in <dir>,
 * printing each tenant as it finishes, until the test kills it.
 * Args: <control url> <secret key> <dir>
 */
import { createControlDb } from "../../../lib/db/control.server.ts";
import { keyringFrom } from "../../../lib/db/keyring.server.ts";
import { migrateFleet } from "../../../lib/fleet-migration/migrate-fleet.server.ts";

const [url, secretKey, dir] = process.argv.slice(2);
const deps = { control: createControlDb(url!, 4), keyring: keyringFrom(secretKey!, "test") };
await migrateFleet(deps, {
  concurrency: 4,
  dir: dir!,
  onResult: (o) => void process.stdout.write(`${o.ok ? "migrated" : "failed"} ${o.slug}\n`),
});
await deps.control.$disconnect();
