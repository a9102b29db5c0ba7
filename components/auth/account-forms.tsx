"use client";

import { useTranslations } from "next-intl";
import { useActionState } from "react";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton, type ButtonKind } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { AccountField } from "./account-field.tsx";

/** What went right, announced as it appears. */
function Done({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p role="status" data-testid="form-message" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900">
      {message}
    </p>
  );
}

/** Change password on the account page: the current one first, the new one twice. */
export function ChangePasswordForm({ action }: { action: FormAction<ActionState> }) {
  const t = useTranslations("account");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  return (
    <form action={submit} className="space-y-4" data-testid="change-password">
      <AccountField label={t("currentPassword")} name="current" type="password" autoComplete="current-password" />
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
      <FormError message={state.error} look="box" />
      <Done message={state.message} />
      <SubmitButton pending={pending} pendingLabel={t("saving")}>
        {t("changePassword")}
      </SubmitButton>
    </form>
  );
}

/** For members who sign in by email link: a link to set a password is mailed to them. */
export function SetPasswordByLink({ action }: { action: FormAction<ActionState> }) {
  const t = useTranslations("account");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  return (
    <form action={submit} className="space-y-3" data-testid="set-password">
      <p className="text-sm">{t("noPassword")}</p>
      <FormError message={state.error} look="box" />
      <Done message={state.message} />
      <SubmitButton pending={pending} pendingLabel={t("sending")} kind="quiet">
        {t("sendSetPasswordLink")}
      </SubmitButton>
    </form>
  );
}

/** Change email: a confirmation link goes to the new address; nothing changes until it is used. */
export function ChangeEmailForm({ action }: { action: FormAction<ActionState> }) {
  const t = useTranslations("account");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  return (
    <form action={submit} className="space-y-4" data-testid="change-email">
      <AccountField label={t("newEmail")} name="email" type="email" autoComplete="email" />
      <FormError message={state.error} look="box" />
      <Done message={state.message} />
      <SubmitButton pending={pending} pendingLabel={t("sending")} kind="quiet">
        {t("sendConfirmation")}
      </SubmitButton>
    </form>
  );
}

/** The new address's confirmation: one click, so a mail scanner following the link changes nothing. */
export function ConfirmEmailForm({ token, action }: { token: string; action: FormAction<ActionState> }) {
  const t = useTranslations("account");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  if (state.message) return <Done message={state.message} />;
  return (
    <form action={submit} className="space-y-4">
      <input type="hidden" name="token" value={token} />
      <FormError message={state.error} look="box" />
      <SubmitButton pending={pending} pendingLabel={t("saving")} className="w-full">
        {t("confirmEmail")}
      </SubmitButton>
    </form>
  );
}

/** A session as the list shows it, its times already written out by the server. */
export interface SessionItem {
  id: string;
  device: string;
  ip: string | null;
  created: string;
  lastSeen: string;
  current: boolean;
}

/**
 * Where the account is signed in: each session with its device, address and times, this one
 * marked; any other can be ended, or all others at once. Plain forms, so they work before
 * hydration too (decision 017).
 */
export function SessionList({
  sessions,
  action,
  kind = "quiet",
}: {
  sessions: SessionItem[];
  action: FormAction<ActionState>;
  kind?: ButtonKind;
}) {
  const t = useTranslations("account");
  const [state, submit, pending] = useActionState(action, {} as ActionState);
  const others = sessions.filter((s) => !s.current).length;
  return (
    <div className="space-y-3" data-testid="sessions">
      <ul className="divide-y divide-black/10">
        {sessions.map((s) => (
          <li
            key={s.id}
            data-testid="session"
            data-current={s.current ? "true" : undefined}
            className="flex flex-wrap items-center gap-3 py-2"
          >
            <div className="min-w-0 flex-1 text-sm">
              <p className="font-medium">
                {s.device}
                {s.current && (
                  <span
                    data-testid="this-device"
                    className="ml-2 rounded bg-emerald-100 px-1.5 py-0.5 text-xs text-emerald-900"
                  >
                    {t("thisDevice")}
                  </span>
                )}
              </p>
              <p className="opacity-80">
                {t("sessionDetails", { ip: s.ip ?? t("unknownAddress"), created: s.created, lastSeen: s.lastSeen })}
              </p>
            </div>
            {!s.current && (
              <form action={submit}>
                <input type="hidden" name="session" value={s.id} />
                <SubmitButton pending={pending} kind={kind} small>
                  {t("endSession")}
                </SubmitButton>
              </form>
            )}
          </li>
        ))}
      </ul>
      {others > 0 && (
        <form action={submit}>
          <input type="hidden" name="session" value="others" />
          <SubmitButton pending={pending} pendingLabel={t("ending")} kind={kind} small>
            {t("endOthers")}
          </SubmitButton>
        </form>
      )}
      <FormError message={state.error} />
      <Done message={state.message} />
    </div>
  );
}
