/**
 * npm run audit -- verify [--json]     check the audit log's hash chain end to end
 *
 * Exit codes: 0 the chain is intact, 1 an entry was altered or deleted, 2 bad usage or config.
 */
import { verifyAuditChain } from "../lib/audit/log.server.ts";
import { InvalidInput } from "../lib/util/errors.ts";
import { bootstrap } from "../lib/bootstrap/bootstrap.server.ts";
import { EXIT, fail } from "./lib/cli.ts";

async function main(): Promise<number> {
  const [command, ...flags] = process.argv.slice(2);
  if (command !== "verify") throw new InvalidInput("usage: npm run audit -- verify [--json]");
  // Like `npm run dev`, the embedded database unless DATABASE_URL is set; with NODE_ENV=production only if PORTICO_EMBEDDED=true.
  const p = await bootstrap({ embeddedByDefault: process.env.NODE_ENV !== "production" });
  try {
    const t0 = performance.now();
    const result = await verifyAuditChain(p.deps.control);
    const ms = Math.round(performance.now() - t0);
    if (flags.includes("--json")) console.log(JSON.stringify({ ...result, ms }));
    else if (result.ok)
      console.log(
        `audit log intact: ${result.entries} entries verified in ${ms} ms; head ${result.head.slice(0, 16)}…`,
      );
    else console.error(`audit log BROKEN after ${result.entries} intact entries: ${result.problem.reason}`);
    return result.ok ? EXIT.ok : EXIT.failed;
  } finally {
    await p.close();
  }
}

main().then((code) => process.exit(code), fail);
