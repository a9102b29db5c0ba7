"use client";

import { signIn } from "next-auth/react";
import { useLocale } from "next-intl";
import { useState } from "react";
import { isSsoRequiredMessage } from "@/lib/auth/sso-required-message.ts";
import { localiseServerText } from "@/lib/portal/server-text.ts";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { FormError } from "@/components/ui/form-error.tsx";

/**
 * Where a single-use link lands (an emailed sign-in link, an agency impersonation hand-off):
 * signing in takes a click, so mail and link scanners that follow links cannot use up the token.
 */
export function OneClickSignIn({
  provider,
  token,
  callbackUrl,
  label,
  pendingLabel,
  refused,
  via,
}: {
  /** The next-auth credentials provider that consumes the token. */
  provider: string;
  token: string;
  callbackUrl: string;
  label: string;
  pendingLabel: string;
  /** Shown when the token is refused (used, expired or unknown), saying what to do. */
  refused: string;
  /** A page to go through first, with callbackUrl (the portal's second step). */
  via?: string;
}) {
  const locale = useLocale();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Disabled until hydrated: a click before then would do nothing.
  const ready = useHydrated();
  async function go() {
    setPending(true);
    const result = await signIn(provider, { token, redirect: false, callbackUrl });
    if (!result || result.error || !result.url) {
      setPending(false);
      // "SSO required" (docs/decisions/047) says which sign-in to use instead.
      const message = result?.error;
      setError(isSsoRequiredMessage(message) ? localiseServerText(message, locale) : refused);
      return;
    }
    window.location.assign(via ? `${via}?callbackUrl=${encodeURIComponent(callbackUrl)}` : result.url);
  }
  return (
    <div className="space-y-4">
      <button
        type="button"
        onClick={go}
        disabled={!ready || pending}
        className="w-full rounded-lg bg-brand px-4 py-2 font-medium text-on-brand disabled:opacity-60"
      >
        {pending ? pendingLabel : label}
      </button>
      <FormError message={error} look="box" />
    </div>
  );
}
