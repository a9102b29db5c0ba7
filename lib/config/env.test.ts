import { describe, expect, it } from "vitest";
import { ConfigError } from "../util/errors.ts";
import { hostConfig, parseDnsServers, parseEnv, parseTenantServers, requireRuntime } from "./env.server.ts";

const key = Buffer.alloc(32, 7).toString("base64");

describe("parseEnv", () => {
  it("fills in defaults for an empty environment", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      PORTICO_ROOT_DOMAIN: "localhost",
      PORTICO_CONNECTION_BUDGET: 40,
      PORTICO_TENANT_POOL_SIZE: 2,
      PORTICO_TRUST_FORWARDED_HOST: false,
    });
    expect(hostConfig(env)).toEqual({ rootDomain: "localhost", agencyHost: "admin.localhost", bareHost: "notFound" });
  });

  it("names every wrong variable and says why, in one message", () => {
    const error = (() => {
      try {
        parseEnv({
          PORTICO_CONNECTION_BUDGET: "lots",
          PORTICO_ROOT_DOMAIN: "Portico.Example:443",
          DATABASE_URL: "mysql://x",
          PORTICO_SECRET_KEY: "short",
        });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORTICO_CONNECTION_BUDGET: .*number.* \(got "lots"\)/);
    expect(message).toMatch(/PORTICO_ROOT_DOMAIN: must be a lower-case host name/);
    expect(message).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(message).toMatch(/PORTICO_SECRET_KEY: must be 32 random bytes/);
    expect(message).not.toContain("mysql://x"); // secrets and URLs are not echoed
    expect(message).not.toContain("short");
  });

  it("refuses a pool larger than the budget", () => {
    expect(() => parseEnv({ PORTICO_CONNECTION_BUDGET: "4", PORTICO_TENANT_POOL_SIZE: "5" })).toThrow(
      /PORTICO_TENANT_POOL_SIZE: must not exceed PORTICO_CONNECTION_BUDGET/,
    );
  });

  it("checks the trusted proxies and the listen address, naming the bad entry", () => {
    expect(parseEnv({ PORTICO_TRUSTED_PROXIES: "10.0.0.1, 10.1.0.0/16", HOST: "0.0.0.0" })).toMatchObject({
      PORTICO_TRUSTED_PROXIES: "10.0.0.1, 10.1.0.0/16",
      HOST: "0.0.0.0",
    });
    expect(parseEnv({ HOST: "::" }).HOST).toBe("::");
    expect(() => parseEnv({ PORTICO_TRUSTED_PROXIES: "10.0.0.1,lb.internal" })).toThrow(
      /PORTICO_TRUSTED_PROXIES: entry 2 \("lb.internal"\) must be an IP address or a CIDR range/,
    );
    expect(() => parseEnv({ HOST: "127.0.0.1:3000" })).toThrow(/HOST: must be an IP address or a host name/);
  });

  it("checks the DNS servers of email-domain checks, naming the bad entry", () => {
    expect(parseDnsServers(undefined)).toBeNull();
    expect(parseDnsServers(" ")).toBeNull();
    expect(parseDnsServers("127.0.0.1:5353, 10.0.0.2,[::1]:53,2001:db8::53")).toEqual([
      "127.0.0.1:5353",
      "10.0.0.2",
      "[::1]:53",
      "2001:db8::53",
    ]);
    expect(parseEnv({ PORTICO_DNS_SERVERS: "127.0.0.1:5353" }).PORTICO_DNS_SERVERS).toBe("127.0.0.1:5353");
    expect(() => parseEnv({ PORTICO_DNS_SERVERS: "10.0.0.2,dns.example" })).toThrow(
      /PORTICO_DNS_SERVERS: entry 2 \("dns.example"\) must be an IP address with an optional port/,
    );
    expect(() => parseEnv({ PORTICO_DNS_SERVERS: "127.0.0.1:70000" })).toThrow(/PORTICO_DNS_SERVERS: entry 1/);
  });

  it("parses boolean flags strictly", () => {
    expect(parseEnv({ PORTICO_TRUST_FORWARDED_HOST: "true" }).PORTICO_TRUST_FORWARDED_HOST).toBe(true);
    expect(() => parseEnv({ PORTICO_TRUST_FORWARDED_HOST: "yes" })).toThrow(
      /PORTICO_TRUST_FORWARDED_HOST: must be "true" or "false"/,
    );
  });
});

describe("requireRuntime", () => {
  it("tells how to start Portico when the database is not configured", () => {
    expect(() => requireRuntime(parseEnv({}))).toThrow(
      /DATABASE_URL and PORTICO_SECRET_KEY not set\. Start Portico with "npm run dev"/,
    );
  });

  it("returns the URL and key when both are set", () => {
    expect(
      requireRuntime(parseEnv({ DATABASE_URL: "postgres://u:p@localhost:5432/portico", PORTICO_SECRET_KEY: key })),
    ).toEqual({
      databaseUrl: "postgres://u:p@localhost:5432/portico",
      secretKey: key,
    });
  });
});

describe("parseTenantServers", () => {
  it("reads name=url pairs", () => {
    expect(parseTenantServers("eu-1=postgres://a:b@db1:5432/postgres, eu-2=postgres://a:b@db2:5432/postgres")).toEqual([
      { name: "eu-1", adminUrl: "postgres://a:b@db1:5432/postgres" },
      { name: "eu-2", adminUrl: "postgres://a:b@db2:5432/postgres" },
    ]);
    expect(parseTenantServers(undefined)).toEqual([]);
  });

  it("says which entry is wrong", () => {
    expect(() => parseTenantServers("eu-1=postgres://a:b@db1:5432/postgres,oops")).toThrow(
      /entry 2 must look like name=postgres:\/\//,
    );
  });
});
