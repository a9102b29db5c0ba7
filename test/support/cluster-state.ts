import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * What test/support/cluster.ts started, for the tests that run against it (e2e/cluster/): kept
 * apart from the harness, which loads server code the test runner cannot.
 */

/** nginx listens on the base port; the instances on the next two. */
export const clusterPort = () => Number(process.env.E2E_PORT ?? 3200);
export const stateFile = () => path.join(os.tmpdir(), `portico-cluster-${clusterPort()}.json`);

/** The response header the tests' nginx adds (never the shipped template): which instance answered. */
export const UPSTREAM_HEADER = "x-portico-upstream";
/** Known to the tests: the agency owner and a member of the declared tenant acme. */
export const CLUSTER_PASSWORD = "cluster-e2e-password";
export const AGENCY_OWNER = "owner@agency.localhost";
export const ACME_MEMBER = "member@acme.example";

export interface ClusterInstance {
  name: "a" | "b";
  port: number;
  /** The process group of its `npm start`: npm, Portico's start (with the worker) and the web server. */
  pgid: number;
  log: string;
}

export interface ClusterState {
  nginxPort: number;
  instances: ClusterInstance[];
  /** Superuser URL of the PostgreSQL server, and of the control-plane database on it. */
  adminUrl: string;
  controlUrl: string;
  nginxError: string;
  nginxAccess: string;
}

export function clusterState(): ClusterState {
  return JSON.parse(readFileSync(stateFile(), "utf8")) as ClusterState;
}
