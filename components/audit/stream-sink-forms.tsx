"use client";

import { useActionState, useState } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import type { Tone } from "@/components/ui/control-class.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select, Textarea } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";

/** What a sink action answers: a new signing key is shown once. */
export interface SinkActionState extends ActionState {
  secret?: string;
}

/** Every word the forms show, so the agency page (English) and the tenant page (next-intl) share them. */
export interface SinkFormLabels {
  add: string;
  name: string;
  kind: string;
  webhook: string;
  syslog: string;
  url: string;
  host: string;
  port: string;
  ca: string;
  caHint: string;
  secretOnce: string;
  test: string;
  enable: string;
  disable: string;
  rotate: string;
  remove: string;
}

function Outcome({ state }: { state: SinkActionState }) {
  return (
    <>
      {state.error && (
        <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      )}
      {state.message && (
        <p data-testid="form-message" className="rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-800">
          {state.message}
        </p>
      )}
      {state.secret && (
        <p className="text-sm">
          <code data-testid="sink-secret" className="block break-all rounded bg-slate-100 px-2 py-1 font-mono">
            {state.secret}
          </code>
        </p>
      )}
    </>
  );
}

export function AddSinkForm({
  action,
  labels,
  tone,
}: {
  action: FormAction<SinkActionState>;
  labels: SinkFormLabels;
  tone: Tone;
}) {
  const [state, submit, pending] = useActionState(action, {} as SinkActionState);
  const [kind, setKind] = useState(state.values?.kind ?? "webhook");
  return (
    <form action={submit} className="grid gap-3 sm:grid-cols-2" data-testid="add-sink">
      <input type="hidden" name="what" value="add" />
      <Field tone={tone} label={labels.name} name="name">
        {(c) => <Input {...c} tone={tone} name="name" required maxLength={80} defaultValue={state.values?.name} />}
      </Field>
      <Field tone={tone} label={labels.kind} name="kind">
        {(c) => (
          <Select {...c} tone={tone} name="kind" value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="webhook">{labels.webhook}</option>
            <option value="syslog">{labels.syslog}</option>
          </Select>
        )}
      </Field>
      {kind === "webhook" ? (
        <Field tone={tone} label={labels.url} name="url" className="sm:col-span-2">
          {(c) => <Input {...c} tone={tone} name="url" type="url" required defaultValue={state.values?.url} />}
        </Field>
      ) : (
        <>
          <Field tone={tone} label={labels.host} name="host">
            {(c) => <Input {...c} tone={tone} name="host" required defaultValue={state.values?.host} />}
          </Field>
          <Field tone={tone} label={labels.port} name="port">
            {(c) => (
              <Input
                {...c}
                tone={tone}
                name="port"
                type="number"
                min={1}
                max={65535}
                defaultValue={state.values?.port ?? "6514"}
              />
            )}
          </Field>
        </>
      )}
      <Field tone={tone} label={labels.ca} hint={labels.caHint} name="caPem" className="sm:col-span-2">
        {(c) => <Textarea {...c} tone={tone} name="caPem" rows={2} defaultValue={state.values?.caPem} />}
      </Field>
      <div className="space-y-2 sm:col-span-2">
        <SubmitButton pending={pending} kind={tone === "agency" ? "agency" : "brand"} small>
          {labels.add}
        </SubmitButton>
        {state.secret && <p className="text-sm opacity-80">{labels.secretOnce}</p>}
        <Outcome state={state} />
      </div>
    </form>
  );
}

export function SinkControls({
  action,
  sinkId,
  enabled,
  labels,
}: {
  action: FormAction<SinkActionState>;
  sinkId: string;
  enabled: boolean;
  labels: SinkFormLabels;
}) {
  const [state, submit, pending] = useActionState(action, {} as SinkActionState);
  const button = (what: string, label: string, kind: "quiet-agency" | "quiet-danger" = "quiet-agency") => (
    <button
      type="submit"
      name="what"
      value={what}
      disabled={pending}
      data-testid={`sink-${what}`}
      className={`rounded-lg px-3 py-1.5 text-sm ring-1 ${kind === "quiet-danger" ? "text-red-700 ring-red-200" : "text-slate-700 ring-slate-300"}`}
    >
      {label}
    </button>
  );
  return (
    <form action={submit} className="space-y-2">
      <input type="hidden" name="sinkId" value={sinkId} />
      <div className="flex flex-wrap gap-2">
        {button("test", labels.test)}
        {enabled ? button("disable", labels.disable) : button("enable", labels.enable)}
        {button("rotate", labels.rotate)}
        {button("delete", labels.remove, "quiet-danger")}
      </div>
      {state.secret && <p className="text-sm text-slate-600">{labels.secretOnce}</p>}
      <Outcome state={state} />
    </form>
  );
}
