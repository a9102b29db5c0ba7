import { expect, type Page } from "@playwright/test";
import pg from "pg";
import { AGENCY_OWNER_TOTP, nextCode } from "../agency-totp.ts";
import {
  AGENCY_OWNER,
  CLUSTER_PASSWORD,
  clusterState,
  type ClusterInstance,
  type ClusterState,
} from "../../test/support/cluster-state.ts";

export { ACME_MEMBER, AGENCY_OWNER, CLUSTER_PASSWORD, UPSTREAM_HEADER } from "../../test/support/cluster-state.ts";

let started: ClusterState | undefined;

/**
 * What test/support/cluster.ts started: nginx's port, the two instances, the database. Read when
 * a test first uses it: Playwright loads the spec files before its web server (the cluster) has
 * started and written the file.
 */
export const cluster: ClusterState = new Proxy({} as ClusterState, {
  get: (_target, key: keyof ClusterState) => (started ??= clusterState())[key],
});

/** The cluster's `index`th instance, read as lazily as `cluster`. */
export function instance(index: number): ClusterInstance {
  return new Proxy({} as ClusterInstance, {
    get: (_target, key: keyof ClusterInstance) => cluster.instances[index]![key],
  });
}

/** A URL through nginx, e.g. via("acme.localhost", "/account"). */
export function via(host: string, path = "/"): string {
  return `http://${host}:${cluster.nginxPort}${path}`;
}

/** A URL on one instance directly, bypassing nginx (the browser's cookies for the host still apply). */
export function on(instance: ClusterInstance, host: string, path = "/"): string {
  return `http://${host}:${instance.port}${path}`;
}

/** The instance nginx says answered a response (the tests' header; see test/support/cluster.ts). */
export function instanceAt(upstream: string | undefined): ClusterInstance | undefined {
  return cluster.instances.find((i) => upstream === `127.0.0.1:${i.port}`);
}

export { request, type Answer } from "../../test/support/host-request.ts";

/** SQL as the superuser, in `database` of the cluster's PostgreSQL (default: the control plane). */
export async function sql<R extends pg.QueryResultRow>(
  text: string,
  params: unknown[] = [],
  database = "portico",
): Promise<R[]> {
  const url = new URL(cluster.adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Signs into the agency dashboard at `origin` (nginx unless told otherwise). */
export async function signInAgency(page: Page, url = via("admin.localhost", "/sign-in")): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Email").fill(AGENCY_OWNER);
  await page.getByLabel("Password").fill(CLUSTER_PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // The owner's second step (docs/decisions/046): a code of a time step not used yet.
  await page.waitForURL((u) => u.pathname === "/sign-in/second-factor");
  const [row] = await sql<{ step: string | null }>(
    `SELECT t."lastUsedStep"::text AS step FROM "AgencyTotp" t JOIN "AgencyUser" u ON u.id = t."agencyUserId" WHERE u.email = $1`,
    [AGENCY_OWNER],
  );
  const { code, waitMs } = await nextCode(AGENCY_OWNER_TOTP, row?.step ? Number(row.step) : null);
  if (waitMs > 0) await page.waitForTimeout(waitMs);
  await page.getByLabel("Code from your authenticator app").fill(code);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByTestId("agency-user")).toBeVisible();
}

/** The tenant's name as a page shows it, or null (its 404, or its 503 notice without a header name). */
export function tenantName(body: string): string | null {
  return /data-testid="tenant-name"[^>]*>([^<]*)</.exec(body)?.[1] ?? null;
}
