import "server-only";
import type pg from "pg";
import { z } from "zod";
import { seal, unseal, type Keyring } from "../db/keyring.server.ts";
import { platform } from "../platform/platform.server.ts";
import { withTenantDb } from "../platform/with-tenant-db.server.ts";
import { InvalidInput, PorticoError } from "../util/errors.ts";
import { discoverIssuer, insecureLoopbackAllowed, type DiscoveredIssuer } from "./oidc-discovery.server.ts";

/**
 * A tenant's OpenID Connect connection (docs/decisions/042), kept in the tenant's own database
 * (`SsoConnection`, kind "oidc"). The client secret is sealed with the platform keyring exactly
 * as tenant role passwords are in the control plane, and is never handed back to a page: forms
 * show only whether one is stored. Saving checks the issuer's discovery document first; a
 * connection whose identity (issuer, client, secret, scopes) changes must be tested again
 * before members may use it.
 */

export const OIDC = "oidc";

/** Problems beside the form's fields (the actions answer them as InvalidFields). */
export class ConnectionFieldErrors extends PorticoError {
  override readonly name = "ConnectionFieldErrors";
  constructor(readonly errors: Record<string, string>) {
    super(Object.values(errors)[0] ?? "Check the fields marked.");
  }
}

/** The roles an identity provider's claim may give; owners are made only in the portal. */
export const SSO_ROLES = ["member", "staff", "admin"] as const;
export type SsoRole = (typeof SSO_ROLES)[number];

export interface OidcConnectionView {
  displayName: string;
  issuer: string;
  clientId: string;
  hasSecret: boolean;
  scopes: string;
  roleClaim: string | null;
  roleMap: Record<string, SsoRole>;
  defaultRole: SsoRole;
  enabled: boolean;
  testedAt: Date | null;
  updatedAt: Date;
  updatedBy: string;
}

/** What sign-in needs: the view and the unsealed secret, read only by the auth route. */
export interface OidcConnection extends OidcConnectionView {
  clientSecret: string;
}

const ssoRole = z.enum(SSO_ROLES, { message: "Choose member, staff or admin." });

/** "value = role" per line, e.g. "portico-staff = staff"; blank lines and # comments ignored. */
export function parseRoleMap(text: string): Record<string, SsoRole> {
  const map: Record<string, SsoRole> = {};
  const lines = text.split(/\r?\n/);
  if (lines.length > 100) throw new InvalidInput("List at most 100 claim values.");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.lastIndexOf("=");
    const value = line.slice(0, Math.max(eq, 0)).trim();
    const role = ssoRole.safeParse(
      line
        .slice(eq + 1)
        .trim()
        .toLowerCase(),
    );
    if (eq < 1 || !value || value.length > 200 || !role.success)
      throw new InvalidInput(
        `Line ${i + 1} of the role mapping should read "claim value = member", "= staff" or "= admin".`,
      );
    map[value] = role.data;
  }
  return map;
}

export function formatRoleMap(map: Record<string, SsoRole>): string {
  return Object.entries(map)
    .map(([value, role]) => `${value} = ${role}`)
    .join("\n");
}

/** The form's fields; the secret may be left empty to keep the stored one. */
export const oidcConnectionInput = z.object({
  displayName: z.string().trim().min(1, "Enter the name shown on the sign-in button, e.g. Acme Login.").max(80),
  issuer: z.string().trim().min(1, "Enter the issuer URL of your identity provider.").max(500),
  clientId: z.string().trim().min(1, "Enter the client id your identity provider gave Portico.").max(255),
  clientSecret: z.string().max(2000).default(""),
  scopes: z
    .string()
    .trim()
    .max(300)
    .default("")
    .transform((v) => [...new Set(["openid", ...v.split(/\s+/).filter(Boolean)])].join(" "))
    .refine((v) => /^[\x21-\x7e ]+$/.test(v), "Scopes are words separated by spaces, e.g. openid email profile."),
  roleClaim: z
    .string()
    .trim()
    .max(100)
    .default("")
    .refine((v) => /^[A-Za-z0-9_.:/-]*$/.test(v), "A claim name has letters, digits and _ . : / - only, e.g. groups.")
    .transform((v) => v || null),
  roleMap: z.string().max(10_000).default(""),
  defaultRole: ssoRole.default("member"),
});
export type OidcConnectionInput = z.input<typeof oidcConnectionInput>;

type Row = {
  displayName: string;
  issuer: string;
  clientId: string | null;
  secretCiphertext: string | null;
  secretKeyId: string | null;
  scopes: string;
  roleClaim: string | null;
  roleMap: unknown;
  defaultRole: string;
  enabled: boolean;
  testedAt: Date | null;
  updatedAt: Date;
  updatedBy: string;
};

function roleMapOf(value: unknown): Record<string, SsoRole> {
  const out: Record<string, SsoRole> = {};
  if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) if (ssoRole.safeParse(v).success) out[k] = v as SsoRole;
  return out;
}

function view(row: Row): OidcConnectionView {
  return {
    displayName: row.displayName,
    issuer: row.issuer,
    clientId: row.clientId ?? "",
    hasSecret: Boolean(row.secretCiphertext && row.secretKeyId),
    scopes: row.scopes,
    roleClaim: row.roleClaim,
    roleMap: roleMapOf(row.roleMap),
    defaultRole: ssoRole.safeParse(row.defaultRole).success ? (row.defaultRole as SsoRole) : "member",
    enabled: row.enabled,
    testedAt: row.testedAt,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

/** The connection without its secret (settings pages, the sign-in button). */
export async function readOidcConnection(tenantId: string): Promise<OidcConnectionView | null> {
  const row = await withTenantDb(tenantId, (db) => db.ssoConnection.findUnique({ where: { kind: OIDC } }));
  return row ? view(row) : null;
}

/**
 * The connection with its secret unsealed, for the auth route only; null when there is none or
 * it is incomplete. A secret this instance cannot unseal (a key not loaded) leaves SSO off for
 * the tenant, never the portal: password sign-in is untouched.
 */
export async function loadOidcConnection(tenantId: string, keyring: Keyring): Promise<OidcConnection | null> {
  const row = await withTenantDb(tenantId, (db) => db.ssoConnection.findUnique({ where: { kind: OIDC } }));
  if (!row?.clientId || !row.secretCiphertext || !row.secretKeyId) return null;
  const clientSecret = unseal({ ciphertext: row.secretCiphertext, keyId: row.secretKeyId }, keyring);
  return { ...view(row), clientSecret };
}

export interface SaveContext {
  keyring: Keyring;
  /** Who saves: a member's email, or "agency: <email>". */
  by: string;
  allowLoopbackHttp?: boolean;
  fetch?: typeof fetch;
}

export interface SaveOutcome {
  /** True when the issuer, client, secret or scopes changed: tested again before use. */
  needsTest: boolean;
  discovered: DiscoveredIssuer;
}

/**
 * Validates and stores the connection. Field problems are answered beside their fields
 * (ConnectionFieldErrors); the discovery document is fetched and checked before anything is written, so a
 * wrong issuer or an unreachable provider stores nothing.
 */
export async function saveOidcConnection(tenantId: string, raw: unknown, ctx: SaveContext): Promise<SaveOutcome> {
  const parsed = oidcConnectionInput.safeParse(raw);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
    throw new ConnectionFieldErrors(errors);
  }
  const input = parsed.data;
  let roleMap: Record<string, SsoRole>;
  try {
    roleMap = parseRoleMap(input.roleMap);
  } catch (error) {
    throw new ConnectionFieldErrors({ roleMap: (error as Error).message });
  }
  const allowLoopbackHttp = ctx.allowLoopbackHttp ?? insecureLoopbackAllowed(platform().env.PORTICO_PUBLIC_SCHEME);
  let discovered: DiscoveredIssuer;
  try {
    discovered = await discoverIssuer(input.issuer, { allowLoopbackHttp, fetch: ctx.fetch });
  } catch (error) {
    if (error instanceof InvalidInput) throw new ConnectionFieldErrors({ issuer: error.message });
    throw error;
  }
  const existing = await withTenantDb(tenantId, (db) => db.ssoConnection.findUnique({ where: { kind: OIDC } }));
  const secret = input.clientSecret.trim();
  if (!secret && !existing?.secretCiphertext)
    throw new ConnectionFieldErrors({ clientSecret: "Enter the client secret your identity provider gave Portico." });
  const sealed = secret ? seal(secret, ctx.keyring) : null;
  const needsTest =
    !existing ||
    Boolean(secret) ||
    existing.issuer !== input.issuer ||
    existing.clientId !== input.clientId ||
    existing.scopes !== input.scopes;
  const data = {
    displayName: input.displayName,
    issuer: input.issuer,
    clientId: input.clientId,
    scopes: input.scopes,
    roleClaim: input.roleClaim,
    roleMap,
    defaultRole: input.defaultRole,
    updatedBy: ctx.by.slice(0, 254),
    ...(sealed ? { secretCiphertext: sealed.ciphertext, secretKeyId: sealed.keyId } : {}),
    // A connection that now points elsewhere is off until a test sign-in succeeds with it.
    ...(needsTest ? { enabled: false, testedAt: null } : {}),
  };
  await withTenantDb(tenantId, (db) =>
    db.ssoConnection.upsert({ where: { kind: OIDC }, create: { kind: OIDC, ...data }, update: data }),
  );
  return { needsTest, discovered };
}

/** Members may use the connection only after a successful test sign-in with its current settings. */
export async function setOidcEnabled(tenantId: string, enabled: boolean, by: string): Promise<void> {
  const row = await withTenantDb(tenantId, (db) => db.ssoConnection.findUnique({ where: { kind: OIDC } }));
  if (!row) throw new InvalidInput("Save a single sign-on connection first.");
  if (enabled && !row.testedAt)
    throw new InvalidInput("Run a successful test sign-in before turning single sign-on on for members.");
  await withTenantDb(tenantId, (db) =>
    db.ssoConnection.update({ where: { kind: OIDC }, data: { enabled, updatedBy: by.slice(0, 254) } }),
  );
}

/**
 * A test sign-in succeeded: recorded only if the connection still has the issuer and client the
 * test ran with (a save in between asks for a new test).
 */
export async function recordOidcTest(tenantId: string, tested: { issuer: string; clientId: string }): Promise<boolean> {
  const { count } = await withTenantDb(tenantId, (db) =>
    db.ssoConnection.updateMany({
      where: { kind: OIDC, issuer: tested.issuer, clientId: tested.clientId },
      data: { testedAt: new Date() },
    }),
  );
  return count === 1;
}

export async function deleteOidcConnection(tenantId: string): Promise<void> {
  await withTenantDb(tenantId, (db) => db.ssoConnection.deleteMany({ where: { kind: OIDC } }));
}

/**
 * After a key rotation: re-seals a tenant's SSO client secrets under the current key, over a
 * connection to its database (lib/lifecycle/role-credentials.server.ts runs it for every tenant).
 */
export async function resealSsoSecrets(client: Pick<pg.Client, "query">, keyring: Keyring): Promise<number> {
  const { rows } = await client.query<{ id: string; secretCiphertext: string; secretKeyId: string }>(
    `SELECT id, "secretCiphertext", "secretKeyId" FROM "SsoConnection" WHERE "secretCiphertext" IS NOT NULL AND "secretKeyId" <> $1`,
    [keyring.currentId],
  );
  for (const row of rows) {
    const sealed = seal(unseal({ ciphertext: row.secretCiphertext, keyId: row.secretKeyId }, keyring), keyring);
    await client.query(`UPDATE "SsoConnection" SET "secretCiphertext" = $1, "secretKeyId" = $2 WHERE id = $3`, [
      sealed.ciphertext,
      sealed.keyId,
      row.id,
    ]);
  }
  return rows.length;
}

/** What the sign-in page offers: the button's name when the connection is on, else null. */
export async function ssoSignInOffer(tenantId: string): Promise<{ name: string } | null> {
  const row = await withTenantDb(tenantId, (db) =>
    db.ssoConnection.findUnique({ where: { kind: OIDC }, select: { displayName: true, enabled: true } }),
  );
  return row?.enabled ? { name: row.displayName } : null;
}

/** The connection as the settings forms show it (components/auth/sso-connection-form.tsx). */
export function ssoFormProps(connection: OidcConnectionView | null) {
  if (!connection) return null;
  const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return {
    displayName: connection.displayName,
    issuer: connection.issuer,
    clientId: connection.clientId,
    hasSecret: connection.hasSecret,
    scopes: connection.scopes,
    roleClaim: connection.roleClaim ?? "",
    roleMap: formatRoleMap(connection.roleMap),
    defaultRole: connection.defaultRole,
    enabled: connection.enabled,
    tested: connection.testedAt ? when(connection.testedAt) : null,
    updated: `${when(connection.updatedAt)} · ${connection.updatedBy}`,
  };
}

/** The callback address to register at the provider, on each of the tenant's hosts. */
export function ssoRedirectUris(hosts: string[], link: (host: string, path: string) => string): string[] {
  return hosts.map((host) => link(host, `/api/auth/callback/${OIDC}`));
}
