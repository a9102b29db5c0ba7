import "server-only";
import { readSamlCertificate } from "./saml-connection.server.ts";
import { saveSamlConnection, type SavedSamlConnection } from "./saml-sign-in.server.ts";
import { tenantSamlServiceProvider } from "./saml.server.ts";
import { ConnectionFieldErrors, formatRoleMap, parseRoleMap } from "./sso-connection.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";

/**
 * The SAML connection as its settings forms see it (components/auth/saml-connection-form.tsx),
 * for a tenant's admins in the portal and for agency operators: the form's fields turned into a
 * connection (the group mapping is written as the OIDC form's "group = role" lines), the saved
 * one turned back into fields, with its certificate's subject, expiry and fingerprint.
 */

/** The form's names of the connection's fields; anything else is answered beside the form. */
const FIELDS = new Set([
  "displayName",
  "idpEntityId",
  "idpSsoUrl",
  "idpCertificate",
  "emailAttribute",
  "nameAttribute",
  "groupsAttribute",
  "defaultRole",
]);

const text = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * Checks and stores what the form sent. Problems are thrown as ConnectionFieldErrors beside their
 * fields, and then nothing stored changes. Returns whether the connection must be tested again.
 */
export async function saveSamlSettings(
  tenant: Pick<ResolvedTenant, "id">,
  raw: Record<string, unknown>,
  by: string,
): Promise<{ needsTest: boolean }> {
  let roleMap: Record<string, "member" | "staff" | "admin">;
  try {
    roleMap = parseRoleMap(text(raw.roleMap));
  } catch (error) {
    throw new ConnectionFieldErrors({ roleMap: (error as Error).message });
  }
  const optional = (name: string) => text(raw[name]).trim() || undefined;
  const saved = await saveSamlConnection(
    tenant,
    {
      displayName: text(raw.displayName),
      idpEntityId: text(raw.idpEntityId),
      idpSsoUrl: text(raw.idpSsoUrl),
      idpCertificate: text(raw.idpCertificate),
      emailAttribute: optional("emailAttribute"),
      nameAttribute: optional("nameAttribute"),
      groupsAttribute: optional("groupsAttribute"),
      roleMapping: Object.entries(roleMap).map(([group, role]) => ({ group, role })),
      defaultRole: (optional("defaultRole") ?? "member") as "member",
    },
    { by },
  );
  if (!saved.ok) {
    const errors: Record<string, string> = {};
    for (const { field, message } of saved.errors) {
      const name = field.split(".")[0] ?? "";
      errors[FIELDS.has(name) ? name : name === "roleMapping" ? "roleMap" : "form"] ??= message;
    }
    throw new ConnectionFieldErrors(errors);
  }
  return { needsTest: saved.needsTest };
}

/** What to give the IdP's administrator: this portal's names, from its registered primary host. */
export function samlServiceProviderValues(primaryHost: string) {
  const sp = tenantSamlServiceProvider(primaryHost);
  return { entityId: sp.entityId, acsUrl: sp.acsUrl, metadataUrl: sp.entityId };
}

const when = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** The saved connection as the form shows it; null when there is none. */
export function samlFormProps(connection: SavedSamlConnection | null, now: Date = new Date()) {
  if (!connection) return null;
  let certificate: { subject: string; validTo: string; fingerprint: string; expiresSoon: boolean } | null = null;
  try {
    // Read without the expiry check: a saved certificate that has since expired is shown as such.
    const info = readSamlCertificate(connection.idpCertificate, null);
    certificate = {
      subject: info.subject.replace(/\n/g, ", "),
      validTo: info.validTo.toISOString().slice(0, 10),
      fingerprint: info.fingerprint256,
      expiresSoon: info.validTo.getTime() - now.getTime() < 30 * 24 * 3600_000,
    };
  } catch {
    certificate = null;
  }
  return {
    displayName: connection.displayName,
    idpEntityId: connection.idpEntityId,
    idpSsoUrl: connection.idpSsoUrl,
    idpCertificate: connection.idpCertificate,
    emailAttribute: connection.emailAttribute,
    nameAttribute: connection.nameAttribute,
    groupsAttribute: connection.groupsAttribute,
    roleMap: formatRoleMap(Object.fromEntries(connection.roleMapping.map((m) => [m.group, m.role]))),
    defaultRole: connection.defaultRole,
    enabled: connection.enabled,
    tested: connection.testedAt ? when(connection.testedAt) : null,
    updated: `${when(connection.updatedAt)}${connection.updatedBy ? ` · ${connection.updatedBy}` : ""}`,
    certificate,
  };
}
export type SamlFormProps = NonNullable<ReturnType<typeof samlFormProps>>;
