"use client";

import { useActionState, useState, type ReactNode } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";

const ROLES = ["viewer", "operator", "owner"] as const;

function Outcome({ state }: { state: ActionState }) {
  if (state.error)
    return (
      <p data-testid="form-error" role="alert" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
        {state.error}
      </p>
    );
  if (state.message)
    return (
      <p
        data-testid="form-message"
        role="status"
        className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
      >
        {state.message}
      </p>
    );
  return null;
}

/** `action` is the users page's server action, passed down by the page. */
type UserAction = FormAction<ActionState>;

function UserForm({
  act,
  children,
  className,
  testId,
}: {
  act: UserAction;
  children: (state: ActionState, pending: boolean, disabled: boolean) => ReactNode;
  className?: string;
  testId?: string;
}) {
  const [state, action, pending] = useActionState(act, {} as ActionState);
  const [nonce, setNonce] = useState(() => crypto.randomUUID());
  // The action is a closure (it renews the nonce), which React cannot post without script: until
  // hydrated, the buttons are disabled rather than dead.
  const hydrated = useHydrated();
  return (
    <form
      action={(fd) => {
        action(fd);
        setNonce(crypto.randomUUID());
      }}
      className={className}
      data-testid={testId}
    >
      <input type="hidden" name="nonce" value={nonce} />
      {children(state, pending, pending || !hydrated)}
    </form>
  );
}

export function InviteAgencyUserForm({ action }: { action: UserAction }) {
  return (
    <UserForm
      act={action}
      className="grid gap-3 sm:grid-cols-[1fr_1fr_10rem_auto] sm:items-end"
      testId="invite-agency-user"
    >
      {(state, pending, disabled) => (
        <>
          <input type="hidden" name="what" value="invite" />
          <Field tone="agency" label="Email" name="email">
            {(c) => (
              <Input
                {...c}
                tone="agency"
                density="compact"
                name="email"
                type="email"
                required
                maxLength={254}
                defaultValue={state.values?.email}
              />
            )}
          </Field>
          <Field tone="agency" label="Name" name="name">
            {(c) => (
              <Input
                {...c}
                tone="agency"
                density="compact"
                name="name"
                required
                maxLength={120}
                defaultValue={state.values?.name}
              />
            )}
          </Field>
          <Field tone="agency" label="Role" name="role">
            {(c) => (
              <Select {...c} tone="agency" density="compact" name="role" defaultValue={state.values?.role || "viewer"}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <SubmitButton disabled={disabled} pending={pending} pendingLabel="Inviting…" kind="agency" small>
            Invite
          </SubmitButton>
          <div className="sm:col-span-4">
            <Outcome state={state} />
          </div>
        </>
      )}
    </UserForm>
  );
}

export function AgencyUserControls({
  userId,
  email,
  role,
  active,
  action,
}: {
  userId: string;
  email: string;
  role: string;
  active: boolean;
  action: UserAction;
}) {
  return (
    <div className="space-y-1">
      <UserForm act={action} className="flex items-center gap-2" testId={`role-${email}`}>
        {(state, _pending, disabled) => (
          <>
            <input type="hidden" name="what" value="role" />
            <input type="hidden" name="userId" value={userId} />
            <Select
              name="role"
              defaultValue={role}
              aria-label={`Role of ${email}`}
              tone="agency"
              density="tight"
              inline
            >
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </Select>
            <button
              type="submit"
              disabled={disabled}
              className="rounded-lg px-2 py-1 text-sm ring-1 ring-slate-300 disabled:opacity-60"
            >
              Save role
            </button>
            <Outcome state={state} />
          </>
        )}
      </UserForm>
      <UserForm act={action} testId={`${active ? "deactivate" : "reactivate"}-${email}`}>
        {(state, _pending, disabled) => (
          <>
            <input type="hidden" name="what" value={active ? "deactivate" : "reactivate"} />
            <input type="hidden" name="userId" value={userId} />
            <button
              type="submit"
              disabled={disabled}
              className={`rounded-lg px-2 py-1 text-sm disabled:opacity-60 ${active ? "text-red-700 ring-1 ring-red-200" : "ring-1 ring-slate-300"}`}
            >
              {active ? "Deactivate" : "Reactivate"}
            </button>
            <Outcome state={state} />
          </>
        )}
      </UserForm>
    </div>
  );
}
