"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { tenantAction } from "@/lib/actions/tenant-action.server.ts";
import { requestErasure } from "@/lib/lifecycle/data-requests.server.ts";

/** The signed-in member's own erasure request (docs/decisions/051); the portal's owners or admins carry it out. */
export const requestErasureAction = tenantAction(
  "member",
  z.unknown(),
  async (_input, { tenant, user }): Promise<ActionState> => {
    const { created } = await requestErasure(tenant, user);
    revalidatePath("/account/data");
    return {
      message: created
        ? "Your erasure request was sent. The portal's team will carry it out; you will then no longer be able to sign in."
        : "Your erasure request is already waiting for the portal's team.",
    };
  },
  { returnTo: "/account/data" },
);
