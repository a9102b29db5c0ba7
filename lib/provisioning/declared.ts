import { z } from "zod";
import type { Theme } from "../tenancy/theme.ts";

/**
 * Tenants as code without losing a product edit (docs/decisions/020). For each field a
 * declaration sets, the control plane keeps the value the declaration last applied. On a sync:
 *   - the stored value still equals what the declaration last applied: nobody changed it in the
 *     product, so it follows the declaration (a changed declaration is applied);
 *   - it differs: an owner or the agency changed it in the product; it is kept and reported,
 *     unless the sync is forced.
 * Pure: the caller reads the tenant and writes what `reconcile` decides.
 */

export const DECLARED_FIELDS = [
  "name",
  "plan",
  "domains",
  "primary",
  "accent",
  "background",
  "surface",
  "text",
  "font",
  "logo",
] as const;
export type DeclaredField = (typeof DECLARED_FIELDS)[number];

export const FIELD_LABELS: Record<DeclaredField, string> = {
  name: "name",
  plan: "plan",
  domains: "domains",
  primary: "primary colour",
  accent: "accent colour",
  background: "background colour",
  surface: "surface colour",
  text: "text colour",
  font: "font",
  logo: "logo",
};

export type FieldValues = Record<DeclaredField, unknown>;

/** What the control plane keeps in Tenant.declared. */
export const declaredStateSchema = z.object({
  file: z.string(),
  /** Per field, the value the declaration last applied (absent: never applied over a product edit). */
  applied: z.record(z.string(), z.unknown()),
  /** Per field, what the declaration said at the last sync. */
  declared: z.record(z.string(), z.unknown()),
  syncedAt: z.string(),
});
export type DeclaredState = z.infer<typeof declaredStateSchema>;

export function readDeclaredState(value: unknown): DeclaredState | null {
  const parsed = declaredStateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Domains compared as a set with its primary: the primary first, the others sorted. */
export function domainsValue(hostnames: readonly string[], primary?: string | null): string[] {
  const first = primary ?? hostnames[0];
  const rest = hostnames.filter((h) => h !== first).sort();
  return first ? [first, ...rest] : rest;
}

/** A stored theme may predate a field; a missing one reads as undefined (and so as changed). */
export function fieldValues(input: {
  name: string;
  plan: string;
  theme: Partial<Theme>;
  domains: string[];
}): FieldValues {
  const { theme } = input;
  return {
    name: input.name,
    plan: input.plan,
    domains: input.domains,
    primary: theme.primary,
    accent: theme.accent,
    background: theme.background,
    surface: theme.surface,
    text: theme.text,
    font: theme.font,
    logo: theme.logo ? { src: theme.logo.src, alt: theme.logo.alt } : undefined,
  };
}

/** Object keys sorted: JSONB stores them in an order of its own. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  return value;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

export interface Reconciled {
  /** Fields to write with the declared value (it differs from the stored one). */
  apply: DeclaredField[];
  /** Fields changed in the product and kept (not forced). */
  kept: DeclaredField[];
  /** Fields changed in the product that a forced sync overwrites. */
  overwritten: DeclaredField[];
  /** The state to store after the writes. */
  state: DeclaredState;
}

export function reconcile(
  current: FieldValues,
  declared: FieldValues,
  previous: DeclaredState | null,
  options: { file: string; force: boolean; now?: Date },
): Reconciled {
  const apply: DeclaredField[] = [];
  const kept: DeclaredField[] = [];
  const overwritten: DeclaredField[] = [];
  const applied: Record<string, unknown> = { ...(previous?.applied ?? {}) };
  for (const field of DECLARED_FIELDS) {
    const now = current[field];
    const wanted = declared[field];
    if (sameValue(now, wanted)) {
      applied[field] = wanted; // in step with the declaration, whoever made it so
      continue;
    }
    const followsDeclaration = field in applied && sameValue(now, applied[field]);
    if (followsDeclaration || options.force) {
      if (!followsDeclaration) overwritten.push(field);
      apply.push(field);
      applied[field] = wanted;
    } else {
      kept.push(field);
    }
  }
  return {
    apply,
    kept,
    overwritten,
    state: {
      file: options.file,
      applied,
      declared: { ...declared },
      syncedAt: (options.now ?? new Date()).toISOString(),
    },
  };
}

/** For the dashboard: each declared field, and whether the product changed it since. */
export function declaredFieldStatus(
  state: DeclaredState,
  current: FieldValues,
): Array<{
  field: DeclaredField;
  label: string;
  declared: unknown;
  current: unknown;
  status: "declared" | "changed-in-product";
}> {
  return DECLARED_FIELDS.filter((f) => f in state.declared).map((field) => ({
    field,
    label: FIELD_LABELS[field],
    declared: state.declared[field],
    current: current[field],
    status: sameValue(current[field], state.declared[field]) ? "declared" : "changed-in-product",
  }));
}
