"use client";

import { signOut } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useHydrated } from "@/components/forms/use-hydrated.ts";

export function SignOutButton() {
  // Disabled until hydrated: a click before then would do nothing.
  const hydrated = useHydrated();
  const t = useTranslations("auth");
  return (
    <button
      type="button"
      onClick={() => void signOut({ callbackUrl: "/" })}
      disabled={!hydrated}
      className="rounded-lg border border-black/15 px-4 py-2 font-medium disabled:opacity-60"
    >
      {t("signOut")}
    </button>
  );
}
