"use client";

import { useActionState } from "react";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Textarea } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { Result, RoleField, SsoConnectionControls, useSsoTest, type SsoControlLabels } from "./sso-connection-form.tsx";

/** The saved connection as a page hands it down (lib/auth/saml-settings.server.ts samlFormProps). */
export interface SamlConnectionProps {
  displayName: string;
  idpEntityId: string;
  idpSsoUrl: string;
  idpCertificate: string;
  emailAttribute: string;
  nameAttribute: string;
  groupsAttribute: string;
  roleMap: string;
  defaultRole: string;
  enabled: boolean;
  tested: string | null;
  updated: string;
  certificate: { subject: string; validTo: string; fingerprint: string; expiresSoon: boolean } | null;
}

/** The words of the form: the portal passes its reader's language, the agency English. */
export interface SamlFormLabels extends SsoControlLabels {
  displayName: string;
  displayNameHint: string;
  idpEntityId: string;
  idpEntityIdHint: string;
  idpSsoUrl: string;
  idpSsoUrlHint: string;
  idpCertificate: string;
  idpCertificateHint: string;
  certificateSubject: string;
  certificateExpires: string;
  certificateFingerprint: string;
  certificateExpiresSoon: string;
  emailAttribute: string;
  nameAttribute: string;
  groupsAttribute: string;
  groupsAttributeHint: string;
  roleMap: string;
  roleMapHint: string;
  defaultRole: string;
  roles: Record<"member" | "staff" | "admin", string>;
  spValues: string;
  spEntityId: string;
  spAcsUrl: string;
  spMetadataUrl: string;
  save: string;
  saving: string;
}

type Tone = "portal" | "agency";
type TextName = "displayName" | "idpEntityId" | "idpSsoUrl" | "emailAttribute" | "nameAttribute" | "groupsAttribute";

function hintOf(labels: SamlFormLabels, name: TextName): string | undefined {
  const hints: Partial<Record<TextName, string>> = {
    displayName: labels.displayNameHint,
    idpEntityId: labels.idpEntityIdHint,
    idpSsoUrl: labels.idpSsoUrlHint,
    groupsAttribute: labels.groupsAttributeHint,
  };
  return hints[name];
}

/**
 * A tenant's SAML identity provider: its settings (checked on save: URL, certificate), the values
 * to give the IdP, then a test sign-in (portal only) and switching it on for members.
 */
export function SamlConnectionForm({
  connection,
  labels,
  serviceProvider,
  save,
  setEnabled,
  remove,
  startTest,
  hidden = {},
  tone = "portal",
}: {
  connection: SamlConnectionProps | null;
  labels: SamlFormLabels;
  serviceProvider: { entityId: string; acsUrl: string; metadataUrl: string };
  save: FormAction<ActionState>;
  setEnabled: FormAction<ActionState>;
  remove: FormAction<ActionState>;
  /** Portal only: sets the test marker; the browser then runs the real sign-in. */
  startTest?: FormAction<ActionState>;
  hidden?: Record<string, string>;
  tone?: Tone;
}) {
  const [state, saveAction, saving] = useActionState(save, {} as ActionState);
  const { test, testing, testError } = useSsoTest(startTest, () =>
    // A route handler answering with a redirect to the IdP, not a page: a full navigation.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    window.location.assign("/api/auth/saml/start?test=1"),
  );
  const values = state.values ?? {};
  const value = (name: keyof SamlConnectionProps & string, fallback = "") =>
    values[name] ?? (connection?.[name] == null ? fallback : String(connection[name]));
  const errors = state.errors ?? {};
  const kind = tone === "agency" ? "agency" : "brand";
  /** A one-line field of the connection, with its label, hint and error. */
  const text = (
    name: TextName,
    options: { fallback?: string; maxLength: number; required?: boolean; wide?: boolean },
  ) => (
    <Field
      tone={tone}
      label={labels[name]}
      name={name}
      hint={hintOf(labels, name)}
      error={errors[name]}
      className={options.wide ? "sm:col-span-2" : undefined}
    >
      {(c) => (
        <Input
          {...c}
          tone={tone}
          name={name}
          defaultValue={value(name, options.fallback)}
          maxLength={options.maxLength}
          required={options.required}
        />
      )}
    </Field>
  );

  const sp = [
    [labels.spEntityId, serviceProvider.entityId, "saml-sp-entity-id"],
    [labels.spAcsUrl, serviceProvider.acsUrl, "saml-sp-acs-url"],
    [labels.spMetadataUrl, serviceProvider.metadataUrl, "saml-sp-metadata-url"],
  ] as const;

  return (
    <div className="space-y-5" data-testid="saml-connection">
      <div className="space-y-1">
        <p className="text-sm font-medium">{labels.spValues}</p>
        <dl className="grid gap-x-3 gap-y-1 text-sm sm:grid-cols-[auto_1fr]">
          {sp.map(([label, v, id]) => (
            <div key={id} className="contents">
              <dt className="opacity-70">{label}</dt>
              <dd className="break-all font-mono" data-testid={id}>
                {v}
              </dd>
            </div>
          ))}
        </dl>
      </div>
      <form action={saveAction} className="grid gap-3 sm:grid-cols-2" data-testid="saml-form">
        {Object.entries(hidden).map(([name, v]) => (
          <input key={name} type="hidden" name={name} value={v} />
        ))}
        {text("displayName", { fallback: "SAML", maxLength: 80, required: true })}
        {text("idpEntityId", { maxLength: 1000, required: true })}
        {text("idpSsoUrl", { maxLength: 2000, required: true, wide: true })}
        <Field
          tone={tone}
          label={labels.idpCertificate}
          name="idpCertificate"
          hint={labels.idpCertificateHint}
          error={errors.idpCertificate}
          className="sm:col-span-2"
        >
          {(c) => (
            <Textarea
              {...c}
              tone={tone}
              name="idpCertificate"
              rows={6}
              defaultValue={value("idpCertificate")}
              className="font-mono text-xs"
              required
            />
          )}
        </Field>
        {connection?.certificate && (
          <dl
            className="grid gap-x-3 gap-y-1 text-sm sm:col-span-2 sm:grid-cols-[auto_1fr]"
            data-testid="saml-certificate"
          >
            <dt className="opacity-70">{labels.certificateSubject}</dt>
            <dd className="break-all" data-testid="saml-certificate-subject">
              {connection.certificate.subject}
            </dd>
            <dt className="opacity-70">{labels.certificateExpires}</dt>
            <dd data-testid="saml-certificate-expires">
              {connection.certificate.validTo}
              {connection.certificate.expiresSoon && (
                <strong className="ml-2 text-red-700">{labels.certificateExpiresSoon}</strong>
              )}
            </dd>
            <dt className="opacity-70">{labels.certificateFingerprint}</dt>
            <dd className="break-all font-mono text-xs" data-testid="saml-certificate-fingerprint">
              {connection.certificate.fingerprint}
            </dd>
          </dl>
        )}
        {text("emailAttribute", { fallback: "email", maxLength: 300 })}
        {text("nameAttribute", { fallback: "name", maxLength: 300 })}
        {text("groupsAttribute", { fallback: "groups", maxLength: 300 })}
        <RoleField
          tone={tone}
          label={labels.defaultRole}
          roles={labels.roles}
          value={value("defaultRole", "member")}
          error={errors.defaultRole}
        />
        <Field
          tone={tone}
          label={labels.roleMap}
          name="roleMap"
          hint={labels.roleMapHint}
          error={errors.roleMap}
          className="sm:col-span-2"
        >
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
        <div className="space-y-2 sm:col-span-2">
          <SubmitButton kind={kind} pending={saving} pendingLabel={labels.saving}>
            {labels.save}
          </SubmitButton>
          <Result state={state} testId="saml" />
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
          testId="saml"
        />
      )}
    </div>
  );
}
