import { spawn } from "node:child_process";
import { adminUrl, type TestControlPlane } from "./databases.ts";

export interface ScriptRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs one of scripts/ as `npm run` would, against this test's control plane and server. */
export function runScript(cp: TestControlPlane, script: string, ...args: string[]): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--conditions=react-server", "--import", "tsx", script, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: cp.url,
        PORTICO_SECRET_KEY: cp.secretKey,
        PORTICO_SECRET_KEY_ID: "test",
        PORTICO_TENANT_SERVERS: `test=${adminUrl()}`,
        FORCE_COLOR: "0",
      },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}
