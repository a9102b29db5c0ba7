import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import { z } from "zod";
import type { ControlDb } from "../db/control.server.ts";
import { seal, type Keyring } from "../db/keyring.server.ts";
import { InvalidInput } from "../util/errors.ts";
import { appendAudit, type AuditActor } from "./log.server.ts";
import { checkSyslogTarget, checkWebhookUrl } from "./sink-address.ts";

/**
 * Managing audit sinks (docs/decisions/049): the agency's (tenantId null) and each tenant's.
 * Every change is written to the agency's audit log with the tenant it concerns. A sink's HMAC
 * key is generated here, sealed with the platform keyring, and shown once; the web app never
 * reads it back (its role may not select the column).
 */

export const sinkInput = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("webhook"),
    name: z.string().trim().min(1, "Give the sink a name.").max(80),
    url: z.string().trim().min(1, "Enter the webhook's address.").max(2000),
    caPem: z.string().trim().max(20_000).optional(),
  }),
  z.object({
    kind: z.literal("syslog"),
    name: z.string().trim().min(1, "Give the sink a name.").max(80),
    host: z.string().trim().min(1, "Enter the syslog receiver's host.").max(253),
    port: z.coerce.number().int().min(1).max(65535).default(6514),
    caPem: z.string().trim().max(20_000).optional(),
  }),
]);
export type SinkInput = z.input<typeof sinkInput>;

/** What the pages show: never the secret. */
export const SINK_VIEW = {
  id: true,
  tenantId: true,
  kind: true,
  name: true,
  url: true,
  host: true,
  port: true,
  enabled: true,
  cursor: true,
  lastDeliveredAt: true,
  lastError: true,
  lastErrorAt: true,
  attempts: true,
  nextAttemptAt: true,
  createdAt: true,
} as const;

const newSecret = () => randomBytes(32).toString("hex");

function checkCa(caPem: string | undefined): string | null {
  if (!caPem) return null;
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(caPem))
    throw new InvalidInput("The CA must be a PEM certificate (-----BEGIN CERTIFICATE----- …), or left empty.");
  return caPem;
}

/** Adds a sink; resolves with its id and the HMAC key, which is shown once. */
export async function createAuditSink(
  deps: { control: ControlDb; keyring: Keyring; allowPrivate: boolean },
  tenantId: string | null,
  raw: SinkInput,
  actor: AuditActor,
): Promise<{ id: string; secret: string }> {
  const input = sinkInput.parse(raw);
  const check =
    input.kind === "webhook"
      ? checkWebhookUrl(input.url, deps.allowPrivate)
      : checkSyslogTarget(input.host, input.port, deps.allowPrivate);
  if (!check.ok) throw new InvalidInput(check.error);
  const caPem = checkCa(input.caPem);
  const secret = newSecret();
  const sealed = seal(secret, deps.keyring);
  const id = randomUUID();
  await deps.control.auditSink.create({
    data: {
      id,
      tenantId,
      kind: input.kind,
      name: input.name,
      url: check.target.kind === "webhook" ? check.target.url : null,
      host: check.target.kind === "syslog" ? check.target.host : null,
      port: check.target.kind === "syslog" ? check.target.port : null,
      caPem,
      secretCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
      // Cursor 0: a new sink receives the scope's whole trail, then everything that follows.
      cursor: 0n,
    },
    select: { id: true },
  });
  await appendAudit(deps.control, {
    actor,
    action: "audit-sink.create",
    tenantId,
    details: { sinkId: id, kind: input.kind, name: input.name, target: check.target },
  });
  return { id, secret };
}

/** The sink of this scope, or a clear refusal (a tenant's page never reaches another's sink). */
async function sinkOf(control: ControlDb, tenantId: string | null, sinkId: string) {
  const sink = await control.auditSink.findFirst({ where: { id: sinkId, tenantId }, select: { id: true, name: true } });
  if (!sink) throw new InvalidInput("That sink does not exist (it may have been deleted).");
  return sink;
}

export async function rotateAuditSinkSecret(
  deps: { control: ControlDb; keyring: Keyring },
  tenantId: string | null,
  sinkId: string,
  actor: AuditActor,
): Promise<{ secret: string }> {
  const sink = await sinkOf(deps.control, tenantId, sinkId);
  const secret = newSecret();
  const sealed = seal(secret, deps.keyring);
  await deps.control.auditSink.updateMany({
    where: { id: sink.id },
    data: { secretCiphertext: sealed.ciphertext, keyId: sealed.keyId },
  });
  await appendAudit(deps.control, {
    actor,
    action: "audit-sink.rotate-secret",
    tenantId,
    details: { sinkId, name: sink.name },
  });
  return { secret };
}

export async function setAuditSinkEnabled(
  control: ControlDb,
  tenantId: string | null,
  sinkId: string,
  enabled: boolean,
  actor: AuditActor,
): Promise<void> {
  const sink = await sinkOf(control, tenantId, sinkId);
  // Enabling clears the backoff so the next kick or sweep delivers at once.
  await control.auditSink.updateMany({
    where: { id: sink.id },
    data: enabled ? { enabled, attempts: 0, nextAttemptAt: null } : { enabled },
  });
  await appendAudit(control, {
    actor,
    action: enabled ? "audit-sink.enable" : "audit-sink.disable",
    tenantId,
    details: { sinkId, name: sink.name },
  });
}

export async function deleteAuditSink(
  control: ControlDb,
  tenantId: string | null,
  sinkId: string,
  actor: AuditActor,
): Promise<void> {
  const sink = await sinkOf(control, tenantId, sinkId);
  await control.auditSink.deleteMany({ where: { id: sink.id } });
  await appendAudit(control, { actor, action: "audit-sink.delete", tenantId, details: { sinkId, name: sink.name } });
}

export async function listAuditSinks(control: ControlDb, tenantId: string | null) {
  return control.auditSink.findMany({ where: { tenantId }, orderBy: { createdAt: "asc" }, select: SINK_VIEW });
}

/** One request of a sink page: add, test, enable, disable, rotate, delete. */
export const sinkRequest = z.object({
  what: z.enum(["add", "test", "enable", "disable", "rotate", "delete"], { error: "Unknown action." }),
  sinkId: z.string().default(""),
  kind: z.string().default("webhook"),
  name: z.string().default(""),
  url: z.string().default(""),
  host: z.string().default(""),
  port: z.string().default(""),
  caPem: z.string().default(""),
});

export interface SinkOutcome {
  error?: string;
  message?: string;
  secret?: string;
  values?: Record<string, string>;
}

/**
 * Carries out a sink page's request for a scope whose owner the caller has checked. `appendTest`
 * writes a test entry to the scope's own trail, which then streams like any other.
 */
export async function handleSinkRequest(
  deps: { control: ControlDb; keyring: Keyring; allowPrivate: boolean },
  tenantId: string | null,
  request: z.output<typeof sinkRequest>,
  actor: AuditActor,
  appendTest: () => Promise<unknown>,
): Promise<SinkOutcome> {
  const sinkId = z.guid().safeParse(request.sinkId);
  if (request.what !== "add" && !sinkId.success) return { error: "That sink does not exist." };
  const id = sinkId.data ?? "";
  try {
    switch (request.what) {
      case "add": {
        const fields =
          request.kind === "syslog"
            ? { kind: "syslog" as const, name: request.name, host: request.host, port: request.port || "6514" }
            : { kind: "webhook" as const, name: request.name, url: request.url };
        const parsed = sinkInput.safeParse({ ...fields, ...(request.caPem.trim() ? { caPem: request.caPem } : {}) });
        if (!parsed.success)
          return { error: parsed.error.issues[0]?.message ?? "Check the sink's fields.", values: valuesOf(request) };
        const { secret } = await createAuditSink(deps, tenantId, parsed.data, actor);
        return { message: "Sink added. Copy its signing key now: it is not shown again.", secret };
      }
      case "test":
        await sinkOf(deps.control, tenantId, id);
        await appendTest();
        return { message: "A test entry was written; it reaches the sink with the next delivery." };
      case "enable":
      case "disable":
        await setAuditSinkEnabled(deps.control, tenantId, id, request.what === "enable", actor);
        return { message: request.what === "enable" ? "Enabled." : "Disabled: nothing is sent until enabled." };
      case "rotate": {
        const { secret } = await rotateAuditSinkSecret(deps, tenantId, id, actor);
        return { message: "New signing key. Copy it now: it is not shown again.", secret };
      }
      case "delete":
        await deleteAuditSink(deps.control, tenantId, id, actor);
        return { message: "Sink deleted." };
    }
  } catch (error) {
    if (error instanceof InvalidInput) return { error: error.message, values: valuesOf(request) };
    throw error;
  }
}

const valuesOf = (r: z.output<typeof sinkRequest>) => ({
  kind: r.kind,
  name: r.name,
  url: r.url,
  host: r.host,
  port: r.port,
  caPem: r.caPem,
});

/** Entries of the scope not yet delivered to the sink (its lag). */
export async function agencyLag(control: ControlDb, cursor: bigint): Promise<number> {
  return control.auditEntry.count({ where: { id: { gt: cursor } } });
}
