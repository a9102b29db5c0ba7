"use client";

import { signIn } from "next-auth/react";
import { useState } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { buttonClass } from "@/components/ui/submit-button.tsx";

/**
 * "Sign in with <provider>": starts the OIDC sign-in through next-auth (state, nonce and PKCE are
 * set as cookies on this host), which sends the browser to the identity provider.
 */
export function SsoSignIn({
  label,
  callbackUrl,
  kind = "brand",
}: {
  label: string;
  callbackUrl: string;
  kind?: "brand" | "agency";
}) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  return (
    <button
      type="button"
      data-testid="sso-sign-in"
      disabled={!hydrated || pending}
      onClick={() => {
        setPending(true);
        void signIn("oidc", { callbackUrl });
      }}
      className={buttonClass(kind, false, "w-full")}
    >
      {label}
    </button>
  );
}
