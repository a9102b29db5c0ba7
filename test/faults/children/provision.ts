/**
 * Child process for test/faults/killed.test.ts: provisions tenants one after another, printing
 * each step as it starts, until the test kills it (SIGKILL, no chance to clean up).
 * Args: <control url> <secret key> <slug>...
 */
import { createControlDb } from "../../../lib/db/control.server.ts";
import { keyringFrom } from "../../../lib/db/keyring.server.ts";
import { provisionTenant } from "../../../lib/provisioning/provision.server.ts";
import { parseTenantSpec } from "../../../lib/provisioning/spec.ts";
import { FALLBACK_THEME } from "../../../lib/tenancy/theme.ts";

const [url, secretKey, ...slugs] = process.argv.slice(2);
const deps = { control: createControlDb(url!, 2), keyring: keyringFrom(secretKey!, "test") };
for (const slug of slugs) {
  await provisionTenant(
    deps,
    parseTenantSpec({
      slug,
      name: slug,
      theme: FALLBACK_THEME,
      demo: { events: [{ slug: "e", title: "E", startsInDays: 2 }] },
    }),
    {
      mode: "create",
      onStepStart: (step) => void process.stdout.write(`start ${slug} ${step}\n`),
    },
  );
  process.stdout.write(`done ${slug}\n`);
}
await deps.control.$disconnect();
