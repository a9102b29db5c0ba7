"use client";

import { useTranslations } from "next-intl";
import { useActionState, useEffect, useRef, useState } from "react";
import type { FormAction } from "@/lib/actions/action-state.ts";
import { PortalPreview, type PreviewText } from "@/components/agency/portal-preview.tsx";
import { useEarlyInput } from "@/components/forms/use-early-input.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { FONT_STACKS, LAYOUTS, type FontName, type LayoutName, type Theme } from "@/lib/tenancy/theme.ts";
import { COLOUR_FIELDS, checkContrast, describeContrast, type ContrastProblem } from "@/lib/tenancy/contrast.ts";
import { ColourSuggestion } from "@/components/forms/colour-suggestion.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { LOCALES, LOCALE_NAMES } from "@/lib/format/locale.ts";

export interface SettingsState {
  error?: string;
  /** Messages beside their fields (a colour that fails contrast, a malformed colour). */
  errors?: Partial<Record<string, string>>;
  message?: string;
  operationId?: string;
  /** What was submitted, shown again (also a suggested shade filled in before hydration). */
  values?: Record<string, string>;
}

/** A queued branding change: its operation's status, or an error when it could not be read. */
export interface BrandingStatus {
  status?: string;
  error?: string | null;
}

export function PortalSettingsForm({
  settings,
  save,
}: {
  settings: {
    catalogueVisibility: string;
    allowMemberSignup: boolean;
    allowGuestRegistration: boolean;
    senderName: string | null;
    defaultLocale: string;
  };
  save: FormAction<SettingsState>;
}) {
  const t = useTranslations("settings");
  const [state, action, pending] = useActionState(save, {} as SettingsState);
  return (
    <form action={action} className="space-y-3" data-testid="portal-settings">
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">{t("whoSees")}</legend>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name="catalogueVisibility"
            value="public"
            defaultChecked={settings.catalogueVisibility === "public"}
          />{" "}
          {t("everyone")}
        </label>
        <label className="flex items-center gap-2">
          <input
            type="radio"
            name="catalogueVisibility"
            value="members"
            defaultChecked={settings.catalogueVisibility === "members"}
          />{" "}
          {t("membersOnly")}
        </label>
      </fieldset>
      <label className="flex items-center gap-2">
        <input type="checkbox" name="allowMemberSignup" defaultChecked={settings.allowMemberSignup} />{" "}
        {t("allowSignup")}
      </label>
      <label className="flex items-center gap-2">
        <input type="checkbox" name="allowGuestRegistration" defaultChecked={settings.allowGuestRegistration} />{" "}
        {t("allowGuests")}
      </label>
      <Field label={t("senderName")} name="senderName">
        {(c) => (
          <Input
            {...c}
            name="senderName"
            defaultValue={settings.senderName ?? ""}
            maxLength={120}
            placeholder={t("senderPlaceholder")}
          />
        )}
      </Field>
      <Field label={t("defaultLocale")} name="defaultLocale" hint={t("defaultLocaleHint")}>
        {(c) => (
          <Select {...c} name="defaultLocale" defaultValue={settings.defaultLocale}>
            {LOCALES.map((l) => (
              <option key={l} value={l} lang={l}>
                {LOCALE_NAMES[l]}
              </option>
            ))}
          </Select>
        )}
      </Field>
      <SubmitButton pending={pending}>{t("save")}</SubmitButton>
      {state.message && (
        <p role="status" data-testid="settings-message" className="text-sm">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </form>
  );
}

/** Who must use a second factor to sign in: the portal owner's choice (docs/decisions/045). */
export function SecondFactorPolicyForm({ policy, save }: { policy: string; save: FormAction<SettingsState> }) {
  const t = useTranslations("settings");
  const [state, action, pending] = useActionState(save, {} as SettingsState);
  return (
    <form action={action} className="space-y-3" data-testid="second-factor-policy">
      <fieldset className="space-y-1">
        <legend className="text-sm font-medium">{t("secondFactorWho")}</legend>
        {(["none", "staff", "everyone"] as const).map((value) => (
          <label key={value} className="flex items-center gap-2">
            <input type="radio" name="policy" value={value} defaultChecked={policy === value} />{" "}
            {t(`secondFactor_${value}`)}
          </label>
        ))}
      </fieldset>
      <p className="text-sm opacity-80">{t("secondFactorHint")}</p>
      <SubmitButton pending={pending}>{t("save")}</SubmitButton>
      {state.message && (
        <p role="status" data-testid="settings-message" className="text-sm">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </form>
  );
}

const COLOURS = [
  ["primary", "primaryColour"],
  ["accent", "accent"],
  ["background", "background"],
  ["surface", "surface"],
  ["text", "text"],
] as const;

/** Name, colours, font and logo, with a live preview before anything is saved. */
export function BrandingForm({
  name: initialName,
  theme: initial,
  host,
  save,
  status,
}: {
  name: string;
  theme: Theme;
  host: string;
  save: FormAction<SettingsState>;
  status: (operationId: string) => Promise<BrandingStatus>;
}) {
  const t = useTranslations("settings");
  const tc = useTranslations("contrast");
  const tp = useTranslations("brandPreview");
  // Problems are found by the shared check and worded here, in the portal's language.
  const describe = (problem: ContrastProblem) => describeContrast(problem, tc);
  const previewText: PreviewText = {
    label: tp("label"),
    clientName: tp("clientName"),
    signIn: tp("signIn"),
    upcoming: tp("upcoming"),
    register: tp("register"),
    refused: tc("refused"),
    samples: [
      { title: tp("conference"), when: tp("in12Days"), day: tp("day1"), time: "09:00" },
      { title: tp("webinar"), when: tp("nextMonth"), day: tp("day1"), time: "16:30" },
      { title: tp("meetup"), when: tp("inJanuary"), day: tp("day2"), time: "18:00" },
    ],
    describe,
  };
  const [state, action, pending] = useActionState(save, {} as SettingsState);
  const [name, setName] = useState(state.values?.name ?? initialName);
  // After a submit without script (a suggested shade), the action's answer carries the colours.
  const [theme, setTheme] = useState<Theme>(() => {
    const values = state.values ?? {};
    const colours = Object.fromEntries(COLOUR_FIELDS.flatMap((f) => (values[f] ? [[f, values[f]]] : [])));
    return { ...initial, ...colours };
  });
  // The same check the server runs on save, so what the preview warns about is what is refused.
  const problems = checkContrast(theme);
  const [logo, setLogo] = useState(initial.logo.src);
  const [applied, setApplied] = useState<BrandingStatus | null>(null);
  const form = useRef<HTMLFormElement>(null);
  const { primary, accent, background, surface, text, font, layout } = theme;
  useEarlyInput(
    form,
    { name, primary, accent, background, surface, text, font, layout },
    ({ name: typedName, ...typed }) => {
      if (typedName !== undefined) setName(typedName);
      setTheme((t) => ({
        ...t,
        ...typed,
        font: (typed.font ?? t.font) as FontName,
        layout: (typed.layout ?? t.layout) as LayoutName,
      }));
    },
  );
  useEffect(() => {
    if (!state.operationId) return;
    let stop = false;
    const poll = async () => {
      while (!stop) {
        const s = await status(state.operationId as string);
        setApplied(s);
        if (s.status !== "queued" && s.status !== "running") {
          if (s.status === "succeeded") window.location.reload();
          return;
        }
        await new Promise((r) => setTimeout(r, 400));
      }
    };
    void poll();
    return () => {
      stop = true;
    };
  }, [state.operationId, status]);
  return (
    <div className="grid gap-8 lg:grid-cols-2">
      <form ref={form} action={action} className="space-y-3" data-testid="branding-form">
        <Field label={t("portalName")} name="name">
          {(c) => <Input {...c} name="name" value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <div className="grid grid-cols-2 gap-3">
          {COLOURS.map(([key, label]) => (
            <Field
              key={key}
              label={t(label)}
              name={key}
              error={
                problems[key]
                  ? describe(problems[key])
                  : state.values?.[key] === theme[key]
                    ? state.errors?.[key]
                    : undefined
              }
            >
              {(c) => (
                <>
                  <Input
                    {...c}
                    name={key}
                    value={theme[key]}
                    onChange={(e) => setTheme({ ...theme, [key]: e.target.value })}
                    className="font-mono"
                  />
                  <ColourSuggestion
                    problem={problems[key]}
                    describedBy={c["aria-describedby"]}
                    apply={(field, shade) => setTheme((t) => ({ ...t, [field]: shade }))}
                    label={(shade) => tc("use", { shade })}
                  />
                </>
              )}
            </Field>
          ))}
        </div>
        <Field label={t("font")} name="font">
          {(c) => (
            <Select
              {...c}
              name="font"
              value={theme.font}
              onChange={(e) => setTheme({ ...theme, font: e.target.value as FontName })}
            >
              {(Object.keys(FONT_STACKS) as FontName[]).map((f) => (
                <option key={f} value={f}>
                  {t(`fonts.${f}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("layout")} name="layout">
          {(c) => (
            <Select
              {...c}
              name="layout"
              value={theme.layout}
              onChange={(e) => setTheme({ ...theme, layout: e.target.value as LayoutName })}
            >
              {LAYOUTS.map((l) => (
                <option key={l} value={l}>
                  {t(`layouts.${l}`)}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("newLogo")} name="logo">
          {(c) => (
            <input
              {...c}
              name="logo"
              type="file"
              accept="image/png,image/jpeg,image/webp"
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) setLogo(URL.createObjectURL(f));
              }}
              className="mt-1 block text-sm"
            />
          )}
        </Field>
        <Field label={t("logoAlt")} name="logoAlt">
          {(c) => <Input {...c} name="logoAlt" defaultValue={initial.logo.alt} />}
        </Field>
        <SubmitButton pending={pending}>{t("saveBranding")}</SubmitButton>
        <FormError
          message={state.errors ? (Object.keys(problems).length > 0 ? t("hardToRead") : undefined) : state.error}
        />
        {state.message && !state.operationId && (
          <p role="status" data-testid="branding-message" className="text-sm">
            {state.message}
          </p>
        )}
        {applied && (
          <p role="status" data-testid="branding-status" className="text-sm">
            {applied.status === "failed" || !applied.status
              ? t("notSaved", { error: applied.error ?? "" })
              : applied.status === "succeeded"
                ? t("brandingSaved")
                : t("saving")}
          </p>
        )}
      </form>
      <div>
        <h2 className="mb-2 text-sm font-medium opacity-70">{t("preview")}</h2>
        <PortalPreview
          theme={{ ...theme, logo: { ...theme.logo, src: logo } }}
          name={name}
          host={host}
          text={previewText}
        />
      </div>
    </div>
  );
}
