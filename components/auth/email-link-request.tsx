"use client";

import { useTranslations } from "next-intl";
import { useActionState } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { AccountField } from "./account-field.tsx";

/**
 * Asks for a link by email (to sign in, or to reset a password); the server answers the same
 * whether or not the address exists.
 * `returnTo` is where the link lands once used (the server checks it again).
 */
export function EmailLinkRequest({
  action,
  returnTo,
  label,
}: {
  action: FormAction<ActionState>;
  returnTo?: string;
  /** The button's words (default: "Email me a sign-in link"). */
  label?: string;
}) {
  const t = useTranslations("auth");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  const shown = state.error ?? state.message;
  return (
    <form action={submit} className="space-y-4">
      {returnTo && <input type="hidden" name="returnTo" value={returnTo} />}
      <AccountField label={t("email")} name="email" type="email" autoComplete="email" />
      {shown && (
        <p
          role={state.error ? "alert" : "status"}
          data-testid="link-request-result"
          className={`rounded-lg px-3 py-2 text-sm ${state.error ? "bg-red-50 text-red-800" : "bg-emerald-50 text-emerald-900"}`}
        >
          {shown}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-lg border border-brand px-4 py-2 font-medium text-brand disabled:opacity-60"
      >
        {pending ? t("sending") : (label ?? t("emailLink"))}
      </button>
    </form>
  );
}
