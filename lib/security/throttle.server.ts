import "server-only";
import { log } from "../observability/logger.ts";
import { createHash } from "node:crypto";
import pg from "pg";
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes } from "rate-limiter-flexible";

/**
 * Every rate limit and the account lockout, in one table (docs/decisions/019). Counters live in
 * the control plane's "RateLimit" table through rate-limiter-flexible's PostgreSQL store, so a
 * limit holds across every instance of the app; if that store cannot be reached, an in-memory
 * limiter with the same numbers stands in (per instance) rather than letting everything through.
 *
 * Each guarded action is limited per account and per client IP. Sign-in counts only failures,
 * so people signing in correctly from one office (or the browser tests from 127.0.0.1) never
 * use up a budget; the per-IP budgets are sized for a busy office behind one NAT address.
 */
export const LIMITS = {
  /** Wrong passwords for one account within the window: the next one locks it (see LOCKOUT_SECONDS). */
  signInFailuresPerAccount: { points: 5, duration: 15 * 60 },
  /** Wrong passwords from one address, over every account: then that address waits blockDuration. */
  signInFailuresPerIp: { points: 100, duration: 15 * 60, blockDuration: 15 * 60 },
  /** Email sign-in links mailed to one account. */
  signInLinkPerAccount: { points: 5, duration: 15 * 60 },
  signInLinkPerIp: { points: 30, duration: 15 * 60 },
  /** Self sign-ups for one address (email) of one portal. */
  signUpPerAccount: { points: 5, duration: 60 * 60 },
  signUpPerIp: { points: 20, duration: 60 * 60 },
  /** Attempts at one invitation (its token is the account until it is accepted). */
  invitationPerAccount: { points: 10, duration: 15 * 60 },
  invitationPerIp: { points: 30, duration: 15 * 60 },
  /** Guest registrations for one email address in one portal. */
  guestRegistrationPerAccount: { points: 5, duration: 60 * 60 },
  guestRegistrationPerIp: { points: 60, duration: 60 * 60 },
  /** "Forgot password?" mails to one account (counted for unknown addresses too, so it tells nothing). */
  passwordResetPerAccount: { points: 5, duration: 60 * 60 },
  passwordResetPerIp: { points: 30, duration: 60 * 60 },
  /** Confirmation links to a new address asked for by one account. */
  emailChangePerAccount: { points: 5, duration: 60 * 60 },
  emailChangePerIp: { points: 30, duration: 60 * 60 },
  /** Attempts at one reset or email-change link (its token is the account until it is used). */
  accountLinkPerAccount: { points: 10, duration: 15 * 60 },
  accountLinkPerIp: { points: 60, duration: 15 * 60 },
  /** Sessions ended from the account page by one account. */
  sessionEndPerAccount: { points: 60, duration: 15 * 60 },
  sessionEndPerIp: { points: 300, duration: 15 * 60 },
  /**
   * SAML starts and answers at the ACS URL, per client address on one portal (the "account" is
   * the portal and the address) and per address over every portal: one sign-in is two.
   */
  samlPerAccount: { points: 120, duration: 15 * 60 },
  samlPerIp: { points: 600, duration: 15 * 60 },
  /** The wizard's live slug check, per agency user. */
  slugCheckPerAccount: { points: 300, duration: 10 * 60 },
  slugCheckPerIp: { points: 600, duration: 10 * 60 },
} as const satisfies Record<string, { points: number; duration: number; blockDuration?: number }>;

/** How long the 1st, 2nd, 3rd, 4th and later lockouts of one account within a day last. */
export const LOCKOUT_SECONDS = [15 * 60, 60 * 60, 4 * 3600, 24 * 3600] as const;
const LOCKOUT_MEMORY_SECONDS = 24 * 3600;

export type ThrottledAction =
  | "sign-in-link"
  | "sign-up"
  | "invitation"
  | "guest-registration"
  | "slug-check"
  | "password-reset"
  | "email-change"
  | "account-link"
  | "session-end"
  | "saml";
const ACTION_LIMITS: Record<ThrottledAction, [keyof typeof LIMITS, keyof typeof LIMITS]> = {
  "sign-in-link": ["signInLinkPerAccount", "signInLinkPerIp"],
  "sign-up": ["signUpPerAccount", "signUpPerIp"],
  invitation: ["invitationPerAccount", "invitationPerIp"],
  "guest-registration": ["guestRegistrationPerAccount", "guestRegistrationPerIp"],
  "slug-check": ["slugCheckPerAccount", "slugCheckPerIp"],
  "password-reset": ["passwordResetPerAccount", "passwordResetPerIp"],
  "email-change": ["emailChangePerAccount", "emailChangePerIp"],
  "account-link": ["accountLinkPerAccount", "accountLinkPerIp"],
  "session-end": ["sessionEndPerAccount", "sessionEndPerIp"],
  saml: ["samlPerAccount", "samlPerIp"],
};

/** A refusal: what the person reads, and the seconds a script should wait (Retry-After). */
export interface Refusal {
  retryAfterSeconds: number;
  message: string;
}

export function tooManyAttempts(retryAfterSeconds: number): Refusal {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  const minutes = Math.ceil(seconds / 60);
  const hours = Math.ceil(seconds / 3600);
  const when =
    seconds < 60
      ? `${seconds} second${seconds === 1 ? "" : "s"}`
      : minutes <= 90
        ? `${minutes} minute${minutes === 1 ? "" : "s"}`
        : `${hours} hours`;
  return { retryAfterSeconds: seconds, message: `Too many attempts. Try again in ${when}.` };
}

/** A 429 for route handlers and scripts: the message as text, and Retry-After. */
export function refusalResponse(refusal: Refusal, json?: Record<string, unknown>): Response {
  const headers = { "Retry-After": String(refusal.retryAfterSeconds), "Cache-Control": "no-store" };
  return json
    ? Response.json({ ...json, message: refusal.message }, { status: 429, headers })
    : new Response(`${refusal.message}\n`, {
        status: 429,
        headers: { ...headers, "Content-Type": "text/plain; charset=utf-8" },
      });
}

/** One account of one realm: the same email in two tenants is two accounts. */
export const tenantAccount = (tenantId: string, email: string) => `tenant:${tenantId}:${email.trim().toLowerCase()}`;
export const agencyAccount = (email: string) => `agency:${email.trim().toLowerCase()}`;

// Keys are hashed so an address of any length fits the store's key column, and the table never
// holds email addresses in clear.
const keyOf = (account: string) => createHash("sha256").update(account).digest("base64url");

export interface SignInLock {
  /** This lockout's length and how many the account had within a day, this one included. */
  seconds: number;
  count: number;
}

export interface Throttle {
  /** Consumes one attempt of `action` for the account and the address; a refusal when over. */
  attempt(action: ThrottledAction, who: { account: string; ip: string }): Promise<Refusal | null>;
  /** Before checking a password: refused while the account is locked or the address is blocked. */
  signInRefusal(who: { account: string; ip: string }): Promise<Refusal | null>;
  /** A wrong password: counts it; returns the new lock when this failure locked the account. */
  signInFailed(who: { account: string; ip: string }): Promise<SignInLock | null>;
  /** A right password: the account's failure count starts again. */
  signInSucceeded(account: string): Promise<void>;
  /** Which of these accounts are locked, and until when. */
  lockedUntil(accounts: string[]): Promise<Map<string, Date>>;
  /** An admin lifts a lock (the day's lockout count stays, so a repeat still grows). */
  lift(account: string): Promise<boolean>;
}

export interface ThrottleOptions {
  /** A pool on the control-plane database whose role may write "RateLimit". */
  pool: pg.Pool;
  /** Key prefix, so tests can share one database without sharing counters. */
  prefix?: string;
}

export function createThrottle({ pool, prefix = "rl" }: ThrottleOptions): Throttle {
  const make = (name: string, o: { points: number; duration: number; blockDuration?: number }) =>
    new RateLimiterPostgres({
      storeClient: pool,
      storeType: "pool",
      tableName: "RateLimit",
      tableCreated: true,
      keyPrefix: `${prefix}:${name}`,
      ...o,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, ...o }),
    });
  const limiters = Object.fromEntries(Object.entries(LIMITS).map(([name, o]) => [name, make(name, o)])) as Record<
    keyof typeof LIMITS,
    RateLimiterPostgres
  >;
  const lockouts = make("lockouts", { points: 1_000, duration: LOCKOUT_MEMORY_SECONDS });
  const failures = limiters.signInFailuresPerAccount;
  const ipFailures = limiters.signInFailuresPerIp;

  const overBy = (res: RateLimiterRes | null, points: number) =>
    res && res.consumedPoints > points ? res.msBeforeNext : 0;

  async function consume(limiter: RateLimiterPostgres, key: string): Promise<number> {
    try {
      await limiter.consume(key);
      return 0;
    } catch (error) {
      if (error instanceof RateLimiterRes) return error.msBeforeNext;
      throw error;
    }
  }

  return {
    async attempt(action, { account, ip }) {
      const [perAccount, perIp] = ACTION_LIMITS[action];
      const waits = await Promise.all([consume(limiters[perAccount], keyOf(account)), consume(limiters[perIp], ip)]);
      const wait = Math.max(...waits);
      return wait > 0 ? tooManyAttempts(wait / 1000) : null;
    },

    async signInRefusal({ account, ip }) {
      const [lock, blocked] = await Promise.all([failures.get(keyOf(account)), ipFailures.get(ip)]);
      const wait = Math.max(
        overBy(lock, LIMITS.signInFailuresPerAccount.points - 1),
        overBy(blocked, LIMITS.signInFailuresPerIp.points - 1),
      );
      return wait > 0 ? tooManyAttempts(wait / 1000) : null;
    },

    async signInFailed({ account, ip }) {
      const key = keyOf(account);
      // The failure that uses up an address's budget blocks it for blockDuration from then.
      if ((await ipFailures.penalty(ip, 1)).consumedPoints === LIMITS.signInFailuresPerIp.points)
        await ipFailures.block(ip, LIMITS.signInFailuresPerIp.blockDuration);
      const res = await failures.penalty(key, 1);
      if (res.consumedPoints !== LIMITS.signInFailuresPerAccount.points) return null;
      // The failure that reaches the limit locks the account, for longer on each repeat.
      const count = (await lockouts.penalty(key, 1)).consumedPoints;
      const seconds = LOCKOUT_SECONDS[Math.min(count, LOCKOUT_SECONDS.length) - 1]!;
      await failures.block(key, seconds);
      return { seconds, count };
    },

    async signInSucceeded(account) {
      await failures.delete(keyOf(account));
    },

    async lockedUntil(accounts) {
      const out = new Map<string, Date>();
      const results = await Promise.all(accounts.map(async (a) => [a, await failures.get(keyOf(a))] as const));
      for (const [account, res] of results) {
        const wait = overBy(res, LIMITS.signInFailuresPerAccount.points - 1);
        if (wait > 0) out.set(account, new Date(Date.now() + wait));
      }
      return out;
    },

    async lift(account) {
      return failures.delete(keyOf(account));
    },
  };
}

export type PasswordCheck<U> = () => Promise<
  { ok: true; user: U } | { ok: false; owner: { email: string; name: string } | null }
>;

/**
 * Checks a password under the lockout rules: refused while locked (even the right password), a
 * wrong one counts, the right one clears the count. `check` verifies and returns the user, or on
 * a failure the active user it was for (to be told of a lockout), if any.
 */
export async function checkPasswordUnderLockout<U>(
  t: Throttle,
  who: { account: string; ip: string },
  check: PasswordCheck<U>,
  onLocked: (owner: { email: string; name: string }, lock: SignInLock, ip: string) => Promise<void>,
): Promise<{ ok: true; user: U } | { ok: false; refusal?: Refusal }> {
  const refusal = await t.signInRefusal(who);
  if (refusal) return { ok: false, refusal };
  const result = await check();
  if (result.ok) {
    await t.signInSucceeded(who.account);
    return result;
  }
  const lock = await t.signInFailed(who);
  if (lock && result.owner) {
    // The lock holds whatever happens to the mail or the audit entry; their failure is logged.
    await onLocked(result.owner, lock, who.ip).catch((error: unknown) =>
      log().error({ err: error }, "[throttle] lockout notice failed"),
    );
  }
  return { ok: false, refusal: lock ? tooManyAttempts(lock.seconds) : undefined };
}

const KEY = Symbol.for("portico.throttle");
type Holder = { [KEY]?: Throttle };

/**
 * The process-wide throttle, on a small pool of its own to the control plane (kept on
 * globalThis for the same reason as platform()).
 */
export function throttle(databaseUrl: string): Throttle {
  const holder = globalThis as Holder;
  if (!holder[KEY]) {
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 3,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 3_000,
    });
    // An idle session the server ended (a restart) would otherwise be an unhandled error that
    // ends the process; the pool replaces it on the next attempt.
    pool.on("error", () => {});
    holder[KEY] = createThrottle({ pool });
  }
  return holder[KEY];
}
