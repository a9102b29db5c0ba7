import "server-only";
import type { z } from "zod";
import { requireAgencyUser, type AgencyRole, type AgencyUser } from "../auth/agency-guard.server.ts";
import {
  defineAction,
  type ActionOptions,
  type ActionExtras,
  type Fields,
  type ServerAction,
} from "./define-action.server.ts";

/** "public": runs before anyone has signed in (accepting an agency invitation). */
export type AgencyActionRole = AgencyRole | "public";

export interface AgencyActionContext<R extends AgencyActionRole> {
  /** The guard's verified agency user, holding at least the role asked for. */
  user: R extends "public" ? null : AgencyUser;
}

export interface AgencyActionOptions<R extends AgencyActionRole> extends ActionOptions<AgencyActionContext<R>> {
  /** Where sign-in sends the visitor back to (default "/"). */
  returnTo?: string | ((fields: Fields) => string);
}

/**
 * A server action of the agency dashboard: the user from requireAgencyUser with at least `role`
 * (sign-in redirect, 403 below it), then the shared steps of defineAction.
 */
export function agencyAction<R extends AgencyActionRole, Schema extends z.ZodType, S extends object>(
  role: R,
  schema: Schema,
  fn: (input: z.output<Schema>, ctx: AgencyActionContext<R> & ActionExtras) => Promise<S>,
  options: AgencyActionOptions<R> = {},
): ServerAction<S, z.input<Schema>> {
  return defineAction<AgencyActionContext<R>, Schema, S>(
    {
      async context(fields) {
        if (role === "public") return { user: null } as AgencyActionContext<R>;
        const returnTo = typeof options.returnTo === "function" ? options.returnTo(fields) : (options.returnTo ?? "/");
        return { user: await requireAgencyUser(returnTo, role as AgencyRole) } as AgencyActionContext<R>;
      },
      actor: ({ user }) =>
        user ? { actor: { type: "agency-user", id: user.id, label: user.email }, tenantId: null } : null,
    },
    schema,
    fn,
    options,
  );
}
