import { z } from "zod";
import { AGENCY_ROLES, agencyMemberInputs } from "../auth/roles.ts";
import { emailAddress } from "../mail/address.ts";
import { InvalidInput } from "../util/errors.ts";

/**
 * Agency actions on the fleet, as queued by the dashboard and carried out by the operations
 * worker, or run at once by the CLI (docs/decisions/009). Inputs are validated when queued (or
 * parsed from the command line) and again when run.
 */
export const OPERATION_KINDS = [
  "provision",
  "retry",
  "discard",
  "suspend",
  "resume",
  "rename",
  "set-domains",
  "migrate-fleet",
  "export",
  "offboard",
  "move",
  "set-branding",
  "agency-user-invite",
  "agency-user-role",
  "agency-user-deactivate",
  "agency-user-reactivate",
  "agency-user-sso-create",
  // Backups (docs/decisions/052).
  "backup",
  "restore",
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Kinds that act on one tenant, queued from its dashboard page (agency-user kinds are not). */
export const TENANT_ACTION_KINDS = [
  "retry",
  "discard",
  "suspend",
  "resume",
  "rename",
  "set-domains",
  "migrate-fleet",
  "export",
  "offboard",
  "move",
  "backup",
  "restore",
] as const satisfies readonly OperationKind[];

export const firstAdminSchema = z.object({
  name: z.string().trim().min(1, "enter the first admin's name").max(120),
  email: emailAddress("enter the first admin's email address, e.g. jane@client.example"),
});

export const operationInputs = {
  provision: z.object({
    draftId: z.string().uuid().nullable().default(null),
    /** A tenant spec (lib/provisioning/spec.ts), validated again by the worker. */
    spec: z.record(z.string(), z.unknown()),
    server: z.string().max(63).nullable().default(null),
    firstAdmin: firstAdminSchema,
  }),
  retry: z.object({}),
  discard: z.object({}),
  suspend: z.object({}),
  resume: z.object({}),
  rename: z.object({ name: z.string().trim().min(1, "a tenant needs a name").max(120) }),
  "set-domains": z.object({ domains: z.array(z.string()).max(20) }),
  "migrate-fleet": z.object({
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Only these tenants (the CLI's `migrate <slug>…`); every tenant when absent. */
    slugs: z.array(z.string().min(1).max(40)).min(1).max(1_000).optional(),
  }),
  export: z.object({}),
  offboard: z.object({}),
  move: z.object({
    server: z.string().min(1).max(63),
    /**
     * Data residency (decision 053): to a server in another region, the tenant's slug and the
     * target region as an agency owner typed them; the worker checks both and the owner's role.
     */
    confirm: z
      .object({ slug: z.string().max(60), region: z.string().max(60) })
      .nullable()
      .default(null),
  }),
  /** From a tenant's own admin (settings page): name, theme, and optionally a new logo (base64). */
  "set-branding": z.object({
    name: z.string().trim().min(1, "a portal needs a name").max(120),
    theme: z.record(z.string(), z.unknown()),
    logo: z.string().max(360_000).nullable().default(null),
  }),
  "agency-user-invite": agencyMemberInputs.invite,
  "agency-user-role": agencyMemberInputs.role,
  "agency-user-deactivate": agencyMemberInputs.user,
  "agency-user-reactivate": agencyMemberInputs.user,
  /** An unknown person's first sign-in at the agency's OIDC provider, where creating users is allowed. */
  "agency-user-sso-create": z.object({
    email: emailAddress(),
    name: z.string().trim().min(1).max(120),
    role: z.enum(AGENCY_ROLES),
    issuer: z.string().url().max(500),
    subject: z.string().min(1).max(255),
  }),
  /** `confirmRegion`: another region's location, when the tenant's region has none (owners only). */
  backup: z.object({ confirmRegion: z.string().trim().max(40).nullable().default(null) }),
  /**
   * In place (the operation's tenant), or into a new tenant `into`. Another tenant's backup in
   * place needs `confirmCrossTenant`: the source tenant's slug, typed by an agency owner.
   */
  restore: z.object({
    backupId: z.string().uuid("choose a backup to restore"),
    into: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[a-z0-9-]+$/, "the new tenant's slug: lower-case letters, digits and hyphens")
      .nullable()
      .default(null),
    confirmCrossTenant: z.string().trim().max(40).nullable().default(null),
    /** A backup kept in another region: that region, typed by an agency owner (decision 053). */
    confirmRegion: z.string().trim().max(40).nullable().default(null),
  }),
} satisfies Record<OperationKind, z.ZodType>;

export type OperationInput<K extends OperationKind> = z.output<(typeof operationInputs)[K]>;

/** An operation's input, validated; what is wrong is told in the schema's own words. */
export function checkOperationInput<K extends OperationKind>(kind: K, input: unknown): OperationInput<K> {
  const parsed = operationInputs[kind].safeParse(input);
  if (!parsed.success) throw new InvalidInput(parsed.error.issues.map((i) => i.message).join("; "));
  return parsed.data as OperationInput<K>;
}

/** What each kind is called in the dashboard and the audit log. */
export const OPERATION_LABELS: Record<OperationKind, string> = {
  provision: "Provision",
  retry: "Retry provisioning",
  discard: "Discard",
  suspend: "Suspend",
  resume: "Resume",
  rename: "Rename",
  "set-domains": "Change domains",
  "migrate-fleet": "Migrate the fleet",
  export: "Export",
  offboard: "Offboard",
  move: "Move to another server",
  "set-branding": "Change branding",
  "agency-user-invite": "Invite an agency user",
  "agency-user-role": "Change an agency user's role",
  "agency-user-deactivate": "Deactivate an agency user",
  "agency-user-reactivate": "Reactivate an agency user",
  "agency-user-sso-create": "Create an agency user at first single sign-on",
  backup: "Back up",
  restore: "Restore a backup",
};

/** Progress as the worker records it; the dashboard renders it as it changes. */
export interface OperationProgress {
  /** How many times the worker has started this operation (a killed worker's operation restarts). */
  attempt?: number;
  /** Named steps in order, e.g. the provisioning pipeline or a move. */
  steps?: Array<{ name: string; status: "pending" | "running" | "done" | "failed"; ms?: number }>;
  /** Counted work, e.g. tenants migrated. */
  done?: number;
  total?: number;
  failed?: number;
  /** Provisioning: the tenant is reserved, so a restart resumes rather than creates. */
  reserved?: boolean;
  note?: string;
}

/** The job queue operations are carried out through (lib/jobs), one job per operation, same id. */
export { OPERATIONS_DEAD_QUEUE, OPERATIONS_QUEUE } from "../jobs/queues.ts";

/**
 * The most one attempt of each kind may run before it counts as stuck and is retried (the job's
 * expireInSeconds). Generous: a stuck attempt is also caught sooner by its missing heartbeat.
 */
export const OPERATION_TIMEOUT_SECONDS: Record<OperationKind, number> = {
  provision: 30 * 60,
  retry: 30 * 60,
  discard: 15 * 60,
  suspend: 5 * 60,
  resume: 5 * 60,
  rename: 5 * 60,
  "set-domains": 5 * 60,
  "migrate-fleet": 6 * 60 * 60,
  export: 2 * 60 * 60,
  offboard: 2 * 60 * 60,
  move: 4 * 60 * 60,
  "set-branding": 5 * 60,
  "agency-user-invite": 5 * 60,
  "agency-user-role": 5 * 60,
  "agency-user-deactivate": 5 * 60,
  "agency-user-reactivate": 5 * 60,
  "agency-user-sso-create": 60,
  backup: 2 * 60 * 60,
  restore: 4 * 60 * 60,
};
