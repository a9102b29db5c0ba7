import "server-only";
import { z } from "zod";
import { appendAudit, type AuditActor } from "../audit/log.server.ts";
import { requestOrigin } from "../audit/request.server.ts";
import { PorticoError } from "../util/errors.ts";
import { platform } from "../platform/platform.server.ts";
import { limitAttempt } from "../auth/lockouts.server.ts";
import type { ThrottledAction } from "../security/throttle.server.ts";
import { InvalidFields, type ActionState, type FieldErrors } from "./action-state.ts";

/**
 * The steps every server action takes, in this order, shared by tenantAction and agencyAction:
 * the realm's context and guard (theirs), a rate limit, zod validation of the input, the body,
 * an audit entry, and the mapping of a PorticoError to the message the form shows. Anything
 * else is rethrown untouched: Next.js's redirect(), notFound() and forbidden() are errors too.
 */

/** The submitted fields as the schema sees them: the first value of each, files included. */
export type Fields = Record<string, FormDataEntryValue>;

/** Fields never sent back in `values`, whatever the form ("confirm": a repeated password). */
const SECRET_FIELD = /pass|token|secret|confirm/i;

export interface AuditEntry {
  /** Who did it; by default the signed-in user. */
  actor?: AuditActor;
  tenantId?: string | null;
  details?: Record<string, unknown>;
}

export interface ActionOptions<C> {
  /** The dotted audit action ("agency-user.accept-invitation") written once per successful run. */
  audit?: string;
  /** Counted before the input is read, as limitAttempt does for sign-in links and invitations. */
  limit?: { action: ThrottledAction; key: (fields: Fields, ctx: C) => string };
  /** Send what was typed back in `values` on a failure (default yes; never passwords or tokens). */
  echo?: boolean;
  /** Rewords a PorticoError's message for this form. */
  message?: (message: string) => string;
}

/** Called as a useActionState action (state, payload), a form action (formData) or directly (input). */
export interface ServerAction<S, I> {
  (payload: FormData | I): Promise<S>;
  (state: S, payload: FormData | I): Promise<S>;
}

/** What every action body gets beside its realm's context. */
export interface ActionExtras {
  audit: Audit;
  /** The raw submitted fields, for bodies whose field names vary (an event's questions). */
  fields: Fields;
  /** The same fields read like FormData, for the domain parsers that take a form. */
  form: Pick<FormData, "get">;
}

export interface Audit {
  /** Writes the action's audit entry now (at most once); otherwise the wrapper writes it on success. */
  (entry?: AuditEntry): Promise<void>;
}

/** The first value of each submitted field; Next.js's own `$ACTION_…` fields left out. */
export function formFields(payload: unknown): Fields {
  const fields: Fields = {};
  if (!(payload instanceof FormData)) return fields;
  for (const [key, value] of payload.entries()) if (!key.startsWith("$") && !(key in fields)) fields[key] = value;
  return fields;
}

/** What the schema validates: a form's fields, or the argument a client passed directly. */
function schemaInput(payload: unknown): unknown {
  return payload instanceof FormData ? formFields(payload) : payload;
}

function echoed(fields: Fields): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields))
    if (typeof value === "string" && !SECRET_FIELD.test(key)) values[key] = value;
  return values;
}

function zodFieldErrors(error: z.ZodError): { errors: FieldErrors; first: string } {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length > 0 ? String(issue.path[0]) : "";
    if (key && !errors[key]) errors[key] = issue.message;
  }
  return { errors, first: error.issues[0]?.message ?? "Check the form." };
}

export interface Realm<C> {
  /** The context (tenant, user) or a message when the action cannot run here at all. */
  context(fields: Fields): Promise<C | { unavailable: string }>;
  /** The actor of the default audit entry, or null (no one signed in). */
  actor(ctx: C): { actor: AuditActor; tenantId: string | null } | null;
}

/** Builds the server action; `realm` supplies the context and guard. */
export function defineAction<C extends object, Schema extends z.ZodType, S extends object>(
  realm: Realm<C>,
  schema: Schema,
  fn: (input: z.output<Schema>, ctx: C & ActionExtras) => Promise<S>,
  options: ActionOptions<C> = {},
): ServerAction<S, z.input<Schema>> {
  const action = async (...args: unknown[]): Promise<S> => {
    const payload = args.length >= 2 ? args[1] : args[0];
    const fields = formFields(payload);
    const values = options.echo === false ? {} : { values: echoed(fields) };
    try {
      const resolved = await realm.context(fields);
      if ("unavailable" in resolved) return { error: resolved.unavailable } as S;
      const ctx = resolved as C;
      if (options.limit) {
        const refusal = await limitAttempt(options.limit.action, options.limit.key(fields, ctx));
        if (refusal) return { error: refusal.message } as S;
      }
      const parsed = schema.safeParse(schemaInput(payload));
      if (!parsed.success) {
        const { errors, first } = zodFieldErrors(parsed.error);
        return { error: first, errors, ...values } as unknown as S;
      }
      let audited = false;
      const audit: Audit = async (entry = {}) => {
        if (!options.audit) throw new Error("this action has no audit name");
        if (audited) throw new Error(`${options.audit} is already audited for this request`);
        const who = realm.actor(ctx);
        const actor = entry.actor ?? who?.actor;
        if (!actor) throw new Error(`${options.audit}: no actor to audit`);
        audited = true;
        await appendAudit(platform().control, {
          actor,
          action: options.audit,
          tenantId: entry.tenantId !== undefined ? entry.tenantId : (who?.tenantId ?? null),
          ...(entry.details ? { details: entry.details } : {}),
          ...(await requestOrigin()),
        });
      };
      const state = await fn(parsed.data as z.output<Schema>, {
        ...ctx,
        audit,
        fields,
        form: { get: (name) => fields[name] ?? null },
      });
      const failed = (state as ActionState).error || (state as ActionState).errors;
      if (options.audit && !audited && !failed) await audit();
      return state;
    } catch (error) {
      if (error instanceof InvalidFields) return { errors: error.errors, ...values } as unknown as S;
      if (error instanceof PorticoError)
        return { error: options.message ? options.message(error.message) : error.message, ...values } as unknown as S;
      throw error;
    }
  };
  return action as ServerAction<S, z.input<Schema>>;
}
