"use client";

import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { useTranslations } from "next-intl";
import { useActionState } from "react";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { FormError } from "@/components/ui/form-error.tsx";

/** The team page's server actions arrive as props from the page. */
type TeamAction = FormAction<ActionState>;

function Result({ state }: { state: ActionState }) {
  return (
    <>
      {state.message && (
        <p role="status" data-testid="team-message" className="text-sm text-emerald-800">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </>
  );
}

export function InviteForm({ canMakeOwner, invite }: { canMakeOwner: boolean; invite: TeamAction }) {
  const t = useTranslations("teamForm");
  const tr = useTranslations("roles");
  const [state, action, pending] = useActionState(invite, {} as ActionState);
  return (
    <form
      action={action}
      className="grid gap-3 sm:grid-cols-[1fr_1fr_auto_auto] sm:items-end"
      data-testid="invite-form"
    >
      <Field label={t("name")} name="name">
        {(c) => <Input {...c} name="name" required />}
      </Field>
      <Field label={t("email")} name="email">
        {(c) => <Input {...c} name="email" type="email" required />}
      </Field>
      <Field label={t("role")} name="role">
        {(c) => (
          <Select {...c} name="role" defaultValue="staff">
            <option value="staff">{tr("staff")}</option>
            <option value="admin">{tr("admin")}</option>
            {canMakeOwner && <option value="owner">{tr("owner")}</option>}
          </Select>
        )}
      </Field>
      <SubmitButton pending={pending} pendingLabel={t("inviting")}>
        {t("invite")}
      </SubmitButton>
      <div className="sm:col-span-4">
        <Result state={state} />
      </div>
    </form>
  );
}

export function MemberRow({
  member,
  canMakeOwner,
  self,
  actions,
}: {
  member: { id: string; name: string; email: string; role: string; active: boolean; invited: boolean };
  canMakeOwner: boolean;
  self: boolean;
  actions: { changeRole: TeamAction; remove: TeamAction };
}) {
  const t = useTranslations("teamForm");
  const tr = useTranslations("roles");
  const tu = useTranslations("ui");
  const [roleState, setRole, changing] = useActionState(actions.changeRole, {} as ActionState);
  const [removeState, remove, removing] = useActionState(actions.remove, {} as ActionState);
  return (
    <li className="flex flex-wrap items-center gap-3 py-3" data-email={member.email} data-role={member.role}>
      {/* Full width on a phone, so a long address wraps instead of running under the role selector. */}
      <div className="min-w-0 grow basis-full [overflow-wrap:anywhere] sm:basis-0">
        <div className="font-medium">
          {member.name}
          {self && t("you")}
        </div>
        <div className="text-sm opacity-70">
          {member.email}
          {member.invited && t("pending")}
          {!member.active && t("removed")}
        </div>
      </div>
      {member.active && (
        <>
          <form action={setRole} className="flex items-center gap-2">
            <input type="hidden" name="user" value={member.id} />
            <Select
              name="role"
              defaultValue={member.role}
              aria-label={t("roleOf", { name: member.name })}
              density="tight"
              inline
            >
              <option value="member">{tr("member")}</option>
              <option value="staff">{tr("staff")}</option>
              <option value="admin">{tr("admin")}</option>
              {(canMakeOwner || member.role === "owner") && <option value="owner">{tr("owner")}</option>}
            </Select>
            <button type="submit" disabled={changing} className="rounded-lg px-2 py-1 text-sm ring-1 ring-black/20">
              {t("change")}
            </button>
          </form>
          <form action={remove} data-testid="remove-member">
            <input type="hidden" name="user" value={member.id} />
            <ConfirmButton
              label={t("removeArm")}
              confirmLabel={t("removeConfirm", { name: member.name })}
              pendingLabel={t("removing")}
              cancelLabel={tu("cancel")}
              pending={removing}
              kind="quiet-danger"
              confirmKind="danger"
              cancellable
              warning={t("removeWarn", { name: member.name })}
            />
          </form>
        </>
      )}
      <div className="basis-full">
        <Result state={roleState.error || roleState.message ? roleState : removeState} />
      </div>
    </li>
  );
}
