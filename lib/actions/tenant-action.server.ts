import "server-only";
import type { z } from "zod";
import { requireTenantUser, type TenantRole, type TenantUser } from "../auth/tenant-guard.server.ts";
import { currentTenantFromHost } from "../platform/current-tenant.server.ts";
import type { ResolvedTenant } from "../tenancy/resolver.ts";
import { requestLocale } from "../portal/request-locale.server.ts";
import { localiseState } from "../portal/server-text.ts";
import type { ActionState } from "./action-state.ts";
import { recordUserTrail, type TrailEntry } from "../platform/record-trail.server.ts";
import { tellPageCaches } from "../platform/content-changed.server.ts";
import {
  defineAction,
  type ActionOptions,
  type ActionExtras,
  type Fields,
  type ServerAction,
} from "./define-action.server.ts";

/** "public": runs before anyone has signed in (sign-in, sign-up, invitations, guest registration). */
export type TenantActionRole = TenantRole | "public";

export interface TenantActionContext<R extends TenantActionRole> {
  /** From the Host header alone, never from the form: only live portals not in maintenance. */
  tenant: ResolvedTenant;
  /** The guard's verified user, holding at least the role asked for. */
  user: R extends "public" ? null : TenantUser;
}

export interface TenantActionOptions<R extends TenantActionRole> extends ActionOptions<TenantActionContext<R>> {
  /** Where sign-in sends the visitor back to (default "/manage"). */
  returnTo?: string | ((fields: Fields) => string);
  /**
   * The tenant audit trail's action ("event.update", "team.invite"…, decision 048), written once
   * per successful run by a signed-in user, or earlier by the body with `trail({ subject, details })`
   * (`trail(null)`: this run changed nothing worth recording).
   * A trail that cannot be written turns the answer into an error that says so.
   */
  trail?: string;
  /**
   * False for an action that cannot change what anonymous visitors of the portal see (signing
   * in, a member's own account, second factors, the language): it leaves the page caches alone
   * (decision 054). By default every action tells them.
   */
  changesPublicPages?: boolean;
}

/** Writes the action's trail entry now (at most once); otherwise the wrapper writes it on success. */
export type Trail = (entry?: TrailEntry | null) => Promise<void>;

export const PORTAL_UNAVAILABLE = "This portal is not available right now.";

/**
 * A server action of a tenant's portal: the tenant from the Host, the user from
 * requireTenantUser with at least `role` (sign-in redirect, 403 below it), then the shared steps
 * of defineAction. `fn` gets the validated input, the tenant and the user. What it answers is
 * shown in the reader's language (lib/portal/server-text.ts).
 */
export function tenantAction<R extends TenantActionRole, Schema extends z.ZodType, S extends object>(
  role: R,
  schema: Schema,
  fn: (input: z.output<Schema>, ctx: TenantActionContext<R> & ActionExtras & { trail: Trail }) => Promise<S>,
  options: TenantActionOptions<R> = {},
): ServerAction<S, z.input<Schema>> {
  const trailed = async (input: z.output<Schema>, ctx: TenantActionContext<R> & ActionExtras): Promise<S> => {
    let written = false;
    const trail: Trail = async (entry = {}) => {
      if (!options.trail) throw new Error("this action has no trail name");
      if (written) throw new Error(`${options.trail} is already in the trail for this request`);
      if (!ctx.user) throw new Error(`${options.trail}: no signed-in user to record`);
      written = true;
      if (entry) await recordUserTrail(ctx.tenant.id, ctx.user, options.trail, entry);
    };
    try {
      const state = await fn(input, { ...ctx, trail });
      const failed = (state as ActionState).error || (state as ActionState).errors;
      if (options.trail && !written && !failed && ctx.user) await trail();
      return state;
    } finally {
      // Whatever the body did (it may have answered with a redirect, or failed halfway), every
      // web server drops this tenant's cached public pages (decision 054).
      if (options.changesPublicPages !== false) await tellPageCaches(ctx.tenant.id);
    }
  };
  const action = defineAction<TenantActionContext<R>, Schema, S>(
    {
      async context(fields) {
        const tenant = await currentTenantFromHost();
        if (!tenant) return { unavailable: PORTAL_UNAVAILABLE };
        if (role === "public") return { tenant, user: null } as TenantActionContext<R>;
        const returnTo =
          typeof options.returnTo === "function" ? options.returnTo(fields) : (options.returnTo ?? "/manage");
        const user = await requireTenantUser(tenant, returnTo, role as TenantRole);
        return { tenant, user } as TenantActionContext<R>;
      },
      actor: ({ tenant, user }) =>
        user ? { actor: { type: "tenant-user", id: user.id, label: user.email }, tenantId: tenant.id } : null,
    },
    schema,
    trailed,
    options,
  );
  const localised = async (...args: unknown[]): Promise<S> => {
    const state = await (action as (...a: unknown[]) => Promise<S>)(...args);
    const { error, message, errors } = state as ActionState;
    return error || message || errors ? localiseState(state, await requestLocale()) : state;
  };
  return localised as ServerAction<S, z.input<Schema>>;
}

/**
 * A tenant action that changes only what its own user sees, or nothing shown at all (sign-in,
 * the account, second factors, the language, invitations, audit streams): as tenantAction, but
 * it leaves the page caches alone, so a portal's visitors signing in do not empty its cache.
 */
export function privateTenantAction<R extends TenantActionRole, Schema extends z.ZodType, S extends object>(
  role: R,
  schema: Schema,
  fn: (input: z.output<Schema>, ctx: TenantActionContext<R> & ActionExtras & { trail: Trail }) => Promise<S>,
  options: TenantActionOptions<R> = {},
): ServerAction<S, z.input<Schema>> {
  return tenantAction(role, schema, fn, { ...options, changesPublicPages: false });
}
