"use client";

import { useTranslations } from "next-intl";
import { useActionState } from "react";
import { AccountField } from "./account-field.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";

export interface InviteState {
  error?: string;
}

/** Choose a password for an invitation; `accept` is the realm's server action (tenant or agency). */
export function InviteForm({
  token,
  accept,
}: {
  token: string;
  accept: (state: InviteState, form: FormData) => Promise<InviteState>;
}) {
  const t = useTranslations("auth");
  const [state, action, pending] = useActionState(accept, {} as InviteState);
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="token" value={token} />
      <AccountField
        label={t("newPassword")}
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={10}
      />
      <AccountField
        label={t("repeatPassword")}
        name="confirm"
        type="password"
        autoComplete="new-password"
        minLength={10}
      />
      {state.error && (
        <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      )}
      <SubmitButton pending={pending} pendingLabel={t("saving")} className="w-full">
        {t("setPassword")}
      </SubmitButton>
    </form>
  );
}
