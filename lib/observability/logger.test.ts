import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { annotateLogContext, withLogContext } from "./context.ts";
import { createLogger, logSettings } from "./logger.ts";
import { pathForLog } from "./redact.ts";

/** A logger at debug whose lines the test reads back, parsed. */
function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      done();
    },
  });
  const logger = createLogger({ level: "debug", format: "json" }, sink);
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRETS = {
  password: "hunter2-Sentinel-pw",
  token: "tok-Sentinel-9f8e7d6c5b4a",
  cookie: "next-auth.session-token=Sentinel-cookie-value",
  bearer: "Sentinel-bearer-abcdef123456",
  dbPassword: "Sentinel-db-pass",
  smtpPassword: "Sentinel-smtp-pass",
  sealed: "Sentinel-ciphertext",
};

describe("the logger's redaction (security case 56)", () => {
  it("writes no password, token, cookie, authorization header or connection-URL password, and keeps the rest", () => {
    const { logger, lines } = capture();
    logger.info(
      {
        user: { email: "sam@acme.example", password: SECRETS.password, passwordHash: SECRETS.password },
        resetToken: SECRETS.token,
        headers: {
          cookie: SECRETS.cookie,
          authorization: `Bearer ${SECRETS.bearer}`,
          "user-agent": "Harmless-Agent/1.0",
        },
        databaseUrl: `postgres://portico:${SECRETS.dbPassword}@db.internal:5432/portico?sslmode=verify-full`,
        placement: { passwordCiphertext: SECRETS.sealed, keyId: "k1" },
        attempts: 3,
      },
      `could not send through smtps://mailer:${SECRETS.smtpPassword}@mail.example.com:465`,
    );
    logger.error(
      { err: new Error(`connect to postgres://t_acme_app:${SECRETS.dbPassword}@10.0.0.5/t_acme failed`) },
      "tenant unreachable",
    );
    logger.warn(`header was "Authorization: Bearer ${SECRETS.bearer}" and query ?token=${SECRETS.token}`);

    const out = lines.join("\n");
    for (const [name, secret] of Object.entries(SECRETS)) expect(out, name).not.toContain(secret);
    // Positive controls: the harmless parts of the same objects are all there.
    expect(out).toContain("sam@acme.example");
    expect(out).toContain("Harmless-Agent/1.0");
    expect(out).toContain("db.internal:5432/portico");
    expect(out).toContain("mail.example.com:465");
    expect(out).toContain("10.0.0.5/t_acme failed");
    expect(out).toContain('"attempts":3');
    expect(out).toContain('"keyId":"k1"');
    expect(out).toContain("[redacted]");
  });
});

describe("the log context", () => {
  it("puts the request id, realm and tenant on every line of the request, added deeper down included", async () => {
    const { logger, parsed } = capture();
    logger.info("before any request");
    await withLogContext({ requestId: "req-1" }, async () => {
      annotateLogContext({ realm: "tenant" });
      logger.info("routed");
      await new Promise((r) => setTimeout(r, 1));
      // As a page does once it has resolved the tenant: later lines carry it.
      await (async () => annotateLogContext({ tenant: "acme" }))();
      await Promise.resolve();
      logger.info("rendered");
    });
    await withLogContext({ operationId: "op-7", operation: "suspend", tenant: "globex" }, async () => {
      await new Promise((r) => setImmediate(r));
      logger.info("step done");
    });
    const [outside, routed, rendered, step] = parsed();
    expect(outside).not.toHaveProperty("requestId");
    expect(routed).toMatchObject({ requestId: "req-1", realm: "tenant", msg: "routed" });
    expect(rendered).toMatchObject({ requestId: "req-1", realm: "tenant", tenant: "acme" });
    expect(step).toMatchObject({ operationId: "op-7", operation: "suspend", tenant: "globex" });
    expect(step).not.toHaveProperty("requestId");
  });
});

describe("logSettings", () => {
  it("defaults to JSON at info in production and readable lines in development", () => {
    expect(logSettings({ NODE_ENV: "production" })).toEqual({ level: "info", format: "json" });
    expect(logSettings({ NODE_ENV: "development" })).toEqual({ level: "info", format: "pretty" });
    expect(logSettings({ PORTICO_LOG_LEVEL: "warn", PORTICO_LOG_FORMAT: "json", NODE_ENV: "development" })).toEqual({
      level: "warn",
      format: "json",
    });
  });

  it("names a wrong value", () => {
    expect(() => logSettings({ PORTICO_LOG_LEVEL: "loud" })).toThrow(/PORTICO_LOG_LEVEL: must be one of/);
    expect(() => logSettings({ PORTICO_LOG_FORMAT: "xml" })).toThrow(/PORTICO_LOG_FORMAT/);
  });
});

describe("pathForLog", () => {
  it("drops the query and masks a ticket's code, keeping other paths as they are", () => {
    expect(pathForLog("/sign-in/link?token=Sentinel-link")).toBe("/sign-in/link");
    expect(pathForLog("/tickets/Sentinel-code")).toBe("/tickets/[redacted]");
    expect(pathForLog("/events/kickoff")).toBe("/events/kickoff");
    expect(pathForLog("/manage/events/kickoff/attendees?page=2")).toBe("/manage/events/kickoff/attendees");
  });
});
