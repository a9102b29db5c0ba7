"use client";

import { signIn } from "next-auth/react";
import { useId, useState, type FormEvent } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";

const THROTTLED = "Too many attempts.";

export function PasswordSignIn({ callbackUrl }: { callbackUrl: string }) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const hydrated = useHydrated();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(null);
    const result = await signIn("password", { email: form.get("email"), password: form.get("password"), redirect: false, callbackUrl });
    if (!result || result.error || !result.url) {
      setPending(false);
      // A throttling refusal comes back as its own message ("Too many attempts. Try again in…").
      setError(result?.error?.startsWith(THROTTLED) ? result.error : "That email and password don't match an account here. Check them, or get a sign-in link by email below.");
      return;
    }
    window.location.assign(result.url);
  }

  return (
    <form method="post" onSubmit={onSubmit} className="space-y-4" aria-describedby={error ? "password-error" : undefined}>
      <Field label="Email" name="email" type="email" autoComplete="email" />
      <Field label="Password" name="password" type="password" autoComplete="current-password" />
      {error && (
        <p id="password-error" role="alert" data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      )}
      <button type="submit" disabled={!hydrated || pending} className="w-full rounded-lg bg-brand px-4 py-2 font-medium text-on-brand disabled:opacity-60 focus:outline-none focus-visible:ring-2 focus-visible:ring-accent">
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}

export function Field(props: { label: string; name: string; type: string; autoComplete?: string; minLength?: number }) {
  const id = `${useId()}-${props.name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {props.label}
      </label>
      <input
        id={id}
        name={props.name}
        type={props.type}
        required
        autoComplete={props.autoComplete}
        minLength={props.minLength}
        className="mt-1 w-full rounded-lg border border-black/15 bg-white px-3 py-2 text-black focus:border-brand focus:outline-none focus:ring-2 focus:ring-brand/30"
      />
    </div>
  );
}
