"use client";

import { useTranslations } from "next-intl";
import { useActionState } from "react";
import { FormError } from "@/components/ui/form-error.tsx";

export interface UnlockState {
  error?: string;
  message?: string;
}

/**
 * Accounts locked after repeated wrong passwords, each with Unlock (an admin's server action,
 * so the form posts before hydration too: decision 017).
 */
export function LockedAccounts({
  accounts,
  action,
}: {
  accounts: Array<{ email: string; until: string }>;
  action: (state: UnlockState, form: FormData) => Promise<UnlockState>;
}) {
  const t = useTranslations("auth");
  const [state, submit, pending] = useActionState(action, {} as UnlockState);
  if (accounts.length === 0 && !state.message && !state.error) return null;
  return (
    <section data-testid="locked-accounts" className="space-y-2 rounded-xl p-4 ring-1 ring-amber-300">
      <h2 className="font-medium">{t("locked")}</h2>
      <p className="text-sm opacity-80">{t("lockedHelp")}</p>
      <ul className="divide-y divide-black/5">
        {accounts.map((a) => (
          <li key={a.email} data-email={a.email} className="flex flex-wrap items-center gap-3 py-2">
            <span className="flex-1 text-sm">
              {a.email} <span className="opacity-70">{t("lockedUntil", { until: a.until })}</span>
            </span>
            <form action={submit}>
              <input type="hidden" name="email" value={a.email} />
              <button type="submit" disabled={pending} className="rounded-lg px-2 py-1 text-sm ring-1 ring-black/20">
                {t("unlock")}
              </button>
            </form>
          </li>
        ))}
      </ul>
      {state.message && (
        <p role="status" data-testid="unlock-message" className="text-sm text-emerald-800">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </section>
  );
}
