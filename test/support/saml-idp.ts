import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inflateRawSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import forge from "node-forge";
import { SignedXml } from "xml-crypto";

/**
 * A real SAML 2.0 identity provider for tests: an HTTP server on 127.0.0.1 with its own RSA key
 * and self-signed certificate, metadata, and the HTTP-Redirect sign-in endpoint a browser is sent
 * to. It reads the service provider's AuthnRequest, asks who to sign in (a form any address may
 * use), and answers with a SAML Response signed with xml-crypto (exclusive c14n, RSA-SHA256) that
 * auto-posts to the ACS URL — what Okta, Entra ID or Keycloak do.
 *
 * `response()` builds an answer directly, with knobs for the refusals the service provider must
 * make: unsigned, signed by another key, tampered after signing, another audience or recipient,
 * out of its time window, answering a request nobody sent.
 */

export interface SamlKey {
  privateKey: string;
  certificate: string;
}

/**
 * A fresh RSA key and a self-signed certificate for it. node-forge builds the certificate so its
 * validity can be placed anywhere, the past included (an IdP certificate that has expired).
 */
export function samlSigningKey(options: { commonName?: string; notBefore?: Date; notAfter?: Date } = {}): SamlKey {
  const pair = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKey = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const cert = forge.pki.createCertificate();
  cert.serialNumber = `01${randomBytes(8).toString("hex")}`;
  cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60 * 60_000);
  cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 24 * 60 * 60_000);
  const name = [{ name: "commonName", value: options.commonName ?? "Portico test IdP" }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: "spki", format: "pem" }).toString());
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { privateKey, certificate: forge.pki.certificateToPem(cert) };
}

export interface SamlIdpUser {
  /** The NameID; an email address unless the test wants otherwise. */
  nameId: string;
  email?: string;
  name?: string;
  groups?: string[];
}

export interface SamlResponseOptions {
  user: SamlIdpUser;
  /** The service provider's entity id: the assertion's audience. */
  audience: string;
  /** The ACS URL: the Response's Destination and the assertion's Recipient. */
  acsUrl: string;
  /** The AuthnRequest answered; omitted: an IdP-initiated answer. */
  inResponseTo?: string;
  /** What is signed: the assertion (default), the Response, both, or nothing. */
  sign?: "assertion" | "response" | "both" | "none";
  /** Sign with this key instead of the IdP's own (a forger's). */
  signWith?: SamlKey;
  /** Override the recipient alone (Destination and Recipient), keeping the audience. */
  recipient?: string;
  /** When the assertion was issued; its window is notBefore = issued − 1 min, notOnOrAfter = issued + validFor. */
  issuedAt?: Date;
  validForMs?: number;
  notBefore?: Date;
  issuer?: string;
  /** Edits the XML after signing (a tampered answer). */
  tamper?: (xml: string) => string;
  /** Attributes under these names (defaults: email, name, groups). */
  attributeNames?: { email?: string; name?: string; groups?: string[] | string };
  statusCode?: string;
}

export interface SamlAuthnRequest {
  id: string;
  issuer: string;
  acsUrl: string | null;
  destination: string | null;
  relayState: string | null;
}

export interface SamlIdp {
  entityId: string;
  ssoUrl: string;
  metadataUrl: string;
  /** The IdP's signing certificate (PEM), as an owner pastes it into the portal. */
  certificate: string;
  /** Service providers this IdP answers, by entity id (a real IdP refuses unknown ones). */
  registerServiceProvider(sp: { entityId: string; acsUrl: string }): void;
  /** Reads the AuthnRequest carried by a sign-in URL (HTTP-Redirect binding). */
  readAuthnRequest(loginUrl: string): SamlAuthnRequest;
  /** A base64 SAMLResponse, as a browser would post it. */
  response(options: SamlResponseOptions): string;
  /**
   * The browser's round trip through this IdP's HTTP endpoints: opens the sign-in URL, submits
   * the sign-in form for `user`, and returns the auto-post form's fields.
   */
  signIn(
    loginUrl: string,
    user: SamlIdpUser,
  ): Promise<{ action: string; samlResponse: string; relayState: string | null }>;
  close(): Promise<void>;
}

const NS = {
  protocol: "urn:oasis:names:tc:SAML:2.0:protocol",
  assertion: "urn:oasis:names:tc:SAML:2.0:assertion",
};
const SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success";
const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256";
const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const samlId = () => `_${randomBytes(16).toString("hex")}`;
const instant = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, "Z");

function sign(xml: string, key: SamlKey, element: "Assertion" | "Response"): string {
  const signer = new SignedXml({
    privateKey: key.privateKey,
    publicCert: key.certificate,
    signatureAlgorithm: RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const target = element === "Assertion" ? "//*[local-name(.)='Assertion']" : "/*[local-name(.)='Response']";
  signer.addReference({ xpath: target, digestAlgorithm: SHA256, transforms: [ENVELOPED, EXC_C14N] });
  // Schema order: the signature follows the element's own Issuer.
  signer.computeSignature(xml, {
    prefix: "ds",
    location: { reference: `${target}/*[local-name(.)='Issuer']`, action: "after" },
  });
  return signer.getSignedXml();
}

function attributeXml(name: string, values: string[]): string {
  const items = values
    .map(
      (v) =>
        `<saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="xs:string">${escapeXml(v)}</saml:AttributeValue>`,
    )
    .join("");
  return `<saml:Attribute Name="${escapeXml(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">${items}</saml:Attribute>`;
}

function buildResponse(entityId: string, key: SamlKey, o: SamlResponseOptions): string {
  const issued = o.issuedAt ?? new Date();
  const notBefore = o.notBefore ?? new Date(issued.getTime() - 60_000);
  const notOnOrAfter = new Date(issued.getTime() + (o.validForMs ?? 5 * 60_000));
  const recipient = o.recipient ?? o.acsUrl;
  const issuer = escapeXml(o.issuer ?? entityId);
  const inResponseTo = o.inResponseTo ? ` InResponseTo="${escapeXml(o.inResponseTo)}"` : "";
  const names = o.attributeNames ?? {};
  const attributes = [
    o.user.email === undefined ? "" : attributeXml(names.email ?? "email", [o.user.email]),
    o.user.name === undefined ? "" : attributeXml(names.name ?? "name", [o.user.name]),
    o.user.groups === undefined ? "" : attributeXml(String(names.groups ?? "groups"), o.user.groups),
  ].join("");
  const assertion =
    `<saml:Assertion xmlns:saml="${NS.assertion}" ID="${samlId()}" Version="2.0" IssueInstant="${instant(issued)}">` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${escapeXml(o.user.nameId)}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${inResponseTo} NotOnOrAfter="${instant(notOnOrAfter)}" Recipient="${escapeXml(recipient)}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${instant(notBefore)}" NotOnOrAfter="${instant(notOnOrAfter)}">` +
    `<saml:AudienceRestriction><saml:Audience>${escapeXml(o.audience)}</saml:Audience></saml:AudienceRestriction>` +
    `</saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${instant(issued)}" SessionIndex="${samlId()}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    (attributes ? `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` : "") +
    `</saml:Assertion>`;
  const mode = o.sign ?? "assertion";
  const signingKey = o.signWith ?? key;
  const signedAssertion =
    mode === "assertion" || mode === "both" ? sign(assertion, signingKey, "Assertion") : assertion;
  let response =
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${samlId()}" Version="2.0" ` +
    `IssueInstant="${instant(issued)}" Destination="${escapeXml(recipient)}"${inResponseTo}>` +
    `<saml:Issuer>${issuer}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="${escapeXml(o.statusCode ?? SUCCESS)}"/></samlp:Status>` +
    signedAssertion +
    `</samlp:Response>`;
  if (mode === "response" || mode === "both") response = sign(response, signingKey, "Response");
  if (o.tamper) response = o.tamper(response);
  return Buffer.from(response, "utf8").toString("base64");
}

function parseAuthnRequest(samlRequest: string, relayState: string | null): SamlAuthnRequest {
  const xml = inflateRawSync(Buffer.from(samlRequest, "base64")).toString("utf8");
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const request = doc.documentElement;
  if (!request || request.namespaceURI !== NS.protocol || request.localName !== "AuthnRequest") {
    throw new Error("not an AuthnRequest");
  }
  const issuer = request.getElementsByTagNameNS(NS.assertion, "Issuer")[0]?.textContent?.trim() ?? "";
  return {
    id: request.getAttribute("ID") ?? "",
    issuer,
    acsUrl: request.getAttribute("AssertionConsumerServiceURL"),
    destination: request.getAttribute("Destination"),
    relayState,
  };
}

async function formBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function page(res: ServerResponse, status: number, title: string, body: string): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head>
<body><main><h1>${escapeXml(title)}</h1>${body}</main></body></html>`);
}

const hidden = (name: string, value: string | null) =>
  value === null ? "" : `<input type="hidden" name="${name}" value="${escapeXml(value)}">`;

/** Starts the IdP on a free port of 127.0.0.1. */
export async function startSamlIdp(options: { key?: SamlKey; entityId?: string } = {}): Promise<SamlIdp> {
  const key = options.key ?? samlSigningKey();
  const serviceProviders = new Map<string, string>();
  let origin = "";
  const entityId = () => options.entityId ?? `${origin}/metadata`;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", origin);
    if (req.method === "GET" && url.pathname === "/metadata") {
      const body = key.certificate.replace(/-----[^-]+-----|\s+/g, "");
      res.writeHead(200, { "content-type": "application/samlmetadata+xml" });
      res.end(
        `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${escapeXml(entityId())}">` +
          `<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${NS.protocol}">` +
          `<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>` +
          `<ds:X509Certificate>${body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>` +
          `<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escapeXml(`${origin}/sso`)}"/>` +
          `</md:IDPSSODescriptor></md:EntityDescriptor>`,
      );
      return;
    }
    if (req.method === "GET" && url.pathname === "/sso") {
      const samlRequest = url.searchParams.get("SAMLRequest");
      if (!samlRequest) return page(res, 400, "No SAMLRequest", "<p>Start the sign-in at the portal.</p>");
      let request: SamlAuthnRequest;
      try {
        request = parseAuthnRequest(samlRequest, url.searchParams.get("RelayState"));
      } catch {
        return page(res, 400, "Unreadable SAMLRequest", "<p>Start the sign-in at the portal.</p>");
      }
      const acs = serviceProviders.get(request.issuer);
      if (!acs)
        return page(res, 403, "Unknown service provider", `<p>${escapeXml(request.issuer)} is not registered.</p>`);
      if (request.acsUrl && request.acsUrl !== acs) return page(res, 403, "Wrong ACS URL", "<p>Not registered.</p>");
      return page(
        res,
        200,
        "Sign in to the test IdP",
        `<form method="post" action="/sso/login">${hidden("SAMLRequest", samlRequest)}${hidden("RelayState", request.relayState)}
<label>Email <input name="email" type="email" required></label>
<label>Name <input name="name"></label>
<label>Groups (comma-separated) <input name="groups"></label>
<button type="submit">Sign in</button></form>`,
      );
    }
    if (req.method === "POST" && url.pathname === "/sso/login") {
      const form = await formBody(req);
      let request: SamlAuthnRequest;
      try {
        request = parseAuthnRequest(form.get("SAMLRequest") ?? "", form.get("RelayState"));
      } catch {
        return page(res, 400, "Unreadable SAMLRequest", "<p>Start the sign-in at the portal.</p>");
      }
      const acs = serviceProviders.get(request.issuer);
      const email = form.get("email")?.trim() ?? "";
      if (!acs || !email) return page(res, 400, "Cannot sign in", "<p>Unknown service provider or no email.</p>");
      const groups = (form.get("groups") ?? "")
        .split(",")
        .map((g) => g.trim())
        .filter(Boolean);
      const samlResponse = buildResponse(entityId(), key, {
        user: { nameId: email, email, name: form.get("name") || undefined, groups },
        audience: request.issuer,
        acsUrl: acs,
        inResponseTo: request.id,
      });
      return page(
        res,
        200,
        "Signing you in",
        `<form id="saml" method="post" action="${escapeXml(acs)}">${hidden("SAMLResponse", samlResponse)}${hidden("RelayState", request.relayState)}
<button type="submit">Continue</button></form><script>document.getElementById("saml").submit()</script>`,
      );
    }
    page(res, 404, "Not found", "");
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => page(res, 500, "IdP error", ""));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    entityId: entityId(),
    ssoUrl: `${origin}/sso`,
    metadataUrl: `${origin}/metadata`,
    certificate: key.certificate,
    registerServiceProvider: (sp) => void serviceProviders.set(sp.entityId, sp.acsUrl),
    readAuthnRequest: (loginUrl) => {
      const url = new URL(loginUrl);
      return parseAuthnRequest(url.searchParams.get("SAMLRequest") ?? "", url.searchParams.get("RelayState"));
    },
    response: (o) => buildResponse(entityId(), key, o),
    signIn: async (loginUrl, user) => {
      const opened = await fetch(loginUrl);
      const text = await opened.text();
      if (opened.status !== 200) throw new Error(`the IdP refused the sign-in URL (${opened.status}): ${text}`);
      const field = (html: string, name: string) =>
        new RegExp(`name="${name}" value="([^"]*)"`)
          .exec(html)?.[1]
          ?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))) ?? null;
      const body = new URLSearchParams({
        SAMLRequest: field(text, "SAMLRequest") ?? "",
        email: user.email ?? user.nameId,
        name: user.name ?? "",
        groups: (user.groups ?? []).join(","),
      });
      const relay = field(text, "RelayState");
      if (relay !== null) body.set("RelayState", relay);
      const answered = await fetch(`${origin}/sso/login`, { method: "POST", body });
      const html = await answered.text();
      if (answered.status !== 200) throw new Error(`the IdP refused the sign-in (${answered.status}): ${html}`);
      const action = /<form id="saml" method="post" action="([^"]*)"/.exec(html)?.[1] ?? "";
      return {
        action: action.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c))),
        samlResponse: field(html, "SAMLResponse") ?? "",
        relayState: field(html, "RelayState"),
      };
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
