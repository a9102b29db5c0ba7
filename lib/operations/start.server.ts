import "server-only";
import { hostConfig } from "../config/env.server.ts";
import { outboxTransport, smtpTransport } from "../mail/transport.server.ts";
import type { Bootstrapped } from "../bootstrap/bootstrap.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { logLines } from "../observability/logger.ts";
import { startHousekeeping } from "./housekeeping.server.ts";
import { startOperationsWorker, type OperationsWorker } from "./worker.server.ts";

/** How provisioning emails invitations: SMTP when configured, else the development outbox. */
export function invitationsFor(
  platform: Bootstrapped,
  options: { scheme: "http" | "https"; port?: number },
): NonNullable<ProvisionDeps["invitations"]> {
  const { env } = platform;
  const mail = env.PORTICO_SMTP_URL ? smtpTransport(env.PORTICO_SMTP_URL) : outboxTransport(platform.deps.control);
  const port = options.port ? `:${options.port}` : "";
  return {
    mail,
    link: (host, path) => `${options.scheme}://${host}${port}${path}`,
    hosts: hostConfig(env),
    ...(env.PORTICO_MAIL_FROM ? { mailFrom: env.PORTICO_MAIL_FROM } : {}),
  };
}

/**
 * Starts the operations worker beside the web app (`npm run dev`, `npm start`, the browser tests'
 * server), with the administrative control-plane connection the web app never holds, and the
 * scheduled housekeeping on the same job queue.
 */
export function startWorker(
  platform: Bootstrapped,
  options: { scheme: "http" | "https"; port?: number; log?: (line: string) => void },
): OperationsWorker {
  const log = options.log ?? logLines();
  const worker = startOperationsWorker(
    {
      ...platform.deps,
      exportsDir: platform.exportsDir,
      invitations: invitationsFor(platform, options),
    },
    { controlUrl: platform.controlUrl, log },
  );
  void startHousekeeping(worker.jobs, platform.deps.control, { log }).catch((error: unknown) =>
    log(`housekeeping: not scheduled: ${error instanceof Error ? error.message : String(error)}`),
  );
  return worker;
}
