/**
 * The rules a signed-in session is held to (docs/decisions/041), pure so they are tested alone
 * and so each check (the second factor too) is one line here rather than one in each guard.
 */

/** How a session was opened: stored with its row. SSO kinds will join these. */
export const SESSION_METHODS = ["password", "email-link", "impersonation", "reset", "sso-oidc", "sso-saml"] as const;
export type SessionMethod = (typeof SESSION_METHODS)[number];

/** next-auth's provider ids whose sessions are single sign-on (docs/decisions/042, 043). */
const SSO_PROVIDERS: Record<string, SessionMethod> = { oidc: "sso-oidc", saml: "sso-saml" };

/** The method a sign-in by `provider` (or a user's own `method`) is stored as; unknown ones as "password". */
export function sessionMethod(provider: string): SessionMethod {
  // Own keys only: `in` would also find Object.prototype's ("constructor", "toString").
  if (Object.hasOwn(SSO_PROVIDERS, provider)) return SSO_PROVIDERS[provider]!;
  return (SESSION_METHODS as readonly string[]).includes(provider) ? (provider as SessionMethod) : "password";
}

/** How long a session lives from sign-in, whatever it does meanwhile. */
export const SESSION_HOURS = 8;

/** lastSeenAt is written at most this often per session. */
export const LAST_SEEN_EVERY_MS = 60_000;

/** A session row as the guards read it, with the user it belongs to, in one query. */
export interface SessionRow {
  id: string;
  expiresAt: Date;
  endedAt: Date | null;
  lastSeenAt: Date;
  method: string;
  /** When the session proved its user's second factor (docs/decisions/045); absent where none is kept. */
  secondFactorAt?: Date | null;
}

/** What the guards know of the user behind a session. */
export interface SessionUser {
  active: boolean;
  sessionVersion: number;
  /** Whether this user must prove a second factor in each session (their portal's policy or their own choice). */
  needsSecondFactor?: boolean;
}

/**
 * Sessions the second step does not ask (docs/decisions/045): the agency's impersonation (its
 * owner proved their own factor on the agency side) and single sign-on (the identity provider
 * enforces its own).
 */
export const SECOND_FACTOR_EXEMPT = /^(impersonation|sso-[a-z]+)$/;

/**
 * The agency asks every session of its owners and operators, single sign-on too
 * (docs/decisions/046): they can change every portal, so the agency does not take an identity
 * provider's word that it asked for a second factor.
 */
export const NONE_EXEMPT = /(?!)/;

/** The claims a session cookie carries that the decision needs. */
export interface SessionClaims {
  sid?: string;
  sv?: number;
}

export type SessionDecision =
  { ok: true } | { ok: false; why: "no-session" | "ended" | "expired" | "user" | "second-factor" };

/**
 * Whether a session may be used now. The one place the guards of both realms decide it: the user
 * is active with an unchanged session version, and the cookie's session row exists, has not ended
 * and has not expired; and when the user must use a second factor, this session has proved one.
 */
export function decideSession(
  user: SessionUser,
  session: SessionRow | null,
  claims: SessionClaims,
  now: Date = new Date(),
  exempt: RegExp = SECOND_FACTOR_EXEMPT,
): SessionDecision {
  if (!user.active || user.sessionVersion !== claims.sv) return { ok: false, why: "user" };
  if (!session || session.id !== claims.sid) return { ok: false, why: "no-session" };
  if (session.endedAt) return { ok: false, why: "ended" };
  if (session.expiresAt.getTime() <= now.getTime()) return { ok: false, why: "expired" };
  // Half signed in: live, but its user must prove a second factor this session has not.
  if (user.needsSecondFactor && !session.secondFactorAt && !exempt.test(session.method))
    return { ok: false, why: "second-factor" };
  return { ok: true };
}

/** Whether this request should record that the session was seen (at most once a minute). */
export function lastSeenDue(session: Pick<SessionRow, "lastSeenAt">, now: Date = new Date()): boolean {
  return now.getTime() - session.lastSeenAt.getTime() >= LAST_SEEN_EVERY_MS;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A claim that can be a row id; anything else (an old cookie without one) is no session. */
export function isSessionId(value: unknown): value is string {
  return typeof value === "string" && UUID.test(value);
}

/** A user agent as stored: at most 300 characters, no control characters. */
export function trimUserAgent(userAgent: string | null | undefined): string | null {
  if (!userAgent) return null;
  const clean = userAgent.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return clean ? clean.slice(0, 300) : null;
}

/**
 * "Firefox on Windows", "Safari on iPhone": enough for a person to recognise their own devices in
 * the sessions list. Order matters: Edge and Opera say Chrome too, Chrome says Safari.
 */
export function describeDevice(userAgent: string | null | undefined): { browser: string; os: string } {
  const ua = userAgent ?? "";
  const browser = /Edg(e|A|iOS)?\//.test(ua)
    ? "Edge"
    : /OPR\/|Opera/.test(ua)
      ? "Opera"
      : /Firefox\/|FxiOS\//.test(ua)
        ? "Firefox"
        : /Chrome\/|CriOS\/|Chromium\//.test(ua)
          ? "Chrome"
          : /Safari\//.test(ua) && /Version\//.test(ua)
            ? "Safari"
            : /curl\//i.test(ua)
              ? "curl"
              : "Unknown browser";
  const os = /iPhone/.test(ua)
    ? "iPhone"
    : /iPad/.test(ua)
      ? "iPad"
      : /Android/.test(ua)
        ? "Android"
        : /Windows/.test(ua)
          ? "Windows"
          : /Mac OS X|Macintosh/.test(ua)
            ? "macOS"
            : /CrOS/.test(ua)
              ? "ChromeOS"
              : /Linux/.test(ua)
                ? "Linux"
                : "unknown system";
  return { browser, os };
}
