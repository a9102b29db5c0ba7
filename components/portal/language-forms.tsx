"use client";

import { useTranslations } from "next-intl";
import { useActionState, useRef } from "react";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { Field } from "@/components/ui/field.tsx";
import { Select } from "@/components/ui/input.tsx";
import { FormError } from "@/components/ui/form-error.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { LOCALES, LOCALE_NAMES, type Locale } from "@/lib/format/locale.ts";

function Options() {
  return LOCALES.map((l) => (
    <option key={l} value={l} lang={l}>
      {LOCALE_NAMES[l]}
    </option>
  ));
}

/**
 * The visitors' language picker: choosing submits at once; before hydration (or without script) a
 * button does it (decision 017).
 */
export function LanguagePicker({ current, choose }: { current: Locale; choose: FormAction<ActionState> }) {
  const t = useTranslations("language");
  const [state, submit, pending] = useActionState(choose, {} as ActionState);
  const form = useRef<HTMLFormElement>(null);
  const hydrated = useHydrated();
  return (
    <form ref={form} action={submit} className="inline-flex items-center gap-2" data-testid="language-picker">
      <Field label={t("label")} name="locale" hideLabel>
        {(c) => (
          <Select
            {...c}
            name="locale"
            defaultValue={current}
            disabled={pending}
            onChange={() => form.current?.requestSubmit()}
            density="tight"
            inline
          >
            <Options />
          </Select>
        )}
      </Field>
      {!hydrated && (
        <button type="submit" className="rounded px-2 py-0.5 text-xs ring-1 ring-black/20">
          {t("choose")}
        </button>
      )}
      <FormError message={state.error} />
    </form>
  );
}

/** A member's own language on the account page; empty follows the portal's default. */
export function MemberLanguageForm({
  chosen,
  portalDefault,
  choose,
}: {
  chosen: Locale | null;
  portalDefault: Locale;
  choose: FormAction<ActionState>;
}) {
  const t = useTranslations("account");
  const tl = useTranslations("language");
  const [state, submit, pending] = useActionState(choose, {} as ActionState);
  return (
    <form action={submit} className="space-y-3" data-testid="member-language">
      <Field label={t("language")} name="locale">
        {(c) => (
          <Select {...c} name="locale" defaultValue={chosen ?? ""}>
            <option value="">{tl("followPortal", { name: LOCALE_NAMES[portalDefault] })}</option>
            <Options />
          </Select>
        )}
      </Field>
      <SubmitButton pending={pending} small>
        {t("save")}
      </SubmitButton>
      {state.message && (
        <p role="status" data-testid="language-saved" className="text-sm text-emerald-800">
          {t("saved")}
        </p>
      )}
      <FormError message={state.error} />
    </form>
  );
}
