/**
 * Tenant slugs become subdomains, database names and role names, so they are validated here,
 * before any SQL runs (security case 14). Identifiers are never built from anything else.
 */

export const SLUG_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const SLUG_MAX_LENGTH = 40;

/** Names that would collide with infrastructure, the agency host or PostgreSQL itself. */
const INFRASTRUCTURE_NAMES = [
  "admin",
  "agency",
  "api",
  "app",
  "assets",
  "auth",
  "billing",
  "cdn",
  "dashboard",
  "dev",
  "docs",
  "help",
  "internal",
  "localhost",
  "mail",
  "portico",
  "postgres",
  "root",
  "smtp",
  "static",
  "status",
  "support",
  "system",
  "template0",
  "template1",
  "test",
  "www",
];

/**
 * Every path segment the router uses: the folders of app/ (proxy.ts rewrites into `/t/…` and
 * `/agency/…`), public/, and the paths proxy.ts answers itself. A tenant named like one of them
 * would put its name where the router expects its own segment. Kept as a list because this
 * module also runs in the browser (the wizard); slug.test.ts reads app/ and public/ and fails
 * when a folder is added without being listed here.
 */
export const ROUTE_SEGMENTS = [
  "t",
  "agency",
  "api",
  "healthz",
  "next",
  "favicon",
  "brand",
  "account",
  "acs",
  "attendees",
  "audit",
  "calendar",
  "check-in",
  "confirm",
  "cover",
  "domains",
  "drafts",
  "email",
  "ended",
  "events",
  "exports",
  "forgot-password",
  "impersonate",
  "impersonation",
  "insights",
  "invite",
  "link",
  "logo",
  "manage",
  "message",
  "metadata",
  "migrations",
  "new",
  "operations",
  "outbox",
  "portal-unavailable",
  "registrations",
  "reset-password",
  "saml",
  "second-factor",
  "settings",
  "sign-in",
  "sign-up",
  "slug-availability",
  "start",
  "team",
  "tenants",
  "tickets",
  "users",
  // Audit streams (decision 049): /audit/streams, /manage/streams.
  "streams",
  // Data-subject requests (decision 051): /account/data, /account/data/export, /manage/privacy.
  "data",
  "export",
  "privacy",
] as const;

export const RESERVED_SLUGS: ReadonlySet<string> = new Set([...INFRASTRUCTURE_NAMES, ...ROUTE_SEGMENTS]);

export type SlugCheck = { ok: true; slug: string } | { ok: false; message: string };

export function checkSlug(input: unknown): SlugCheck {
  if (typeof input !== "string" || input.length === 0) {
    return { ok: false, message: 'Enter a slug: lower-case letters, digits and hyphens, e.g. "acme".' };
  }
  if (input.length > SLUG_MAX_LENGTH) {
    return {
      ok: false,
      message: `A slug has at most ${SLUG_MAX_LENGTH} characters; "${input.slice(0, 20)}…" has ${input.length}.`,
    };
  }
  if (!SLUG_PATTERN.test(input)) {
    return {
      ok: false,
      message: `"${input}" is not a valid slug: use lower-case letters a–z, digits and single hyphens, starting with a letter.`,
    };
  }
  if ((ROUTE_SEGMENTS as readonly string[]).includes(input)) {
    return {
      ok: false,
      message: `"${input}" is reserved: Portico's router uses the path /${input} itself; choose another slug.`,
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
