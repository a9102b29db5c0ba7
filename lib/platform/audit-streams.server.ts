import "server-only";
import { sendAuditDeliverJobs, setAuditStreamKicker } from "../audit/stream-kick.server.ts";
import { platform } from "./platform.server.ts";

/**
 * The web app's way of asking for audit-stream delivery (instrumentation.ts, decision 049): a
 * kick sends "audit.deliver" jobs on this process's control plane; the workers deliver.
 */
export function streamAuditThroughJobQueue(): void {
  setAuditStreamKicker((tenantId) => sendAuditDeliverJobs(platform().control, tenantId));
}
