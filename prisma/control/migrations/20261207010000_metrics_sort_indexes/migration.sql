-- The agency overview sorted by a figure (database size, members, events, registrations,
-- connections, last activity, latency) joined every tenant to its figures and sorted them all
-- to show 50, so its first page slowed as the fleet grew. With an index per figure the page
-- reads the index from the top and stops after 50 (lib/agency/fleet-page.server.ts, decision
-- 058). Expand only: new indexes.

-- CreateIndex
CREATE INDEX "TenantMetrics_members_idx" ON "TenantMetrics"("members");

-- CreateIndex
CREATE INDEX "TenantMetrics_events_idx" ON "TenantMetrics"("events");

-- CreateIndex
CREATE INDEX "TenantMetrics_registrations30d_idx" ON "TenantMetrics"("registrations30d");

-- CreateIndex
CREATE INDEX "TenantMetrics_dbSizeBytes_idx" ON "TenantMetrics"("dbSizeBytes");

-- CreateIndex
CREATE INDEX "TenantMetrics_connections_idx" ON "TenantMetrics"("connections");

-- CreateIndex
CREATE INDEX "TenantMetrics_lastActivityAt_idx" ON "TenantMetrics"("lastActivityAt");

-- CreateIndex
CREATE INDEX "TenantMetrics_latencyMs_idx" ON "TenantMetrics"("latencyMs");
