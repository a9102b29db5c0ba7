/**
 * Tenant slugs become subdomains, database names and role names, so they are validated here,
 * before any SQL runs (security case 14). Identifiers are never built from anything else.
 */

export const SLUG_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const SLUG_MAX_LENGTH = 40;

/** Names that would collide with infrastructure, the agency host or PostgreSQL itself. */
export const RESERVED_SLUGS: ReadonlySet<string> = new Set([
  "admin", "agency", "api", "app", "assets", "auth", "billing", "cdn", "dashboard", "dev",
  "docs", "help", "internal", "localhost", "mail", "portico", "postgres", "root", "smtp",
  "static", "status", "support", "system", "template0", "template1", "test", "www",
]);

export type SlugCheck = { ok: true; slug: string } | { ok: false; message: string };

export function checkSlug(input: unknown): SlugCheck {
  if (typeof input !== "string" || input.length === 0) {
    return { ok: false, message: "Enter a slug: lower-case letters, digits and hyphens, e.g. \"acme\"." };
  }
  if (input.length > SLUG_MAX_LENGTH) {
    return { ok: false, message: `A slug has at most ${SLUG_MAX_LENGTH} characters; "${input.slice(0, 20)}…" has ${input.length}.` };
  }
  if (!SLUG_PATTERN.test(input)) {
    return {
      ok: false,
      message: `"${input}" is not a valid slug: use lower-case letters a–z, digits and single hyphens, starting with a letter.`,
    };
  }
  if (RESERVED_SLUGS.has(input)) {
    return { ok: false, message: `"${input}" is reserved; choose another slug.` };
  }
  return { ok: true, slug: input };
}

/** Database and role names derive from the slug: `t_<slug with _>` fits in PostgreSQL's 63 bytes. */
export function tenantDatabaseName(slug: string): string {
  return `t_${slug.replaceAll("-", "_")}`;
}

export function tenantRoleName(slug: string): string {
  return `t_${slug.replaceAll("-", "_")}_app`;
}
