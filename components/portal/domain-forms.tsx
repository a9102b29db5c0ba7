"use client";

import { useTranslations } from "next-intl";
import { useActionState, useState } from "react";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton, buttonClass } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";

/** The email-domain page's server actions arrive as props from the page. */
type DomainAction = FormAction<ActionState>;

function Done({ state }: { state: ActionState }) {
  return state.message ? (
    <p role="status" data-testid="domain-message" className="text-sm text-emerald-800">
      {state.message}
    </p>
  ) : null;
}

export function AddDomainForm({ add }: { add: DomainAction }) {
  const t = useTranslations("emailDomains");
  const [state, action, pending] = useActionState(add, {} as ActionState);
  return (
    <form action={action} className="grid gap-3 sm:grid-cols-[1fr_auto] sm:items-end" data-testid="add-domain-form">
      <Field label={t("domain")} name="domain" hint={t("domainHint")} error={state.errors?.domain}>
        {(c) => (
          <Input
            {...c}
            name="domain"
            required
            maxLength={253}
            autoComplete="off"
            spellCheck={false}
            defaultValue={state.error ? (state.values?.domain ?? "") : ""}
          />
        )}
      </Field>
      <SubmitButton pending={pending} pendingLabel={t("adding")} className="sm:mb-5">
        {t("add")}
      </SubmitButton>
      <div className="sm:col-span-2">
        <Done state={state} />
        <FormError message={state.error} />
      </div>
    </form>
  );
}

/** A value to publish, selectable as a whole, with a button that copies it. */
function Copyable({ value, label, testId }: { value: string; label: string; testId: string }) {
  const t = useTranslations("emailDomains");
  const [copied, setCopied] = useState(false);
  return (
    <span className="flex min-w-0 flex-wrap items-center gap-2">
      <code
        data-testid={testId}
        className="min-w-0 rounded bg-black/5 px-1.5 py-0.5 font-mono text-xs [overflow-wrap:anywhere] select-all"
      >
        {value}
      </code>
      <button
        type="button"
        aria-label={label}
        className={buttonClass("quiet", true, "px-2 py-0.5 text-xs")}
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t("copied") : t("copy")}
      </button>
    </span>
  );
}

export interface DomainRowData {
  id: string;
  domain: string;
  verified: boolean;
  /** Already in the reader's language: "Verified 3 Dec 2026 by …", or null while unverified. */
  verifiedLine: string | null;
  addedLine: string;
  record: { name: string; value: string };
  /** The last failed check, in the reader's language, with when it ran. */
  lastCheck: { when: string; error: string } | null;
}

export function DomainRow({
  domain,
  actions,
}: {
  domain: DomainRowData;
  actions: { check: DomainAction; remove: DomainAction };
}) {
  const t = useTranslations("emailDomains");
  const tu = useTranslations("ui");
  const [checkState, check, checking] = useActionState(actions.check, {} as ActionState);
  const [removeState, remove, removing] = useActionState(actions.remove, {} as ActionState);
  const state = removeState.error || removeState.message ? removeState : checkState;
  return (
    <li className="space-y-3 py-4" data-domain={domain.domain} data-verified={domain.verified ? "yes" : "no"}>
      <div className="flex flex-wrap items-center gap-3">
        <span className="min-w-0 grow font-mono font-medium [overflow-wrap:anywhere]">{domain.domain}</span>
        <span
          data-testid="domain-status"
          className={`rounded-full px-2 py-0.5 text-xs font-medium ${
            domain.verified ? "bg-emerald-100 text-emerald-900" : "bg-amber-100 text-amber-900"
          }`}
        >
          {domain.verified ? t("verified") : t("pending")}
        </span>
      </div>
      <p className="text-sm opacity-70">{domain.verifiedLine ?? domain.addedLine}</p>
      {!domain.verified && (
        <div className="space-y-2 text-sm" data-testid="domain-record">
          <p>{t("publish")}</p>
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] items-center gap-x-3 gap-y-1">
            <dt className="opacity-70">{t("recordName")}</dt>
            <dd className="min-w-0">
              <Copyable value={domain.record.name} label={t("copyName")} testId="record-name" />
            </dd>
            <dt className="opacity-70">{t("recordValue")}</dt>
            <dd className="min-w-0">
              <Copyable value={domain.record.value} label={t("copyValue")} testId="record-value" />
            </dd>
          </dl>
          {domain.lastCheck && (
            <p className="text-amber-900" data-testid="last-check">
              {t("lastCheck", { when: domain.lastCheck.when })} {domain.lastCheck.error}
            </p>
          )}
        </div>
      )}
      <div className="flex flex-wrap items-start gap-3">
        {!domain.verified && (
          <form action={check} data-testid="check-domain">
            <input type="hidden" name="id" value={domain.id} />
            <SubmitButton pending={checking} pendingLabel={t("checking")} small>
              {t("check")}
            </SubmitButton>
          </form>
        )}
        <form action={remove} data-testid="remove-domain">
          <input type="hidden" name="id" value={domain.id} />
          <ConfirmButton
            label={t("removeArm")}
            confirmLabel={t("removeConfirm", { domain: domain.domain })}
            pendingLabel={t("removing")}
            cancelLabel={tu("cancel")}
            pending={removing}
            kind="quiet-danger"
            confirmKind="danger"
            cancellable
            warning={t("removeWarn", { domain: domain.domain })}
          />
        </form>
      </div>
      <Done state={state} />
      <FormError message={state.error} />
    </li>
  );
}

export interface SsoPolicyData {
  on: boolean;
  inForce: boolean;
  /** The enabled, tested connection's name, or null when there is none. */
  connection: string | null;
  breakGlassUserId: string | null;
  owners: Array<{ id: string; email: string; name: string; hasPassword: boolean }>;
  verifiedDomains: string[];
}

/**
 * "SSO required for verified domains" (docs/decisions/047): what it needs, whether it is in
 * force, and the switch with the break-glass owner. The server checks every condition again.
 */
export function SsoPolicyForm({ policy, save }: { policy: SsoPolicyData; save: DomainAction }) {
  const t = useTranslations("emailDomains");
  const [state, action, pending] = useActionState(save, {} as ActionState);
  const needs = [
    {
      ok: policy.verifiedDomains.length > 0,
      text:
        policy.verifiedDomains.length > 0
          ? t("policyDomainsOk", { domains: policy.verifiedDomains.join(", ") })
          : t("policyDomainsMissing"),
      id: "domains",
    },
    {
      ok: policy.connection !== null,
      text: policy.connection ? t("policyConnectionOk", { name: policy.connection }) : t("policyConnectionMissing"),
      id: "connection",
    },
  ];
  return (
    <section
      className="space-y-4 border-t border-black/5 pt-6"
      data-testid="sso-policy"
      aria-labelledby="sso-policy-title"
    >
      <h2 id="sso-policy-title" className="text-xl font-semibold">
        {t("policyTitle")}
      </h2>
      <p className="max-w-prose text-sm opacity-80">{t("policyIntro")}</p>
      <ul className="space-y-1 text-sm">
        {needs.map((n) => (
          <li key={n.id} data-testid={`sso-policy-${n.id}`} data-ok={n.ok ? "yes" : "no"}>
            <span aria-hidden="true">{n.ok ? "✓" : "✗"}</span> {n.text}
          </li>
        ))}
      </ul>
      <p
        data-testid="sso-policy-status"
        data-state={policy.inForce ? "in-force" : policy.on ? "resting" : "off"}
        className={`rounded-lg px-3 py-2 text-sm ${
          policy.inForce ? "bg-emerald-50 text-emerald-900" : policy.on ? "bg-amber-50 text-amber-900" : "bg-black/5"
        }`}
      >
        {policy.inForce ? t("policyInForce") : policy.on ? t("policyResting") : t("policyOff")}
      </p>
      <form action={action} className="space-y-4" data-testid="sso-policy-form">
        <label className="flex items-center gap-2">
          <input type="checkbox" name="on" defaultChecked={policy.on} /> {t("policyRequire")}
        </label>
        <Field label={t("breakGlass")} name="breakGlassUserId" hint={t("breakGlassHint")}>
          {(c) => (
            <Select {...c} name="breakGlassUserId" defaultValue={policy.breakGlassUserId ?? ""}>
              <option value="">{t("breakGlassChoose")}</option>
              {policy.owners.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.hasPassword
                    ? `${o.name} (${o.email})`
                    : t("breakGlassNoPassword", { who: `${o.name} (${o.email})` })}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <p
          className="max-w-prose rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900"
          data-testid="break-glass-advice"
        >
          {t("breakGlassAdvice")}
        </p>
        <SubmitButton pending={pending} pendingLabel={t("policySaving")}>
          {t("policySave")}
        </SubmitButton>
        <Done state={state} />
        <FormError message={state.error} />
      </form>
    </section>
  );
}
