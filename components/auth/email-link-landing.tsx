"use client";

import { signIn } from "next-auth/react";
import { useEffect, useState } from "react";

/** The link in the email opens this page; signing in takes a click, so mail scanners that
 *  follow links cannot use up the single-use token. */
export function EmailLinkLanding({ token }: { token: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Disabled until hydrated: a click before then would do nothing.
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  async function go() {
    setPending(true);
    const result = await signIn("email-link", { token, redirect: false, callbackUrl: "/account" });
    if (!result || result.error || !result.url) {
      setPending(false);
      setError("This link has expired or was already used. Ask for a new one on the sign-in page.");
      return;
    }
    window.location.assign(result.url);
  }
  return (
    <div className="space-y-4">
      <button type="button" onClick={go} disabled={!ready || pending} className="w-full rounded-lg bg-brand px-4 py-2 font-medium text-on-brand disabled:opacity-60">
        {pending ? "Signing in…" : "Continue to sign in"}
      </button>
      {error && (
        <p role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
    </div>
  );
}
