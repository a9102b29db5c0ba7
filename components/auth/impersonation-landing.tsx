"use client";

import { signIn } from "next-auth/react";
import { useEffect, useState } from "react";

/** The hand-off link lands here; it is used by this click only, so link scanners cannot burn it. */
export function ImpersonationLanding({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Disabled until hydrated: a click before then would do nothing.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  async function go() {
    setPending(true);
    const result = await signIn("impersonation", { token, redirect: false, callbackUrl: "/manage" });
    if (!result || result.error || !result.url) {
      setPending(false);
      setError("This impersonation link has already been used or has expired. Start again from the agency dashboard.");
      return;
    }
    window.location.assign(result.url);
  }
  return (
    <div className="space-y-4">
      <button type="button" onClick={go} disabled={!ready || pending} className="w-full rounded-lg bg-brand px-4 py-2 font-medium text-on-brand disabled:opacity-60">
        {pending ? "Opening…" : "Open the portal"}
      </button>
      {error && (
        <p role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
    </div>
  );
}
