-- The audit log looked up by action and time: "has this person already been recorded reading
-- the fleet within the hour?" (lib/audit/log.server.ts → appendAuditUnlessRecent) read every
-- entry of the last hour through "AuditEntry_at_idx", so the agency overview slowed as the log
-- grew (provisioning thousands of tenants writes tens of thousands of entries an hour). With
-- the action first it reads only that action's recent entries. Expand only: a new index.

-- CreateIndex
CREATE INDEX "AuditEntry_action_at_idx" ON "AuditEntry"("action", "at");
