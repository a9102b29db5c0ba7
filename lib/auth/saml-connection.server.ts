import "server-only";
import { X509Certificate } from "node:crypto";
import { z } from "zod";

/**
 * A tenant's SAML identity provider, as its owner enters it (docs/decisions/043). Checked when it
 * is saved, so a connection that could never work — an http:// sign-in URL, a certificate that
 * has expired or is not a certificate — is refused with what to do instead of failing at sign-in.
 */

/** Roles an IdP group can grant. Never "owner": ownership is given inside the portal only. */
export const SAML_ROLES = ["member", "staff", "admin"] as const;
export type SamlRole = (typeof SAML_ROLES)[number];

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https://, or http:// for an IdP on this machine (development and tests). */
export function isAllowedIdpUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
}

export interface SamlCertificateInfo {
  /** The certificate as PEM, one header, base64 in 64-character lines. */
  pem: string;
  subject: string;
  validFrom: Date;
  validTo: Date;
  /** SHA-256 fingerprint, as IdP consoles show it (AB:CD:…). */
  fingerprint256: string;
}

const PEM_BODY = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/;

/**
 * Reads an IdP signing certificate pasted as PEM or as the bare base64 an IdP's metadata holds
 * (`<ds:X509Certificate>`). Throws an Error whose message says what to do.
 */
export function readSamlCertificate(input: string, now: Date | null = new Date()): SamlCertificateInfo {
  const text = input.trim();
  const blocks = text.match(new RegExp(PEM_BODY.source, "g")) ?? [];
  if (blocks.length > 1) throw new Error("Paste one certificate: the IdP's current signing certificate.");
  const body = (blocks.length === 1 ? PEM_BODY.exec(text)?.[1] : text)?.replace(/\s+/g, "") ?? "";
  // A certificate's DER starts with a SEQUENCE (0x30): anything else is some other text.
  if (!body || !/^[A-Za-z0-9+/]+={0,2}$/.test(body) || Buffer.from(body, "base64")[0] !== 0x30) {
    throw new Error(
      "This is not a certificate: paste the IdP's signing certificate (PEM, -----BEGIN CERTIFICATE-----).",
    );
  }
  const pem = `-----BEGIN CERTIFICATE-----\n${body.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END CERTIFICATE-----\n`;
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new Error("The certificate could not be read: paste the IdP's signing certificate (PEM) again, whole.");
  }
  // XML signatures here are RSA (xml-crypto's algorithms); an EC key would fail every sign-in.
  if (cert.publicKey.asymmetricKeyType !== "rsa") {
    throw new Error("The certificate's key is not RSA: SAML sign-in needs the IdP's RSA signing certificate.");
  }
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  // null: a saved certificate read for display, its dates shown rather than refused.
  if (now && validTo.getTime() <= now.getTime()) {
    throw new Error(`The certificate expired on ${day(validTo)}; upload the IdP's current one.`);
  }
  if (now && validFrom.getTime() > now.getTime()) {
    throw new Error(`The certificate is valid only from ${day(validFrom)}; upload the one the IdP signs with today.`);
  }
  return { pem, subject: cert.subject, validFrom, validTo, fingerprint256: cert.fingerprint256 };
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const attributeName = (fallback: string) =>
  z
    .string()
    .trim()
    .min(1, "Enter the attribute's name as the IdP sends it.")
    .max(300, "An attribute name is at most 300 characters.")
    .default(fallback);

export const samlConnectionSchema = z.object({
  /** The IdP's entity id (its metadata's entityID): the Issuer its answers must carry. */
  idpEntityId: z
    .string()
    .trim()
    .min(1, "Enter the IdP's entity id (entityID in its metadata).")
    .max(1000, "The entity id is at most 1000 characters."),
  /** Where the browser is sent with the AuthnRequest (HTTP-Redirect binding). */
  idpSsoUrl: z
    .string()
    .trim()
    .max(2000, "The sign-in URL is at most 2000 characters.")
    .refine(
      isAllowedIdpUrl,
      "Enter the IdP's single sign-on URL, starting with https:// (http:// only for localhost or 127.0.0.1).",
    ),
  /** The IdP's signing certificate, stored as normalised PEM. */
  idpCertificate: z
    .string()
    .max(20_000, "The certificate is too long: paste the IdP's signing certificate only.")
    .transform((value, ctx) => {
      try {
        return readSamlCertificate(value).pem;
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** Attribute carrying the email address; the NameID is used when it is an address and this is absent. */
  emailAttribute: attributeName("email"),
  nameAttribute: attributeName("name"),
  groupsAttribute: attributeName("groups"),
  /** IdP group → portal role; a member of several mapped groups gets the highest role. Everyone else is a member. */
  roleMapping: z
    .array(
      z.object({
        group: z.string().trim().min(1, "Enter the group's name as the IdP sends it.").max(300),
        role: z.enum(SAML_ROLES, { message: "Choose member, staff or admin." }),
      }),
    )
    .max(50, "At most 50 group mappings.")
    .default([]),
  /** The sign-in button's name: "Sign in with <displayName>". */
  displayName: z
    .string()
    .trim()
    .min(1, "Enter the name shown on the sign-in button, e.g. Acme Login.")
    .max(80, "The button's name is at most 80 characters.")
    .default("SAML"),
  /** The role of a person in no mapped group. */
  defaultRole: z.enum(SAML_ROLES, { message: "Choose member, staff or admin." }).default("member"),
});

/** A checked connection, as stored and as the SAML service provider uses it. */
export type SamlConnection = z.output<typeof samlConnectionSchema>;
export type SamlConnectionInput = z.input<typeof samlConnectionSchema>;

/** The role the IdP's groups map to: the highest mapped one, else the connection's default role. */
export function samlRoleFor(
  connection: Pick<SamlConnection, "roleMapping"> & { defaultRole?: SamlRole },
  groups: readonly string[],
): SamlRole {
  let best = -1;
  for (const { group, role } of connection.roleMapping) {
    if (groups.includes(group)) best = Math.max(best, SAML_ROLES.indexOf(role));
  }
  return SAML_ROLES[best] ?? connection.defaultRole ?? "member";
}
