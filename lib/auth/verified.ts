/**
 * Proof that a guard checked the user of this request. Data functions that read private data
 * take a Verified viewer as a parameter, so they cannot be called before the guard has run: a
 * layout is never the guard, because Next renders layouts and pages in parallel and a page's
 * data reaches the response body even when its layout redirects (docs/decisions/018).
 *
 * The brand exists only in the type system; only the guards in lib/auth mark a user verified.
 */
declare const verifiedBrand: unique symbol;
export type Verified<T> = T & { readonly [verifiedBrand]: true };

/** For the guards in lib/auth alone: the user was read from a valid session just now. */
export function markVerified<T extends object>(user: T): Verified<T> {
  return user as Verified<T>;
}

/** Ranks of a realm's roles, lowest first; `atLeast` checks compare by index. */
export function rankAtLeast<R extends string>(ranks: readonly R[], role: R, atLeast: R): boolean {
  return ranks.indexOf(role) >= ranks.indexOf(atLeast);
}
