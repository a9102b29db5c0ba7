import { describe, expect, it } from "vitest";
import {
  NONE_EXEMPT,
  decideSession,
  describeDevice,
  isSessionId,
  lastSeenDue,
  SESSION_METHODS,
  sessionMethod,
  trimUserAgent,
} from "./session-rules.ts";

const now = new Date("2026-12-03T10:00:00Z");
const live = {
  id: "5f0c8a52-3c1e-4a7b-9a55-0d2a3b4c5d6e",
  expiresAt: new Date("2026-12-03T12:00:00Z"),
  endedAt: null,
  lastSeenAt: new Date("2026-12-03T09:59:00Z"),
  method: "password",
};
const user = { active: true, sessionVersion: 3 };
const claims = { sid: live.id, sv: 3 };

describe("decideSession", () => {
  it("accepts a live row of an active user with the same session version", () => {
    expect(decideSession(user, live, claims, now)).toEqual({ ok: true });
  });

  it("refuses a missing row, another row, an ended or expired row", () => {
    expect(decideSession(user, null, claims, now)).toEqual({ ok: false, why: "no-session" });
    expect(decideSession(user, live, { ...claims, sid: undefined }, now)).toEqual({ ok: false, why: "no-session" });
    expect(decideSession(user, { ...live, endedAt: now }, claims, now)).toEqual({ ok: false, why: "ended" });
    expect(decideSession(user, { ...live, expiresAt: now }, claims, now)).toEqual({ ok: false, why: "expired" });
  });

  it("refuses a deactivated user or a bumped session version, whatever the row", () => {
    expect(decideSession({ ...user, active: false }, live, claims, now)).toEqual({ ok: false, why: "user" });
    expect(decideSession({ ...user, sessionVersion: 4 }, live, claims, now)).toEqual({ ok: false, why: "user" });
  });
});

describe("decideSession and the second factor (docs/decisions/045)", () => {
  const must = { ...user, needsSecondFactor: true };

  it("holds a live session of a user who must use a second factor until the row records one", () => {
    expect(decideSession(must, live, claims, now)).toEqual({ ok: false, why: "second-factor" });
    expect(decideSession(must, { ...live, secondFactorAt: null }, claims, now)).toEqual({
      ok: false,
      why: "second-factor",
    });
    expect(decideSession(must, { ...live, method: "email-link" }, claims, now)).toEqual({
      ok: false,
      why: "second-factor",
    });
    expect(decideSession(must, { ...live, method: "reset" }, claims, now)).toEqual({ ok: false, why: "second-factor" });
    // Positive controls: the factor proved, or a user who need not use one.
    expect(decideSession(must, { ...live, secondFactorAt: now }, claims, now)).toEqual({ ok: true });
    expect(decideSession({ ...user, needsSecondFactor: false }, live, claims, now)).toEqual({ ok: true });
  });

  it("lets impersonation and single sign-on through, and nothing that merely resembles them", () => {
    expect(decideSession(must, { ...live, method: "impersonation" }, claims, now)).toEqual({ ok: true });
    expect(decideSession(must, { ...live, method: "sso-oidc" }, claims, now)).toEqual({ ok: true });
    expect(decideSession(must, { ...live, method: "sso-saml" }, claims, now)).toEqual({ ok: true });
    for (const method of ["password-impersonation", "impersonation ", "sso-", "sso-oidc2", "sso"])
      expect(decideSession(must, { ...live, method }, claims, now), method).toEqual({
        ok: false,
        why: "second-factor",
      });
  });

  it("spares no kind of session when the realm says so (the agency's, docs/decisions/046)", () => {
    for (const method of ["sso-oidc", "sso-saml", "impersonation", "password"])
      expect(decideSession(must, { ...live, method }, claims, now, NONE_EXEMPT), method).toEqual({
        ok: false,
        why: "second-factor",
      });
    // Positive control: a session that proved its factor passes whatever its kind.
    expect(decideSession(must, { ...live, method: "sso-oidc", secondFactorAt: now }, claims, now, NONE_EXEMPT)).toEqual(
      { ok: true },
    );
  });

  it("checks the user and the row first: an ended session is ended, not half signed in", () => {
    expect(decideSession(must, { ...live, endedAt: now }, claims, now)).toEqual({ ok: false, why: "ended" });
    expect(decideSession({ ...must, active: false }, live, claims, now)).toEqual({ ok: false, why: "user" });
  });
});

describe("lastSeenDue", () => {
  it("is due once a minute has passed, not before", () => {
    expect(lastSeenDue({ lastSeenAt: new Date(now.getTime() - 59_999) }, now)).toBe(false);
    expect(lastSeenDue({ lastSeenAt: new Date(now.getTime() - 60_000) }, now)).toBe(true);
  });
});

describe("session ids and user agents", () => {
  it("takes only UUIDs as row ids", () => {
    expect(isSessionId(live.id)).toBe(true);
    for (const bad of [undefined, "", "x", `${live.id}'`, 42]) expect(isSessionId(bad)).toBe(false);
  });

  it("trims user agents to 300 characters without control characters", () => {
    expect(trimUserAgent("a\u0000b\nc")).toBe("a b c");
    expect(trimUserAgent("x".repeat(500))).toHaveLength(300);
    expect(trimUserAgent("  ")).toBeNull();
    expect(trimUserAgent(null)).toBeNull();
  });

  it.each([
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
      "Chrome",
      "Windows",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Edge",
      "Windows",
    ],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox", "macOS"],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari",
      "iPhone",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome",
      "Android",
    ],
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
      "Chrome",
      "Linux",
    ],
    [null, "Unknown browser", "unknown system"],
  ])("describes %s", (ua, browser, os) => {
    expect(describeDevice(ua)).toEqual({ browser, os });
  });
});

describe("sessionMethod", () => {
  it("stores next-auth's single sign-on provider ids as their SSO kinds", () => {
    expect(sessionMethod("oidc")).toBe("sso-oidc");
    expect(sessionMethod("saml")).toBe("sso-saml");
  });

  it("keeps every known method as itself", () => {
    expect(SESSION_METHODS.map((m) => sessionMethod(m))).toEqual([...SESSION_METHODS]);
    expect(sessionMethod("email-link")).toBe("email-link");
    expect(sessionMethod("reset")).toBe("reset");
  });

  it("stores an unknown provider, a near miss or an inherited property name as a password sign-in", () => {
    for (const provider of ["", "credentials", "OIDC", "sso", "oidc ", "constructor", "toString", "__proto__"])
      expect(sessionMethod(provider), provider).toBe("password");
  });
});
