/**
 * npm run secrets -- reseal
 *
 * Key rotation: set the new key as PORTICO_SECRET_KEY with a new PORTICO_SECRET_KEY_ID, list the
 * old one in PORTICO_PREVIOUS_SECRET_KEYS ("k1:<base64>"), run this, then drop the old key.
 * Every stored secret (tenant role passwords, server admin URLs, agency users' authenticator-app
 * secrets, and in each tenant's own database its single sign-on client secret and its users'
 * authenticator-app secrets) is re-sealed under the new key.
 * Exit codes: 0 done, 1 failed, 2 bad usage or configuration (e.g. an old key is missing).
 */
import os from "node:os";
import { appendAudit } from "../lib/audit/log.server.ts";
import { InvalidInput } from "../lib/util/errors.ts";
import { bootstrap } from "../lib/bootstrap/bootstrap.server.ts";
import { resealSecrets } from "../lib/lifecycle/role-credentials.server.ts";
import { EXIT, fail } from "./lib/cli.ts";

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command !== "reseal" || rest.length > 0) throw new InvalidInput("usage: npm run secrets -- reseal");
  // Like `npm run dev`, the embedded database unless DATABASE_URL is set; with NODE_ENV=production only if PORTICO_EMBEDDED=true.
  const p = await bootstrap({ embeddedByDefault: process.env.NODE_ENV !== "production" });
  try {
    const result = await resealSecrets(p.deps);
    await appendAudit(p.deps.control, {
      actor: { type: "cli", label: `cli:${os.userInfo().username}` },
      action: "secrets.reseal",
      details: { keyId: p.deps.keyring.currentId, ...result },
    });
    console.log(
      `re-sealed ${result.tenantPasswords} tenant password(s), ${result.serverUrls} server URL(s), ${result.ssoSecrets} single sign-on secret(s), ${result.totpSecrets} tenant authenticator-app secret(s) and ${result.agencyTotpSecrets} agency authenticator app(s) under key "${p.deps.keyring.currentId}"`,
    );
    if (result.tenantsSkipped.length > 0) {
      console.error(
        `could not reach ${result.tenantsSkipped.join(", ")}: their single sign-on and authenticator-app secrets keep the old key; run this again before removing it`,
      );
      return EXIT.failed;
    }
    return EXIT.ok;
  } finally {
    await p.close();
  }
}

main().then((code) => process.exit(code), fail);
