"use client";

import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { AccountField } from "./account-field.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { FormError } from "@/components/ui/form-error.tsx";

/** `action` creates the account (a server action); on success the form signs the new member in. */
export function SignUpForm({
  action,
}: {
  action: (input: { name: string; email: string; password: string }) => Promise<{ error?: string }>;
}) {
  const t = useTranslations("auth");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      name: String(form.get("name") ?? ""),
      email: String(form.get("email") ?? ""),
      password: String(form.get("password") ?? ""),
    };
    setPending(true);
    setError(null);
    const result = await action(input);
    if (result.error) {
      setPending(false);
      setError(result.error);
      return;
    }
    const signedIn = await signIn("password", {
      email: input.email,
      password: input.password,
      redirect: false,
      callbackUrl: "/account",
    });
    window.location.assign(signedIn?.url ?? "/sign-in");
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4">
      <AccountField label={t("name")} name="name" type="text" autoComplete="name" />
      <AccountField label={t("email")} name="email" type="email" autoComplete="email" />
      <AccountField
        label={t("newPasswordHint")}
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={10}
      />
      <FormError message={error} look="box" />
      <SubmitButton disabled={!hydrated} pending={pending} pendingLabel={t("creating")} className="w-full">
        {t("create")}
      </SubmitButton>
    </form>
  );
}
