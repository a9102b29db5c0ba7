/**
 * Runs once when the Next.js server starts: validates the environment so a misconfigured
 * deployment stops at start-up with a message naming the variable, not on the first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadEnv, requireRuntime } = await import("./lib/config/env.server.ts");
  requireRuntime(loadEnv());
  // next-auth v4 takes its origin from the request (X-Forwarded-Host, else Host) only when told
  // to; Portico serves many hosts, and pins X-Forwarded-Host to the Host in proxy.ts and in the
  // auth routes (lib/auth/route.server.ts).
  process.env.AUTH_TRUST_HOST = "true";
  // The email render thread loads its templates now, not while a registration waits on it.
  const { warmMailRenderer } = await import("./lib/mail/render.server.ts");
  warmMailRenderer();
  // Mail is sent by the job worker that runs beside every instance (scripts/dev.ts): after its
  // cause commits, a request only queues a "mail.flush" job (docs/decisions/040).
  const { sendMailThroughJobQueue } = await import("./lib/platform/mail-queue.server.ts");
  sendMailThroughJobQueue();
  // Audit entries reach their SIEM sinks the same way: a kick only queues "audit.deliver" jobs.
  const { streamAuditThroughJobQueue } = await import("./lib/platform/audit-streams.server.ts");
  streamAuditThroughJobQueue();
}
