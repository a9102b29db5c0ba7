"use client";

import { signIn } from "next-auth/react";
import { useTranslations } from "next-intl";
import { useActionState, useEffect, useRef, useState } from "react";
import { AccountField } from "./account-field.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";

export interface InviteState {
  error?: string;
  /**
   * Set once the password is saved: how the browser signs the new account in straight away
   * (security case 50). With `token`, a single-use sign-in token; without, the password just chosen.
   */
  signIn?: { provider: string; email: string; next: string; token?: string };
}

/**
 * Choose a password for an invitation; `accept` is the realm's server action (tenant or agency).
 * Once accepted, the person is signed in and lands where the invitation leads, never asked for
 * the email again; `signedOutHref` is the sign-in page offered should that fail.
 */
export function InviteForm({
  token,
  accept,
  signedOutHref = "/sign-in",
}: {
  token: string;
  accept: (state: InviteState, form: FormData) => Promise<InviteState>;
  signedOutHref?: string;
}) {
  const t = useTranslations("auth");
  const [state, action, pending] = useActionState(accept, {} as InviteState);
  // React resets the form after the action; the password is kept here for the agency sign-in.
  const typed = useRef("");
  const [failed, setFailed] = useState(false);
  const handOff = state.signIn;
  useEffect(() => {
    if (!handOff) return;
    void (async () => {
      const credentials = handOff.token ? { token: handOff.token } : { email: handOff.email, password: typed.current };
      const result = await signIn(handOff.provider, { ...credentials, redirect: false, callbackUrl: handOff.next });
      if (!result || result.error || !result.url) setFailed(true);
      else window.location.assign(result.url);
    })();
  }, [handOff]);
  if (handOff) {
    return failed ? (
      <p role="alert" data-testid="invite-accepted" className="rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900">
        {t.rich("inviteNoAutoSignIn", {
          email: handOff.email,
          link: (chunks) => (
            <a href={`${signedOutHref}?invited=${encodeURIComponent(handOff.email)}`} className="underline">
              {chunks}
            </a>
          ),
        })}
      </p>
    ) : (
      <p
        role="status"
        data-testid="invite-accepted"
        className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
      >
        {t("inviteSigningIn")}
      </p>
    );
  }
  return (
    <form
      action={(form) => {
        typed.current = String(form.get("password") ?? "");
        return action(form);
      }}
      className="space-y-4"
    >
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
