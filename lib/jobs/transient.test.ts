import { describe, expect, it } from "vitest";
import { isTransientError } from "./transient.ts";

describe("isTransientError", () => {
  it("retries a lost or refused connection, a deadlock and a server shutting down", () => {
    expect(
      isTransientError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5"), { code: "ECONNREFUSED" })),
    ).toBe(true);
    expect(isTransientError(Object.assign(new Error("deadlock detected"), { code: "40P01" }))).toBe(true);
    expect(isTransientError(Object.assign(new Error("x"), { code: "08006" }))).toBe(true);
    expect(isTransientError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientError(new Error("wrapped", { cause: { code: "57P01" } }))).toBe(true);
    expect(isTransientError(new AggregateError([new Error("x"), { code: "ECONNRESET" }]))).toBe(true);
  });

  it("does not retry what fails the same way every time", () => {
    expect(isTransientError(new Error('"acme" is already on test'))).toBe(false);
    expect(isTransientError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isTransientError(Object.assign(new Error("permission denied"), { code: "42501" }))).toBe(false);
    expect(isTransientError(Object.assign(new Error("unique"), { code: "P2002" }))).toBe(false);
    expect(isTransientError(null)).toBe(false);
    expect(isTransientError("ECONNREFUSED")).toBe(false);
  });
});
