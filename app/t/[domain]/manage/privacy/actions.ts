"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { carryOutErasure, changeRetention, rejectErasure } from "@/lib/lifecycle/data-requests.server.ts";
import {
  countsToken,
  parseRetentionPolicy,
  RETENTION_FIELDS,
  RetentionNeedsConfirmation,
} from "@/lib/lifecycle/retention.server.ts";
import type { RetentionState } from "@/components/portal/privacy-forms.tsx";

// Owners and admins only, checked here by tenantAction's guard and again by each data function
// (lib/lifecycle/data-requests.server.ts), which also writes the tenant's audit trail. Nothing is
// written to the agency's control plane about these requests (docs/decisions/051).
const options = { returnTo: "/manage/privacy" };

const months = z.string().max(10).optional();

export const saveRetentionAction = tenantAction(
  "admin",
  z.object({
    registrationsMonths: months,
    attendeeDetailsMonths: months,
    messagesMonths: months,
    auditMonths: months,
    confirm: z.string().max(80).optional(),
  }),
  async (input, { tenant, user }): Promise<RetentionState> => {
    const next = parseRetentionPolicy(input);
    try {
      const { applied } = await changeRetention(tenant, user, next, input.confirm ?? null);
      revalidatePath("/manage/privacy");
      return {
        message: applied
          ? `Saved and applied: ${applied.registrations} registration(s) anonymised, ${applied.attendeeDetails} answer set(s) cleared, ${applied.messages} message(s) and ${applied.auditEntries} audit entry(ies) deleted.`
          : "Saved. The daily retention run applies it.",
      };
    } catch (error) {
      if (!(error instanceof RetentionNeedsConfirmation)) throw error;
      // Shown with the form kept as typed, and the counts to send back once confirmed.
      const values = Object.fromEntries(RETENTION_FIELDS.map((f) => [f, input[f] ?? ""]));
      return { error: error.message, confirm: countsToken(error.counts), values };
    }
  },
  options,
);

export const eraseAction = tenantAction(
  "admin",
  z.object({ id: text() }),
  async ({ id }, { tenant, user }): Promise<ActionState> => {
    const done = await carryOutErasure(tenant, user, id);
    revalidatePath("/manage/privacy");
    return {
      message: `The member was erased: ${done.registrationsAnonymised} registration(s) anonymised, ${done.messagesDeleted} message(s) deleted.`,
    };
  },
  { ...options, echo: false },
);

export const rejectErasureAction = tenantAction(
  "admin",
  z.object({ id: text() }),
  async ({ id }, { tenant, user }): Promise<ActionState> => {
    await rejectErasure(tenant, user, id);
    revalidatePath("/manage/privacy");
    return { message: "The request was turned down." };
  },
  { ...options, echo: false },
);
