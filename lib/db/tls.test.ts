import { describe, expect, it } from "vitest";
import { normalisePostgresUrl, tlsOf, withTls } from "./tls.ts";

describe("TLS settings of a postgres:// URL", () => {
  const base = "postgres://u:p@db.example:5432/portico";

  it("gives sslmode libpq's meaning for node-postgres, keeping other parameters", () => {
    const url = new URL(normalisePostgresUrl(`${base}?sslmode=require&application_name=x`));
    expect(url.searchParams.get("sslmode")).toBe("require");
    expect(url.searchParams.get("uselibpqcompat")).toBe("true");
    expect(url.searchParams.get("application_name")).toBe("x");
  });

  it("leaves a URL without TLS settings as it was (positive control)", () => {
    expect(tlsOf(base)).toEqual({ sslMode: null, sslRootCert: null });
    expect(new URL(normalisePostgresUrl(base)).search).toBe("");
  });

  it("reads a CA file as verify-full when no mode is given", () => {
    expect(tlsOf(`${base}?sslrootcert=${encodeURIComponent(import.meta.filename)}`)).toEqual({
      sslMode: "verify-full",
      sslRootCert: import.meta.filename,
    });
  });

  it("refuses modes that fall back to clear text, verify-ca without a CA, and a CA file it cannot read", () => {
    expect(() => tlsOf(`${base}?sslmode=prefer`)).toThrow(/sslmode=prefer is not supported/);
    expect(() => tlsOf(`${base}?sslmode=allow`)).toThrow(/not supported/);
    expect(() => tlsOf(`${base}?sslmode=verify-ca`)).toThrow(/needs sslrootcert/);
    expect(() => tlsOf(`${base}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`)).toThrow(/cannot read that file/);
    expect(() => tlsOf(`${base}?sslmode=verify-full&sslrootcert=ca.pem`)).toThrow(/absolute path/);
  });

  it("replaces whatever TLS settings a URL had with the server's", () => {
    const url = new URL(
      withTls(`${base}?sslmode=disable&uselibpqcompat=true`, { sslMode: "verify-full", sslRootCert: "/etc/ca.pem" }),
    );
    expect([
      url.searchParams.get("sslmode"),
      url.searchParams.get("sslrootcert"),
      url.searchParams.getAll("uselibpqcompat"),
    ]).toEqual(["verify-full", "/etc/ca.pem", ["true"]]);
  });
});
