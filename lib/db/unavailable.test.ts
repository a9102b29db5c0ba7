import { describe, expect, it } from "vitest";
import { describeUnavailable, isUnavailable, outageKey, poolerDownReason } from "./unavailable.ts";

/** A Prisma error as the pg driver adapter reports a PostgreSQL (or PgBouncer) error. */
function adapterError(code: string, message: string) {
  return Object.assign(new Error(`Database error. Code: \`${code}\`. Message: \`${message}\``), {
    code: "P2039",
    meta: { driverAdapterError: { cause: { kind: "postgres", code, originalCode: code, originalMessage: message } } },
  });
}

describe("unavailable, through PgBouncer", () => {
  it("counts PgBouncer's relayed login failure (08P01) as an outage, in the words of a direct one", () => {
    const gone = adapterError("08P01", 'database "t_acme" does not exist');
    expect(isUnavailable(gone)).toBe(true);
    expect(describeUnavailable(gone)).toBe(
      'its database does not exist (database "t_acme" does not exist; through PgBouncer)',
    );
    expect(describeUnavailable(adapterError("08P01", "pgbouncer cannot connect to server"))).toBe(
      "PgBouncer could not log in to its database server (pgbouncer cannot connect to server; through PgBouncer)",
    );
  });

  it("an ordinary query error through it is not an outage (positive control)", () => {
    expect(isUnavailable(adapterError("42P01", 'relation "Nope" does not exist'))).toBe(false);
  });

  it("rate-limits a pooler's outage by the pooler, any other by the tenant", () => {
    expect(outageKey("t1", poolerDownReason("10.0.0.5:6432", "ECONNREFUSED"))).toBe("pooler 10.0.0.5:6432");
    expect(outageKey("t2", poolerDownReason("10.0.0.5:6432", "ECONNREFUSED"))).toBe("pooler 10.0.0.5:6432");
    expect(outageKey("t1", "its database does not exist")).toBe("t1");
    expect(outageKey("t1", null)).toBe("t1");
  });
});
