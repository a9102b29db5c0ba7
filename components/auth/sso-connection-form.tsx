"use client";

import { signIn } from "next-auth/react";
import { useActionState, useState } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { Input, Select, Textarea } from "@/components/ui/input.tsx";
import { SubmitButton, buttonClass } from "@/components/ui/submit-button.tsx";

/** The connection as a page hands it down: never its secret, only whether one is stored. */
export interface SsoConnectionProps {
  displayName: string;
  issuer: string;
  clientId: string;
  hasSecret: boolean;
  scopes: string;
  roleClaim: string;
  roleMap: string;
  defaultRole: string;
  enabled: boolean;
  /** When a test sign-in last succeeded, as the page formatted it; null: never since the last change. */
  tested: string | null;
  updated: string;
}

/** The words of the form: the portal passes its reader's language, the agency English. */
export interface SsoFormLabels {
  displayName: string;
  displayNameHint: string;
  issuer: string;
  issuerHint: string;
  clientId: string;
  clientSecret: string;
  clientSecretKept: string;
  scopes: string;
  roleClaim: string;
  roleClaimHint: string;
  roleMap: string;
  roleMapHint: string;
  defaultRole: string;
  roles: Record<"member" | "staff" | "admin", string>;
  redirectUris: string;
  save: string;
  saving: string;
  status: string;
  on: string;
  off: string;
  tested: string;
  untested: string;
  test: string;
  testHint: string;
  enable: string;
  disable: string;
  remove: string;
  removeConfirm: string;
  removeWarning: string;
  cancel: string;
}

type Tone = "portal" | "agency";

export function Result({ state, testId = "sso" }: { state: ActionState; testId?: string }) {
  return (
    <>
      {state.message && (
        <p role="status" data-testid={`${testId}-message`} className="text-sm">
          {state.message}
        </p>
      )}
      <FormError message={state.error && !state.errors ? state.error : null} />
    </>
  );
}

/**
 * A tenant's OpenID Connect connection: its settings (saved only once the issuer's discovery
 * document checks out), then a test sign-in, then switching it on for members.
 */
export function SsoConnectionForm({
  connection,
  labels,
  redirectUris,
  save,
  setEnabled,
  remove,
  startTest,
  hidden = {},
  tone = "portal",
}: {
  connection: SsoConnectionProps | null;
  labels: SsoFormLabels;
  redirectUris: string[];
  save: FormAction<ActionState>;
  setEnabled: FormAction<ActionState>;
  remove: FormAction<ActionState>;
  /** Portal only: sets the test marker; the browser then runs the real sign-in. */
  startTest?: FormAction<ActionState>;
  /** Sent with every form (the agency's tenant slug). */
  hidden?: Record<string, string>;
  tone?: Tone;
}) {
  const [state, saveAction, saving] = useActionState(save, {} as ActionState);
  const { test, testing, testError } = useSsoTest(startTest, () =>
    signIn("oidc", { callbackUrl: "/manage/settings#sso" }),
  );
  const values = state.values ?? {};
  const value = (name: keyof SsoConnectionProps & string, fallback = "") =>
    values[name] ?? String(connection?.[name] ?? fallback);
  const errors = state.errors ?? {};
  const kind = tone === "agency" ? "agency" : "brand";
  const hiddenFields = hiddenInputs(hidden);

  return (
    <div className="space-y-5" data-testid="sso-connection">
      <form action={saveAction} className="grid gap-3 sm:grid-cols-2" data-testid="sso-form">
        {hiddenFields}
        <Field
          tone={tone}
          label={labels.displayName}
          name="displayName"
          hint={labels.displayNameHint}
          error={errors.displayName}
        >
          {(c) => (
            <Input {...c} tone={tone} name="displayName" defaultValue={value("displayName")} maxLength={80} required />
          )}
        </Field>
        <Field tone={tone} label={labels.issuer} name="issuer" hint={labels.issuerHint} error={errors.issuer}>
          {(c) => (
            <Input
              {...c}
              tone={tone}
              name="issuer"
              type="url"
              defaultValue={value("issuer")}
              maxLength={500}
              required
            />
          )}
        </Field>
        <Field tone={tone} label={labels.clientId} name="clientId" error={errors.clientId}>
          {(c) => (
            <Input {...c} tone={tone} name="clientId" defaultValue={value("clientId")} maxLength={255} required />
          )}
        </Field>
        <Field
          tone={tone}
          label={labels.clientSecret}
          name="clientSecret"
          hint={connection?.hasSecret ? labels.clientSecretKept : undefined}
          error={errors.clientSecret}
        >
          {(c) => (
            <Input
              {...c}
              tone={tone}
              name="clientSecret"
              type="password"
              autoComplete="off"
              required={!connection?.hasSecret}
            />
          )}
        </Field>
        <Field tone={tone} label={labels.scopes} name="scopes" error={errors.scopes}>
          {(c) => (
            <Input
              {...c}
              tone={tone}
              name="scopes"
              defaultValue={value("scopes", "openid email profile")}
              maxLength={300}
            />
          )}
        </Field>
        <Field
          tone={tone}
          label={labels.roleClaim}
          name="roleClaim"
          hint={labels.roleClaimHint}
          error={errors.roleClaim}
        >
          {(c) => <Input {...c} tone={tone} name="roleClaim" defaultValue={value("roleClaim")} maxLength={100} />}
        </Field>
        <Field tone={tone} label={labels.roleMap} name="roleMap" hint={labels.roleMapHint} error={errors.roleMap}>
          {(c) => (
            <Textarea
              {...c}
              tone={tone}
              name="roleMap"
              rows={3}
              defaultValue={value("roleMap")}
              className="font-mono"
            />
          )}
        </Field>
        <RoleField
          tone={tone}
          label={labels.defaultRole}
          roles={labels.roles}
          value={value("defaultRole", "member")}
          error={errors.defaultRole}
        />
        <div className="space-y-1 sm:col-span-2">
          <p className="text-sm font-medium">{labels.redirectUris}</p>
          <ul className="text-sm" data-testid="sso-redirect-uris">
            {redirectUris.map((uri) => (
              <li key={uri} className="break-all font-mono">
                {uri}
              </li>
            ))}
          </ul>
        </div>
        <div className="space-y-2 sm:col-span-2">
          <SubmitButton kind={kind} pending={saving} pendingLabel={labels.saving}>
            {labels.save}
          </SubmitButton>
          <Result state={state} />
        </div>
      </form>

      {connection && (
        <SsoConnectionControls
          status={{ enabled: connection.enabled, tested: connection.tested }}
          labels={labels}
          setEnabled={setEnabled}
          remove={remove}
          test={startTest ? test : undefined}
          testing={testing}
          testError={testError}
          hidden={hidden}
          tone={tone}
        />
      )}
    </div>
  );
}

function hiddenInputs(hidden: Record<string, string>) {
  return Object.entries(hidden).map(([name, v]) => <input key={name} type="hidden" name={name} value={v} />);
}

/** The words the status line and its buttons use (a part of SsoFormLabels). */
export type SsoControlLabels = Pick<
  SsoFormLabels,
  | "status"
  | "on"
  | "off"
  | "tested"
  | "untested"
  | "test"
  | "testHint"
  | "enable"
  | "disable"
  | "remove"
  | "removeConfirm"
  | "removeWarning"
  | "cancel"
>;

/**
 * A saved connection's status (on or off, tested since its last change or not) and its buttons:
 * test sign-in (portal only), turn on or off, remove. Shared by the OIDC and SAML forms.
 */
export function SsoConnectionControls({
  status,
  labels,
  setEnabled,
  remove,
  test,
  testing = false,
  testError = null,
  hidden = {},
  tone = "portal",
  testId = "sso",
}: {
  status: { enabled: boolean; tested: string | null };
  labels: SsoControlLabels;
  setEnabled: FormAction<ActionState>;
  remove: FormAction<ActionState>;
  test?: () => void | Promise<void>;
  testing?: boolean;
  testError?: string | null;
  hidden?: Record<string, string>;
  tone?: Tone;
  /** Prefix of the status line's test ids ("sso", "saml"). */
  testId?: string;
}) {
  const [toggleState, toggleAction, toggling] = useActionState(setEnabled, {} as ActionState);
  const [removeState, removeAction, removing] = useActionState(remove, {} as ActionState);
  const hydrated = useHydrated();
  const kind = tone === "agency" ? "agency" : "brand";
  const quiet = tone === "agency" ? "quiet-agency" : "quiet";
  const hiddenFields = hiddenInputs(hidden);
  return (
    <div className="space-y-3 border-t border-black/10 pt-4">
      <p className="text-sm" data-testid={`${testId}-status`}>
        {labels.status}: <strong>{status.enabled ? labels.on : labels.off}</strong> ·{" "}
        <span data-testid={`${testId}-tested`}>
          {status.tested ? `${labels.tested} ${status.tested}` : labels.untested}
        </span>
      </p>
      <div className="flex flex-wrap items-start gap-3">
        {test && (
          <button
            type="button"
            onClick={() => void test()}
            disabled={!hydrated || testing}
            className={buttonClass(quiet, false)}
          >
            {labels.test}
          </button>
        )}
        <form action={toggleAction}>
          {hiddenFields}
          <input type="hidden" name="enabled" value={status.enabled ? "off" : "on"} />
          <SubmitButton kind={status.enabled ? quiet : kind} pending={toggling}>
            {status.enabled ? labels.disable : labels.enable}
          </SubmitButton>
        </form>
        <form action={removeAction}>
          {hiddenFields}
          <ConfirmButton
            label={labels.remove}
            confirmLabel={labels.removeConfirm}
            warning={labels.removeWarning}
            cancellable
            cancelLabel={labels.cancel}
            pending={removing}
            kind="quiet-danger"
            confirmKind="danger"
          />
        </form>
      </div>
      {test && <p className="text-xs opacity-70">{labels.testHint}</p>}
      <FormError message={testError} />
      <Result state={toggleState} testId={testId} />
      <Result state={removeState} testId={testId} />
    </div>
  );
}

/**
 * A test sign-in: the page's action sets the admin's test marker, then `go` sends the browser
 * through the real sign-in. Shared by the OIDC and SAML forms.
 */
export function useSsoTest(startTest: FormAction<ActionState> | undefined, go: () => unknown) {
  const [testError, setTestError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  async function test() {
    if (!startTest) return;
    setTesting(true);
    setTestError(null);
    const started = await startTest({}, new FormData());
    if (started.error) {
      setTesting(false);
      setTestError(started.error);
      return;
    }
    await go();
  }
  return { test, testing, testError };
}

/** The role of people no mapping matches: member, staff or admin (never owner). */
export function RoleField({
  label,
  roles,
  value,
  error,
  tone,
}: {
  label: string;
  roles: Record<"member" | "staff" | "admin", string>;
  value: string;
  error?: string;
  tone: Tone;
}) {
  return (
    <Field tone={tone} label={label} name="defaultRole" error={error}>
      {(c) => (
        <Select {...c} tone={tone} name="defaultRole" defaultValue={value}>
          {(["member", "staff", "admin"] as const).map((role) => (
            <option key={role} value={role}>
              {roles[role]}
            </option>
          ))}
        </Select>
      )}
    </Field>
  );
}
