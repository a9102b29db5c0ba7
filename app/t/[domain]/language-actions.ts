"use server";

import { revalidatePath } from "next/cache";
import { cookies } from "next/headers";
import { z } from "zod";
import type { ActionState } from "@/lib/actions/action-state.ts";
import { privateTenantAction } from "@/lib/actions/tenant-action.server.ts";
import { LOCALES, LOCALE_COOKIE, LOCALE_COOKIE_MAX_AGE, type Locale } from "@/lib/format/locale.ts";
import { setMemberLocale } from "@/lib/portal/request-locale.server.ts";

const UNKNOWN = "Choose one of the languages listed.";

/** The cookie holds only a value of the closed set, host-only, readable by the server alone. */
async function rememberOnThisDevice(locale: Locale | null): Promise<void> {
  const jar = await cookies();
  if (!locale) jar.delete(LOCALE_COOKIE);
  else
    jar.set(LOCALE_COOKIE, locale, {
      path: "/",
      maxAge: LOCALE_COOKIE_MAX_AGE,
      httpOnly: true,
      sameSite: "lax",
    });
}

/** The visitors' language picker: a cookie on this device, nothing stored on the server. */
export const chooseVisitorLocale = privateTenantAction(
  "public",
  z.object({ locale: z.enum(LOCALES, { error: UNKNOWN }) }),
  async ({ locale }): Promise<ActionState> => {
    await rememberOnThisDevice(locale);
    revalidatePath("/", "layout");
    return {};
  },
);

/**
 * A member's own language, kept with their account (every device, every new session); "" follows
 * the portal's default again. This device's cookie follows, so signing out keeps the language.
 */
export const chooseMemberLocale = privateTenantAction(
  "member",
  z.object({ locale: z.union([z.enum(LOCALES), z.literal("")], { error: UNKNOWN }) }),
  async ({ locale }, { tenant, user }): Promise<ActionState> => {
    const chosen = locale === "" ? null : locale;
    await setMemberLocale(tenant, user, chosen);
    await rememberOnThisDevice(chosen);
    revalidatePath("/", "layout");
    return { message: "saved" };
  },
  { returnTo: "/account" },
);
