import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, zipf } from "../../bench/zipf.ts";
import { drive, servedOwnPage, startFleet, type Fleet, type Sample } from "./harness.ts";
import { report } from "./report.ts";

/**
 * A bounded soak: Zipf-distributed traffic across FAULTS_SOAK_TENANTS tenants (1,000) for
 * FAULTS_SOAK_SECONDS (600). Every response must be the right tenant's page; the server's memory
 * must stay flat: the last fifth of the run ÷ the second fifth (after warm-up), at most 1.15.
 */
const TENANTS = Number(process.env.FAULTS_SOAK_TENANTS ?? 1000);
const SECONDS = Number(process.env.FAULTS_SOAK_SECONDS ?? 600);
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    tenants: TENANTS,
    log: (l) => console.log(`[soak] ${l}`),
    // The shipped connect timeout: the soak measures steady state as deployed, while the other
    // fault tests keep the harness's 1 s so that an outage is noticed quickly.
    env: { PORTICO_CONNECTION_BUDGET: "200", PORTICO_TENANT_TIMEOUT_MS: "3000" },
  });
}, 900_000);
afterAll(() => fleet?.stop());

describe("soak", () => {
  it(
    `${TENANTS} tenants, ${SECONDS} s: no errors, flat memory`,
    async () => {
      const z = zipf(TENANTS, 1.1, seededRandom(42));
      const rss: number[] = [];
      let errors = 0;
      let requests = 0;
      const bad: Sample[] = [];
      const slices = Math.max(5, Math.round(SECONDS / 10));
      for (let i = 0; i < slices; i++) {
        const samples = await drive(fleet.port, {
          concurrency: 8,
          durationMs: (SECONDS * 1000) / slices,
          pick: () => `${fleet.slugs[z.next()]}.localhost`,
        });
        requests += samples.length;
        for (const s of samples) {
          if (!servedOwnPage(s, `Fault Tenant ${Number(s.host.slice(2, 6))}`)) {
            errors++;
            if (bad.length < 5) bad.push({ ...s, body: s.body.slice(0, 200) });
          }
        }
        rss.push(await fleet.serverRssMb());
      }
      const fifth = Math.max(1, Math.floor(rss.length / 5));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const early = mean(rss.slice(fifth, 2 * fifth));
      const late = mean(rss.slice(-fifth));
      console.log(`[soak] RSS per slice, MB: ${rss.map((r) => r.toFixed(0)).join(" ")}`);
      report({
        figure: `soak: ${TENANTS} tenants, ${SECONDS} s, server RSS last fifth ÷ second fifth`,
        measured: `${late.toFixed(0)} MB`,
        baseline: `${early.toFixed(0)} MB`,
        ratio: late / early,
        target: 1.15,
        errors,
        requests,
      });
      expect(bad).toEqual([]);
      expect(errors).toBe(0);
      expect(requests).toBeGreaterThan(SECONDS * 10);
      expect(late / early).toBeLessThanOrEqual(1.15);
    },
    (SECONDS + 120) * 1000,
  );
});
