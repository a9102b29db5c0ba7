import "server-only";
import { SAML, ValidateInResponseTo, type CacheProvider, type Profile } from "@node-saml/node-saml";
import { DOMParser } from "@xmldom/xmldom";
import { emailAddress } from "../mail/address.ts";
import { publicLink } from "./origin.server.ts";
import { samlRoleFor, type SamlConnection, type SamlRole } from "./saml-connection.server.ts";
import type { SamlReplayStore } from "./saml-store.server.ts";

/**
 * The SAML 2.0 service provider (docs/decisions/043), on @node-saml/node-saml. A tenant's
 * portal asks its IdP to sign a person in (`samlLoginUrl`) and checks the answer the browser posts
 * back (`verifySamlResponse`): the assertion signed by the IdP's certificate, addressed to this
 * portal (audience and recipient), inside its time window, answering an AuthnRequest this portal
 * sent, and never seen before. What to do with the person it names is the caller's business.
 */

/** This portal as a SAML service provider: its entity id and where the IdP posts its answer. */
export interface SamlServiceProvider {
  entityId: string;
  acsUrl: string;
}

/** Paths under a tenant's own origin; the entity id is where its metadata is served. */
export const SAML_METADATA_PATH = "/api/auth/saml/metadata";
export const SAML_ACS_PATH = "/api/auth/saml/acs";

/** How long a person may spend at the IdP between our AuthnRequest and its answer. */
export const SAML_REQUEST_TTL_MS = 10 * 60_000;
/** Clock difference tolerated between the IdP and us on NotBefore / NotOnOrAfter. */
export const SAML_CLOCK_SKEW_MS = 60_000;
/** Larger answers are refused before any XML is parsed. */
const MAX_RESPONSE_BYTES = 256 * 1024;
const MAX_ID_LENGTH = 256;

/** The service provider at an origin (`https://acme.example`), for tests and metadata. */
export function samlServiceProviderAt(origin: string): SamlServiceProvider {
  const base = origin.replace(/\/+$/, "");
  return { entityId: `${base}${SAML_METADATA_PATH}`, acsUrl: `${base}${SAML_ACS_PATH}` };
}

/**
 * A tenant's service provider, built from its registered primary host — never from the request's
 * Host header, which the browser controls (as publicLink does for emailed links). The IdP is
 * configured with these two values once; a rename of the primary host changes them.
 */
export function tenantSamlServiceProvider(registeredHost: string): SamlServiceProvider {
  return {
    entityId: publicLink(registeredHost, SAML_METADATA_PATH),
    acsUrl: publicLink(registeredHost, SAML_ACS_PATH),
  };
}

/** The answer's outcome: the person, or why they were refused (a sentence for the person). */
export type SamlVerification =
  | {
      ok: true;
      /** The NameID: the IdP's stable name for the person. */
      subject: string;
      nameIdFormat: string | null;
      /** Lower-cased and checked like every address Portico stores. */
      email: string;
      name: string | null;
      groups: string[];
      role: SamlRole;
      sessionIndex: string | null;
      /** The IdP's entity id that issued the assertion. */
      issuer: string;
      /** The RelayState the browser brought back, as given (the caller checks it). */
      relayState: string | null;
    }
  | { ok: false; code: SamlRefusalCode; reason: string; detail?: string };

export type SamlRefusalCode =
  | "malformed"
  | "idp-error"
  | "unsigned"
  | "bad-signature"
  | "wrong-issuer"
  | "wrong-audience"
  | "wrong-recipient"
  | "expired"
  | "not-yet-valid"
  | "unknown-request"
  | "replayed"
  | "no-email"
  | "refused";

const REASONS: Record<SamlRefusalCode, string> = {
  malformed: "The identity provider's answer could not be read. Start the sign-in again.",
  "idp-error": "The identity provider did not sign you in. Try again, or ask your IT team.",
  unsigned: "The identity provider's answer was not signed. Your IT team must have the IdP sign its assertions.",
  "bad-signature":
    "The identity provider's answer failed its signature check. If the IdP's certificate changed, an owner must upload the new one.",
  "wrong-issuer": "The answer came from another identity provider than the one this portal trusts.",
  "wrong-audience": "The identity provider's answer was meant for another portal.",
  "wrong-recipient": "The identity provider's answer was addressed to another portal.",
  expired: "The identity provider's answer has expired. Start the sign-in again.",
  "not-yet-valid":
    "The identity provider's answer is not valid yet: its clock or ours is off. Try again in a minute, or ask your IT team.",
  "unknown-request":
    "This answer does not match a sign-in started here, or that sign-in was already completed or has expired. Start the sign-in again.",
  replayed: "This answer was already used to sign in. Start the sign-in again.",
  "no-email": "The identity provider sent no email address for you. Your IT team must release it to this portal.",
  refused: "The identity provider's answer was refused. Start the sign-in again, or ask your IT team.",
};

function refuse(code: SamlRefusalCode, detail?: string): SamlVerification {
  return { ok: false, code, reason: REASONS[code], ...(detail ? { detail } : {}) };
}

/**
 * node-saml keeps issued request ids through this provider. Removal is ours: `verifySamlResponse`
 * uses an id up with one statement after the whole answer checked out, so two instances given
 * the same answer cannot both accept it; node-saml's own removal (a read, then a delete) is not
 * atomic and is ignored.
 */
function requestCache(store: SamlReplayStore): CacheProvider {
  return {
    saveAsync: async (key, value) => {
      await store.rememberRequest(key, new Date(Date.now() + SAML_REQUEST_TTL_MS));
      return { value, createdAt: Date.now() };
    },
    // node-saml reads the value as the request's instant and checks its age itself.
    getAsync: async (key) => (await store.requestIssuedAt(key))?.toISOString() ?? null,
    removeAsync: async (key) => key,
  };
}

function samlFor(connection: SamlConnection, sp: SamlServiceProvider, store: SamlReplayStore): SAML {
  return new SAML({
    entryPoint: connection.idpSsoUrl,
    issuer: sp.entityId,
    callbackUrl: sp.acsUrl,
    audience: sp.entityId,
    idpCert: connection.idpCertificate,
    idpIssuer: connection.idpEntityId,
    wantAssertionsSigned: true,
    // Many IdPs sign only the assertion; a signed Response is checked when present.
    wantAuthnResponseSigned: false,
    acceptedClockSkewMs: SAML_CLOCK_SKEW_MS,
    validateInResponseTo: ValidateInResponseTo.always,
    requestIdExpirationPeriodMs: SAML_REQUEST_TTL_MS,
    cacheProvider: requestCache(store),
    // Let the IdP choose the NameID format and how it authenticates (its MFA included).
    identifierFormat: null,
    disableRequestedAuthnContext: true,
  });
}

/**
 * The IdP sign-in URL carrying a new AuthnRequest (HTTP-Redirect binding, unsigned: the IdP
 * answers only to the ACS URL it was configured with). The request's id is stored so the answer
 * must name it. `relayState` comes back with the answer as given.
 */
export async function samlLoginUrl(
  connection: SamlConnection,
  sp: SamlServiceProvider,
  store: SamlReplayStore,
  relayState = "",
): Promise<string> {
  return samlFor(connection, sp, store).getAuthorizeUrlAsync(relayState, undefined, {});
}

/** The SP metadata an IdP administrator imports: entity id, ACS URL, signed assertions wanted. */
export function samlServiceProviderMetadata(connection: SamlConnection, sp: SamlServiceProvider): string {
  const store: SamlReplayStore = {
    rememberRequest: async () => {},
    requestIssuedAt: async () => null,
    useRequest: async () => false,
    hasAssertion: async () => false,
    recordAssertion: async () => false,
  };
  return samlFor(connection, sp, store).generateServiceProviderMetadata(null, null);
}

const XMLNS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
  dsig: "http://www.w3.org/2000/09/xmldsig#",
};

function parseXml(xml: string): Document | null {
  let failed = false;
  const fail = () => {
    failed = true;
  };
  try {
    const doc = new DOMParser({ errorHandler: { warning: () => {}, error: fail, fatalError: fail } }).parseFromString(
      xml,
      "text/xml",
    );
    return failed || !doc?.documentElement ? null : doc;
  } catch {
    return null;
  }
}

function children(parent: Element | Document, ns: string, local: string): Element[] {
  const out: Element[] = [];
  const nodes = parent.childNodes;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i] as Element;
    if (node.nodeType === 1 && node.namespaceURI === ns && node.localName === local) out.push(node);
  }
  return out;
}

function descendants(parent: Element | Document, ns: string, local: string): Element[] {
  return Array.from(parent.getElementsByTagNameNS(ns, local) as unknown as ArrayLike<Element>);
}

/** What the pre-checks read from the answer before its signature is checked; only ever used to refuse. */
interface Unverified {
  assertionIds: string[];
  assertionSigned: boolean;
  statusSuccess: boolean;
}

function readUnverified(doc: Document): Unverified | null {
  const response = doc.documentElement;
  if (!response || response.namespaceURI !== XMLNS.protocol || response.localName !== "Response") return null;
  const assertions = descendants(doc, XMLNS.assertion, "Assertion");
  const status = descendants(response, XMLNS.protocol, "StatusCode")[0];
  return {
    assertionIds: assertions.map((a) => a.getAttribute("ID") ?? ""),
    // Exactly one assertion, carrying its own signature: a Response signature alone is not enough.
    assertionSigned: assertions.length === 1 && children(assertions[0]!, XMLNS.dsig, "Signature").length === 1,
    statusSuccess: status?.getAttribute("Value") === "urn:oasis:names:tc:SAML:2.0:status:Success",
  };
}

/** What the checked assertion says about its own validity and address, read from node-saml's verified XML. */
interface Checked {
  id: string;
  recipients: string[];
  inResponseTo: string | null;
  notOnOrAfter: Date | null;
}

function readChecked(assertionXml: string): Checked | null {
  const doc = parseXml(assertionXml);
  const assertion = doc?.documentElement;
  if (!doc || !assertion || assertion.localName !== "Assertion" || assertion.namespaceURI !== XMLNS.assertion) {
    return null;
  }
  const confirmations = descendants(assertion, XMLNS.assertion, "SubjectConfirmationData");
  const conditions = descendants(assertion, XMLNS.assertion, "Conditions")[0];
  const ends = [conditions?.getAttribute("NotOnOrAfter"), ...confirmations.map((c) => c.getAttribute("NotOnOrAfter"))]
    .filter((v): v is string => !!v)
    .map((v) => new Date(v).getTime())
    .filter((t) => Number.isFinite(t));
  return {
    id: assertion.getAttribute("ID") ?? "",
    recipients: confirmations.map((c) => c.getAttribute("Recipient") ?? ""),
    inResponseTo: confirmations.map((c) => c.getAttribute("InResponseTo")).find((v) => !!v) ?? null,
    notOnOrAfter: ends.length ? new Date(Math.max(...ends)) : null,
  };
}

/** node-saml's error messages, sorted into what the person is told. */
function classify(message: string): SamlRefusalCode {
  if (/not yet valid/i.test(message)) return "not-yet-valid";
  // A SubjectConfirmation is passed over only for its time window.
  if (/expired|too old|NotOnOrAfter|subject confirmation/i.test(message)) return "expired";
  if (/audience/i.test(message)) return "wrong-audience";
  if (/recipient|destination/i.test(message)) return "wrong-recipient";
  if (/issuer/i.test(message)) return "wrong-issuer";
  if (/InResponseTo/i.test(message)) return "unknown-request";
  if (/signature|signed|digest/i.test(message)) return "bad-signature";
  if (/status/i.test(message)) return "idp-error";
  return "refused";
}

function attributeValues(profile: Profile, name: string): string[] {
  const raw = (profile as unknown as Record<string, unknown>)[name];
  const values = Array.isArray(raw) ? raw : raw == null ? [] : [raw];
  return values
    .filter((v): v is string => typeof v === "string")
    .map((v) => v.trim())
    .filter(Boolean);
}

const email = emailAddress();

/**
 * Checks the SAMLResponse the browser posted to this portal's ACS URL and, when it holds,
 * returns who the IdP says the person is. Refusals come back as values with a sentence to show;
 * nothing here throws for bad input.
 */
export async function verifySamlResponse(
  connection: SamlConnection,
  sp: SamlServiceProvider,
  samlResponse: unknown,
  store: SamlReplayStore,
  relayState?: unknown,
): Promise<SamlVerification> {
  if (typeof samlResponse !== "string" || samlResponse.length === 0) return refuse("malformed", "no SAMLResponse");
  if (samlResponse.length > (MAX_RESPONSE_BYTES * 4) / 3 + 4) return refuse("malformed", "SAMLResponse too large");
  if (!/^[A-Za-z0-9+/=\s]+$/.test(samlResponse)) return refuse("malformed", "SAMLResponse is not base64");
  const xml = Buffer.from(samlResponse, "base64").toString("utf8");
  const doc = parseXml(xml);
  const seen = doc ? readUnverified(doc) : null;
  if (!doc || !seen) return refuse("malformed", "not a SAML Response");
  if (!seen.statusSuccess) return refuse("idp-error", "status is not Success");
  if (seen.assertionIds.length !== 1) return refuse("malformed", `${seen.assertionIds.length} assertions`);
  if (!seen.assertionSigned) return refuse("unsigned", "the assertion carries no signature of its own");
  const [assertionId = ""] = seen.assertionIds;
  if (!assertionId || assertionId.length > MAX_ID_LENGTH)
    return refuse("malformed", "assertion ID missing or too long");
  // Told apart here only to say so plainly: node-saml would refuse a replay too, for its request id.
  if (await store.hasAssertion(assertionId)) return refuse("replayed", `assertion ${assertionId} seen before`);

  let profile: Profile | null;
  try {
    const result = await samlFor(connection, sp, store).validatePostResponseAsync({ SAMLResponse: samlResponse });
    profile = result.profile;
    if (!profile || result.loggedOut) return refuse("malformed", "not a sign-in answer");
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return refuse(classify(message), message);
  }

  // Read again from the assertion node-saml verified, never from the document as posted.
  const checked = readChecked(profile.getAssertionXml?.() ?? "");
  if (!checked || checked.id !== assertionId)
    return refuse("malformed", "the verified assertion is not the one posted");
  if (checked.recipients.length === 0 || checked.recipients.some((r) => r !== sp.acsUrl)) {
    return refuse("wrong-recipient", `recipient ${checked.recipients.join(", ") || "(none)"}`);
  }
  const destination = doc.documentElement.getAttribute("Destination");
  if (destination && destination !== sp.acsUrl) return refuse("wrong-recipient", `destination ${destination}`);
  // node-saml reads the assertion's Issuer but compares it only on logout messages.
  if (profile.issuer !== connection.idpEntityId) return refuse("wrong-issuer", `issuer ${profile.issuer ?? "(none)"}`);
  const responseIssuer = children(doc.documentElement, XMLNS.assertion, "Issuer")[0]?.textContent?.trim();
  if (responseIssuer && responseIssuer !== connection.idpEntityId) {
    return refuse("wrong-issuer", `response issuer ${responseIssuer}`);
  }
  if (!checked.notOnOrAfter) return refuse("expired", "the assertion has no NotOnOrAfter");
  if (!checked.inResponseTo) return refuse("unknown-request", "no InResponseTo");

  // Both single-use marks, each one statement: the assertion first, so a replay is named as such.
  if (!(await store.recordAssertion(assertionId, new Date(checked.notOnOrAfter.getTime() + SAML_CLOCK_SKEW_MS)))) {
    return refuse("replayed", `assertion ${assertionId} recorded meanwhile`);
  }
  if (!(await store.useRequest(checked.inResponseTo))) {
    return refuse("unknown-request", `request ${checked.inResponseTo} already used or expired`);
  }

  const nameId = profile.nameID?.trim() ?? "";
  if (!nameId) return refuse("malformed", "no NameID");
  const fromAttribute = attributeValues(profile, connection.emailAttribute)[0];
  const address = email.safeParse(fromAttribute ?? nameId);
  if (!address.success) return refuse("no-email", `no address in ${connection.emailAttribute} or the NameID`);
  const groups = attributeValues(profile, connection.groupsAttribute);
  return {
    ok: true,
    subject: nameId,
    nameIdFormat: profile.nameIDFormat ?? null,
    email: address.data,
    name: attributeValues(profile, connection.nameAttribute)[0]?.slice(0, 120) ?? null,
    groups,
    role: samlRoleFor(connection, groups),
    sessionIndex: profile.sessionIndex ?? null,
    issuer: connection.idpEntityId,
    relayState: typeof relayState === "string" ? relayState : null,
  };
}
