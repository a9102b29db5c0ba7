"use client";

import { signIn } from "next-auth/react";
import { useLocale, useTranslations } from "next-intl";
import { useState, type FormEvent } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { AccountField } from "./account-field.tsx";
import { localiseServerText } from "@/lib/portal/server-text.ts";
import { isSsoRequiredMessage } from "@/lib/auth/sso-required-message.ts";

const THROTTLED = "Too many attempts.";

/**
 * `via`: a page the browser goes through first, with `callbackUrl` (the portal's second step, which
 * passes a session that needs none straight on: docs/decisions/045).
 */
export function PasswordSignIn({ callbackUrl, via }: { callbackUrl: string; via?: string }) {
  const t = useTranslations("auth");
  const locale = useLocale();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("password", {
      email: form.get("email"),
      password: form.get("password"),
      redirect: false,
      callbackUrl,
    });
    if (!result || result.error || !result.url) {
      setPending(false);
      // A throttling refusal comes back as its own message ("Too many attempts. Try again in…").
      // So does "SSO required" (docs/decisions/047), the same for every address at the domain.
      const message = result?.error;
      setError(
        message && (message.startsWith(THROTTLED) || isSsoRequiredMessage(message))
          ? localiseServerText(message, locale)
          : t("wrongPassword"),
      );
      return;
    }
    window.location.assign(via ? `${via}?callbackUrl=${encodeURIComponent(callbackUrl)}` : result.url);
  }

  return (
    <form
      method="post"
      onSubmit={onSubmit}
      className="space-y-4"
      aria-describedby={error ? "password-error" : undefined}
    >
      <AccountField label={t("email")} name="email" type="email" autoComplete="email" />
      <AccountField label={t("password")} name="password" type="password" autoComplete="current-password" />
      {error && (
        <p
          id="password-error"
          role="alert"
          data-testid="form-error"
          className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800"
        >
          {error}
        </p>
      )}
      <SubmitButton
        disabled={!hydrated}
        pending={pending}
        pendingLabel={t("signingIn")}
        className="w-full focus:outline-none focus-visible:ring-2 focus-visible:ring-accent"
      >
        {t("signIn")}
      </SubmitButton>
    </form>
  );
}
