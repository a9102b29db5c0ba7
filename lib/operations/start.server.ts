import "server-only";
import { hostConfig } from "../config/env.server.ts";
import { outboxTransport, smtpTransport } from "../mail/transport.server.ts";
import type { Bootstrapped } from "../provisioning/bootstrap.server.ts";
import { startOperationsWorker, type OperationsWorker } from "./worker.server.ts";

/**
 * Starts the operations worker beside the web app (`npm run dev`, `npm start`, the browser tests'
 * server), with the administrative control-plane connection the web app never holds.
 */
export function startWorker(platform: Bootstrapped, options: { scheme: "http" | "https"; port?: number; log?: (line: string) => void }): OperationsWorker {
  const { env } = platform;
  const mail = env.PORTICO_SMTP_URL ? smtpTransport(env.PORTICO_SMTP_URL) : outboxTransport(platform.deps.control);
  const port = options.port ? `:${options.port}` : "";
  return startOperationsWorker(
    {
      ...platform.deps,
      exportsDir: platform.exportsDir,
      invitations: {
        mail,
        link: (host, path) => `${options.scheme}://${host}${port}${path}`,
        hosts: hostConfig(env),
        ...(env.PORTICO_MAIL_FROM ? { mailFrom: env.PORTICO_MAIL_FROM } : {}),
      },
    },
    { controlUrl: platform.controlUrl, ...(options.log ? { log: options.log } : {}) },
  );
}
