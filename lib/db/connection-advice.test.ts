import net from "node:net";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { connectionAdvice } from "./connection-advice.ts";

/** A real driver error from a connection attempt against what listens (or not) at this port. */
async function failureAt(port: number): Promise<unknown> {
  const client = new pg.Client({ host: "127.0.0.1", port, user: "x", database: "x", connectionTimeoutMillis: 2_000 });
  return client.connect().then(
    () => {
      throw new Error("expected the connection to fail");
    },
    (error: unknown) => error,
  );
}

describe("connectionAdvice", () => {
  it("tells an operator what to change for a refused connection, from the driver's own error", async () => {
    // A port nothing listens on: take one, then close it.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(connectionAdvice(await failureAt(port))).toMatch(/^nothing accepts connections.*check the host and port/);
  });

  it("names the CA when a certificate does not verify, and the host when the name does not match", () => {
    const untrusted = Object.assign(new Error("self-signed certificate in certificate chain"), {
      code: "SELF_SIGNED_CERT_IN_CHAIN",
    });
    expect(connectionAdvice(untrusted)).toMatch(/^TLS: .*set sslrootcert to the CA certificate/);
    const altname = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: "ERR_TLS_CERT_ALTNAME_INVALID",
    });
    expect(connectionAdvice(altname)).toMatch(/does not name the host in the URL/);
    // The code may sit on a wrapped cause, as Prisma and our own errors carry it.
    expect(connectionAdvice(new Error("could not connect", { cause: untrusted }))).toMatch(/^TLS: /);
  });

  it("leaves an error it does not recognise to the caller (control: a query error is not a connection fault)", () => {
    const syntax = Object.assign(new Error('syntax error at or near "SELEC"'), { code: "42601" });
    expect(connectionAdvice(syntax)).toBeNull();
    expect(connectionAdvice(new Error("something else"))).toBeNull();
  });

  it("never repeats a connection URL's credentials", () => {
    const refused = Object.assign(new Error("connect to postgres://app:s3cret@db:5432/x failed"), {
      code: "ECONNREFUSED",
    });
    expect(connectionAdvice(refused)).not.toContain("s3cret");
  });
});
