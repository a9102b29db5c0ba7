import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../lib/config/env.server.ts";
import { ConfigError } from "../../lib/util/errors.ts";
import { chooseDatabase } from "../../lib/bootstrap/bootstrap.server.ts";

/**
 * A production start uses the embedded database only when asked (decision 021, security case
 * 31). The refusal is checked on the real `npm start` entry point; it stops before any database
 * or server is started.
 */
describe("npm start without a database", () => {
  it("stops with exit code 2 and a message naming DATABASE_URL and PORTICO_EMBEDDED", () => {
    const { DATABASE_URL: _a, PORTICO_EMBEDDED: _b, PORTICO_SECRET_KEY: _c, ...env } = process.env;
    const run = spawnSync(
      process.execPath,
      ["--conditions=react-server", "--import", "tsx", "scripts/dev.ts", "start"],
      {
        env: { ...env, PORT: "1" },
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("DATABASE_URL is not set");
    expect(run.stderr).toContain("PORTICO_EMBEDDED=true");
    expect(run.stdout).not.toContain("embedded PostgreSQL");
  });

  it("uses the embedded database when asked for, and by default only in development (positive controls)", () => {
    expect(chooseDatabase(parseEnv({ PORTICO_EMBEDDED: "true" }), false)).toBe("embedded");
    expect(chooseDatabase(parseEnv({}), true)).toBe("embedded");
    expect(chooseDatabase(parseEnv({ DATABASE_URL: "postgres://u:p@db.example:5432/portico" }), false)).toBe(
      "configured",
    );
    expect(() => chooseDatabase(parseEnv({}), false)).toThrow(ConfigError);
    expect(() =>
      chooseDatabase(
        parseEnv({ DATABASE_URL: "postgres://u:p@db.example:5432/portico", PORTICO_EMBEDDED: "true" }),
        false,
      ),
    ).toThrow(/both set/);
  });
});
