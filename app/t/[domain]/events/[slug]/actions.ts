"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { RegisterState } from "@/components/portal/registration-panel.tsx";
import type { Fields } from "@/lib/actions/define-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { cancelMemberRegistration, registerGuest, registerMember } from "@/lib/portal/member.server.ts";
import { tenantAccount } from "@/lib/security/throttle.server.ts";

/** The event's own questions arrive as `q:<id>` fields; their answers are checked against the event. */
function answers(fields: Fields): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) if (key.startsWith("q:")) out[key.slice(2)] = value;
  return out;
}

export const registerAction = tenantAction(
  "member",
  z.object({ event: text() }),
  async ({ event }, { tenant, user, fields }): Promise<RegisterState> => {
    const outcome = await registerMember(tenant, user, event, answers(fields));
    revalidatePath(`/events/${event}`);
    return { done: outcome.status };
  },
  { returnTo: (fields) => `/events/${String(fields.event ?? "")}` },
);

export const cancelAction = tenantAction(
  "member",
  z.object({ registration: text() }),
  async ({ registration }, { tenant, user }): Promise<RegisterState> => {
    await cancelMemberRegistration(tenant, user, registration);
    revalidatePath("/registrations");
    return {};
  },
  { returnTo: "/registrations" },
);

export const registerGuestAction = tenantAction(
  "public",
  z.object({ event: text(), name: text(), email: text() }),
  async ({ event, name, email }, { tenant, fields }): Promise<RegisterState> => {
    await registerGuest(tenant, event, { name, email }, answers(fields));
    // The same answer whether or not the address was already registered: nothing is revealed.
    return { done: "pending" };
  },
  {
    limit: {
      action: "guest-registration",
      key: (fields, { tenant }) => tenantAccount(tenant.id, String(fields.email ?? "").slice(0, 254)),
    },
  },
);
