import "server-only";
import { hostConfig } from "../config/env.server.ts";
import { outboxTransport, smtpTransport } from "../mail/transport.server.ts";
import type { Bootstrapped } from "../bootstrap/bootstrap.server.ts";
import type { ProvisionDeps } from "../provisioning/servers.server.ts";
import { logLines } from "../observability/logger.ts";
import { errorMessage } from "../util/errors.ts";
import { startRetentionJob } from "../lifecycle/retention-job.server.ts";
import { startAuditStreamJobs } from "./audit-stream-jobs.server.ts";
import { startHousekeeping } from "./housekeeping.server.ts";
import { backupLocationsFromEnv } from "../backups/locations.server.ts";
import { startBackupSchedule } from "../backups/schedule.server.ts";
import { startMailJobs } from "./mail-jobs.server.ts";
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
 * server), with the administrative control-plane connection the web app never holds, and on the
 * same job queue the mail outbox's flushes and sweep and the scheduled housekeeping.
 */
export function startWorker(
  platform: Bootstrapped,
  options: { scheme: "http" | "https"; port?: number; log?: (line: string) => void },
): OperationsWorker {
  const log = options.log ?? logLines();
  const invitations = invitationsFor(platform, options);
  const backups = backupLocationsFromEnv(platform.env, platform.backupsDir);
  const worker = startOperationsWorker(
    { ...platform.deps, exportsDir: platform.exportsDir, invitations, backups },
    { controlUrl: platform.controlUrl, log },
  );
  const { control, keyring } = platform.deps;
  const mail = startMailJobs(worker.jobs, { control, keyring, transport: invitations.mail, log });
  mail.ready.catch((error: unknown) => log(`mail: jobs not registered: ${errorMessage(error)}`));
  const audit = startAuditStreamJobs(worker.jobs, {
    control,
    keyring,
    allowPrivate: platform.env.PORTICO_AUDIT_SINKS_ALLOW_PRIVATE,
    log,
  });
  audit.ready.catch((error: unknown) => log(`audit-stream: jobs not registered: ${errorMessage(error)}`));
  void startHousekeeping(worker.jobs, control, { log, mail: mail.deps }).catch((error: unknown) =>
    log(`housekeeping: not scheduled: ${errorMessage(error)}`),
  );
  void startRetentionJob(worker.jobs, { control, withTenant: mail.deps.withTenant }, { log }).catch((error: unknown) =>
    log(`retention: not scheduled: ${errorMessage(error)}`),
  );
  if (platform.env.PORTICO_BACKUPS)
    void startBackupSchedule(worker.jobs, { ...platform.deps, backups }, { log }).catch((error: unknown) =>
      log(`backups: not scheduled: ${errorMessage(error)}`),
    );
  return {
    ...worker,
    async stop(graceMs) {
      await worker.stop(graceMs);
      await mail.close();
      await audit.close();
    },
  };
}
