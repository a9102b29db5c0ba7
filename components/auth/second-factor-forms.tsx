"use client";

import { startAuthentication, startRegistration } from "@simplewebauthn/browser";
import { useTranslations } from "next-intl";
import { useActionState, useEffect, useState } from "react";
import { Field } from "@/components/ui/field.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Input } from "@/components/ui/input.tsx";
import { SubmitButton, buttonClass } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";

/** What the second-factor actions answer: ActionState, plus where to go or what to show once. */
export interface SecondFactorState extends ActionState {
  /** Set when the step is done: the browser goes there. */
  next?: string;
  /** Shown once after enrolment or replacement; never stored in clear. */
  recoveryCodes?: string[];
  /** An authenticator app's enrolment in progress. */
  enrolment?: { secret: string; qrSvg: string };
}

/** Follows a finished step to where the person was going, with a full load so the session cookie counts. */
function useNext(state: SecondFactorState) {
  useEffect(() => {
    if (state.next) window.location.assign(state.next);
  }, [state.next]);
}

/** The authenticator app's 6-digit code, as the sign-in step and enrolment both ask for it. */
function AppCodeField() {
  const t = useTranslations("secondFactor");
  return (
    <Field label={t("code")} name="code" hint={t("codeHint")}>
      {(control) => (
        <Input
          {...control}
          name="code"
          required
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9 ]{6,7}"
          maxLength={7}
        />
      )}
    </Field>
  );
}

/** A 6-digit code from an authenticator app. */
export function TotpCodeForm({ action, next }: { action: FormAction<SecondFactorState>; next: string }) {
  const t = useTranslations("secondFactor");
  const [state, submit, pending] = useActionState(action, {} as SecondFactorState);
  useNext(state);
  return (
    <form action={submit} className="space-y-3" data-testid="totp-form">
      <input type="hidden" name="next" value={next} />
      <AppCodeField />
      <FormError message={state.error} look="box" />
      <SubmitButton pending={pending} pendingLabel={t("checking")} className="w-full">
        {t("verify")}
      </SubmitButton>
    </form>
  );
}

/** One of the ten recovery codes, for when the app or passkey is not at hand. */
export function RecoveryCodeForm({ action, next }: { action: FormAction<SecondFactorState>; next: string }) {
  const t = useTranslations("secondFactor");
  const [state, submit, pending] = useActionState(action, {} as SecondFactorState);
  useNext(state);
  return (
    <details className="rounded-lg border border-current/20 p-3 text-sm" data-testid="recovery-form">
      <summary className="cursor-pointer font-medium">{t("useRecoveryCode")}</summary>
      <form action={submit} className="mt-3 space-y-3">
        <input type="hidden" name="next" value={next} />
        <Field label={t("recoveryCode")} name="code" hint={t("recoveryHint")}>
          {(control) => <Input {...control} name="code" required autoComplete="off" maxLength={20} />}
        </Field>
        <FormError message={state.error} look="box" />
        <SubmitButton pending={pending} pendingLabel={t("checking")} kind="quiet">
          {t("verify")}
        </SubmitButton>
      </form>
    </details>
  );
}

/**
 * Signs in with a passkey: the options come from the server (a challenge stored for this
 * session's user), the browser asks the authenticator, the server verifies the signature.
 */
export function PasskeyStep({
  options,
  verify,
  next,
}: {
  options: (input?: unknown) => Promise<{ options?: unknown; error?: string }>;
  verify: (input: { response: string; next: string }) => Promise<SecondFactorState>;
  next: string;
}) {
  const t = useTranslations("secondFactor");
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  async function run() {
    setPending(true);
    setError(undefined);
    try {
      const asked = await options();
      if (!asked.options) throw new Error(asked.error ?? t("passkeyFailed"));
      const response = await startAuthentication({ optionsJSON: asked.options as never });
      const state = await verify({ response: JSON.stringify(response), next });
      if (state.next) return window.location.assign(state.next);
      setError(state.error ?? t("passkeyFailed"));
    } catch (caught) {
      setError(caught instanceof Error && caught.name !== "NotAllowedError" ? caught.message : t("passkeyCancelled"));
    }
    setPending(false);
  }
  return (
    <div className="space-y-3" data-testid="passkey-step">
      <button type="button" onClick={run} disabled={pending} className={buttonClass("brand", false, "w-full")}>
        {pending ? t("waitingForPasskey") : t("usePasskey")}
      </button>
      <FormError message={error} look="box" />
    </div>
  );
}

/** The ten recovery codes, shown once, with what to do with them. */
export function RecoveryCodesShown({ codes, next }: { codes: string[]; next?: string }) {
  const t = useTranslations("secondFactor");
  return (
    <div className="space-y-3 rounded-lg border border-current/20 p-4" data-testid="recovery-codes">
      <p className="text-sm font-medium">{t("recoveryCodesTitle")}</p>
      <p className="text-sm">{t("recoveryCodesHelp")}</p>
      <ol className="grid grid-cols-2 gap-2 font-mono text-sm">
        {codes.map((code) => (
          <li key={code} data-testid="recovery-code">
            {code}
          </li>
        ))}
      </ol>
      {next && (
        <a href={next} className={buttonClass("brand", false)} data-testid="continue">
          {t("continue")}
        </a>
      )}
    </div>
  );
}

/**
 * Sets up an authenticator app: a QR code (and the secret as text, for apps that cannot scan),
 * then the first code to confirm it. The recovery codes follow, shown once.
 */
export function TotpEnrolment({
  begin,
  finish,
  next,
}: {
  begin: FormAction<SecondFactorState>;
  finish: FormAction<SecondFactorState>;
  /** Where "Continue" leads after the codes (the sign-in step); none on the account page. */
  next?: string;
}) {
  const t = useTranslations("secondFactor");
  const [started, start, starting] = useActionState(begin, {} as SecondFactorState);
  const [done, confirm, confirming] = useActionState(finish, {} as SecondFactorState);
  if (done.recoveryCodes) return <RecoveryCodesShown codes={done.recoveryCodes} next={next} />;
  if (!started.enrolment)
    return (
      <form action={start} className="space-y-3" data-testid="totp-enrol-start">
        <FormError message={started.error} look="box" />
        <SubmitButton pending={starting} pendingLabel={t("checking")} kind={next ? "brand" : "quiet"}>
          {t("setUpApp")}
        </SubmitButton>
      </form>
    );
  return (
    <div className="space-y-3" data-testid="totp-enrol">
      <p className="text-sm">{t("scan")}</p>
      <div
        className="w-48 rounded bg-white p-2"
        role="img"
        aria-label={t("qrLabel")}
        // The server drew this SVG from the otpauth:// URI it made; it holds no script.
        dangerouslySetInnerHTML={{ __html: started.enrolment.qrSvg }}
      />
      <p className="text-sm">
        {t("orType")}{" "}
        <code className="break-all font-mono" data-testid="totp-secret">
          {started.enrolment.secret}
        </code>
      </p>
      <form action={confirm} className="space-y-3">
        <AppCodeField />
        <FormError message={done.error} look="box" />
        <SubmitButton pending={confirming} pendingLabel={t("checking")}>
          {t("confirmApp")}
        </SubmitButton>
      </form>
    </div>
  );
}

/** Adds a passkey on the account page: named, then registered with this portal's host. */
export function AddPasskey({
  options,
  add,
}: {
  options: (input?: unknown) => Promise<{ options?: unknown; error?: string }>;
  add: (input: { response: string; name: string }) => Promise<SecondFactorState>;
}) {
  const t = useTranslations("secondFactor");
  const [error, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  async function run(form: FormData) {
    setPending(true);
    setError(undefined);
    setMessage(undefined);
    try {
      const asked = await options();
      if (!asked.options) throw new Error(asked.error ?? t("passkeyFailed"));
      const response = await startRegistration({ optionsJSON: asked.options as never });
      const state = await add({ response: JSON.stringify(response), name: String(form.get("name") ?? "") });
      if (state.error) setError(state.error);
      else if (state.next) return window.location.assign(state.next);
      else setMessage(state.message);
    } catch (caught) {
      setError(caught instanceof Error && caught.name !== "NotAllowedError" ? caught.message : t("passkeyCancelled"));
    }
    setPending(false);
  }
  return (
    <form action={run} className="space-y-3" data-testid="add-passkey">
      <Field label={t("passkeyName")} name="name" hint={t("passkeyNameHint")}>
        {(control) => <Input {...control} name="name" maxLength={80} autoComplete="off" />}
      </Field>
      <FormError message={error} look="box" />
      {message && (
        <p role="status" data-testid="form-message" className="text-sm text-emerald-800">
          {message}
        </p>
      )}
      <SubmitButton pending={pending} pendingLabel={t("waitingForPasskey")} kind="quiet">
        {t("addPasskey")}
      </SubmitButton>
    </form>
  );
}

/** A small form that runs one action and shows its answer (remove, replace codes). */
export function SecondFactorButton({
  action,
  label,
  name,
  value,
  kind = "quiet",
  testId,
  askCode = false,
}: {
  action: FormAction<SecondFactorState>;
  label: string;
  name?: string;
  value?: string;
  kind?: "quiet" | "quiet-danger";
  testId: string;
  /** Asks for a current code from the app first (the agency's account page: docs/decisions/046). */
  askCode?: boolean;
}) {
  const t = useTranslations("secondFactor");
  const [state, submit, pending] = useActionState(action, {} as SecondFactorState);
  useNext(state);
  return (
    <form action={submit} className="space-y-2" data-testid={testId}>
      {name && <input type="hidden" name={name} value={value} />}
      {askCode && <AppCodeField />}
      <SubmitButton pending={pending} pendingLabel={t("checking")} kind={kind} small>
        {label}
      </SubmitButton>
      <FormError message={state.error} look="box" />
      {state.recoveryCodes && <RecoveryCodesShown codes={state.recoveryCodes} />}
    </form>
  );
}
