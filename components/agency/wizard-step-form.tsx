"use client";

import { useActionState, useEffect, useRef, useState, type ReactNode } from "react";
import type { FormAction } from "@/lib/actions/action-state.ts";
import { choosesRegion, type DraftData, type FieldErrors, type WizardStep } from "@/lib/agency/wizard.ts";
import type { RegionConfig } from "@/lib/tenancy/regions.ts";
import { FONT_STACKS, LAYOUTS, LAYOUT_LABELS, type FontName, type LayoutName } from "@/lib/tenancy/theme.ts";
import { FEATURES, PLANS } from "@/lib/tenancy/plans.ts";
import { useEarlyInput } from "@/components/forms/use-early-input.ts";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select, Textarea } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import { PortalPreview } from "./portal-preview.tsx";
import { ColourSuggestion } from "@/components/forms/colour-suggestion.tsx";
import { checkContrast } from "@/lib/tenancy/contrast.ts";

export interface WizardState {
  errors?: FieldErrors;
  error?: string;
  /** What was saved, shown again: React resets a form after its action runs. */
  values?: DraftData;
}

export interface StepProps {
  /** The step's server action (save the step, or submit the draft on review), passed by the page. */
  action: FormAction<WizardState>;
  draftId: string;
  step: WizardStep;
  data: Required<Pick<DraftData, "primary" | "accent" | "background" | "surface" | "text" | "font" | "plan">> &
    DraftData;
  rootDomain: string;
  logoUrl: string | null;
  servers: Array<{ name: string; host: string; port: number; region: string; tenants: number }>;
  /** The configured regions (decision 053). */
  regions: RegionConfig;
  review?: ReactNode;
}

/** The slug with a live availability check (debounced; the server has the final word). */
function SlugField({
  initial,
  rootDomain,
  error,
}: {
  initial: string;
  rootDomain: string;
  error?: string | undefined;
}) {
  const [slug, setSlug] = useState(initial);
  const [status, setStatus] = useState<{ ok: boolean; message: string } | null>(null);
  const field = useRef<HTMLInputElement>(null);
  // An emptied slug has no status: cleared where the slug changes rather than in the effect.
  const changeSlug = (value: string) => {
    setSlug(value.toLowerCase());
    if (!value) setStatus(null);
  };
  useEarlyInput(field, { slug }, (typed) => changeSlug(typed.slug ?? slug));
  useEffect(() => {
    if (!slug) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      fetch(`/api/slug-availability?slug=${encodeURIComponent(slug)}`, { signal: controller.signal })
        .then(async (r) => {
          const body = (await r.json().catch(() => null)) as { ok: boolean; message: string } | null;
          if (typeof body?.message !== "string") throw new Error(`HTTP ${r.status}`);
          return body;
        })
        .then(setStatus)
        .catch(() => {
          if (!controller.signal.aborted)
            setStatus({ ok: false, message: "Could not check the slug just now; Next checks it again." });
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [slug]);
  return (
    <Field
      tone="agency"
      label="Slug"
      name="slug"
      error={error}
      hint={
        <>
          The portal&apos;s address:{" "}
          <span className="font-mono">
            {slug || "slug"}.{rootDomain}
          </span>
          . Lower-case letters, digits and hyphens.
        </>
      }
    >
      {(c) => (
        <>
          <Input
            {...c}
            tone="agency"
            ref={field}
            name="slug"
            required
            value={slug}
            onChange={(e) => changeSlug(e.target.value)}
            autoComplete="off"
            className="font-mono"
          />
          {status && (
            <p
              data-testid="slug-status"
              data-available={status.ok}
              aria-live="polite"
              className={`mt-1 text-sm ${status.ok ? "text-emerald-700" : "text-red-700"}`}
            >
              {status.ok ? "✓ " : "✗ "}
              {status.message}
            </p>
          )}
        </>
      )}
    </Field>
  );
}

const COLOURS = [
  ["primary", "Brand colour"],
  ["accent", "Accent"],
  ["background", "Page background"],
  ["surface", "Cards"],
  ["text", "Text"],
] as const;

function Branding({
  data,
  logoUrl,
  rootDomain,
  errors,
}: {
  data: StepProps["data"];
  logoUrl: string | null;
  rootDomain: string;
  errors: WizardState["errors"];
}) {
  const [theme, setTheme] = useState({
    primary: data.primary,
    accent: data.accent,
    background: data.background,
    surface: data.surface,
    text: data.text,
    font: data.font as FontName,
    layout: (data.layout ?? "classic") as LayoutName,
  });
  const [logo, setLogo] = useState<string | null>(logoUrl);
  const [logoAlt, setLogoAlt] = useState(data.logoAlt ?? "");
  const [fileError, setFileError] = useState<string | null>(null);
  const fields = useRef<HTMLDivElement>(null);
  // The same check the server runs on Next, so the preview's warning is what is refused.
  const problems = checkContrast(theme);
  useEarlyInput(fields, { ...theme, logoAlt }, ({ logoAlt: typedAlt, ...typed }) => {
    setTheme((t) => ({
      ...t,
      ...typed,
      font: (typed.font ?? t.font) as FontName,
      layout: (typed.layout ?? t.layout) as LayoutName,
    }));
    if (typedAlt !== undefined) setLogoAlt(typedAlt);
  });
  return (
    <div className="grid gap-8 lg:grid-cols-2">
      <div ref={fields} className="space-y-4">
        <div className="grid grid-cols-2 gap-4">
          {COLOURS.map(([name, label]) => (
            <Field
              tone="agency"
              key={name}
              label={label}
              name={name}
              error={problems[name]?.message ?? (theme[name] === data[name] ? errors?.[name] : undefined)}
            >
              {(c) => (
                <>
                  <div className="mt-1 flex items-center gap-2">
                    <input
                      type="color"
                      aria-label={`${label} picker`}
                      value={theme[name]}
                      onChange={(e) => setTheme({ ...theme, [name]: e.target.value })}
                      className="h-9 w-10 cursor-pointer rounded border border-slate-300"
                    />
                    <Input
                      {...c}
                      tone="agency"
                      density="compact"
                      inline
                      name={name}
                      value={theme[name]}
                      onChange={(e) => setTheme({ ...theme, [name]: e.target.value })}
                      className="w-full font-mono"
                    />
                  </div>
                  <ColourSuggestion
                    tone="agency"
                    problem={problems[name]}
                    describedBy={c["aria-describedby"]}
                    apply={(field, shade) => setTheme((t) => ({ ...t, [field]: shade }))}
                  />
                </>
              )}
            </Field>
          ))}
        </div>
        <Field tone="agency" label="Font" name="font" error={errors?.font}>
          {(c) => (
            <Select
              {...c}
              tone="agency"
              name="font"
              value={theme.font}
              onChange={(e) => setTheme({ ...theme, font: e.target.value as FontName })}
            >
              {Object.keys(FONT_STACKS).map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field tone="agency" label="Catalogue layout" name="layout" error={errors?.layout}>
          {(c) => (
            <Select
              {...c}
              tone="agency"
              name="layout"
              value={theme.layout}
              onChange={(e) => setTheme({ ...theme, layout: e.target.value as LayoutName })}
            >
              {LAYOUTS.map((l) => (
                <option key={l} value={l}>
                  {LAYOUT_LABELS[l]}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field
          tone="agency"
          label="Logo (PNG, JPEG or WebP, at most 256 KB)"
          name="logo"
          error={fileError ?? errors?.logo}
        >
          {(c) => (
            <input
              {...c}
              name="logo"
              type="file"
              accept="image/png,image/jpeg,image/webp"
              className="mt-1 block w-full text-sm"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file && file.size > 256 * 1024) {
                  // Not uploaded at all: the server would refuse it anyway, after a long upload.
                  setFileError(
                    `This file is ${Math.ceil(file.size / 1024)} KB; the limit is 256 KB. Export a smaller image (e.g. 512×512 pixels).`,
                  );
                  e.target.value = "";
                  return;
                }
                setFileError(null);
                if (file) setLogo(URL.createObjectURL(file));
              }}
            />
          )}
        </Field>
        <Field tone="agency" label="Logo description (for screen readers)" name="logoAlt">
          {(c) => (
            <Input {...c} tone="agency" name="logoAlt" value={logoAlt} onChange={(e) => setLogoAlt(e.target.value)} />
          )}
        </Field>
      </div>
      <div>
        <h2 className="mb-2 text-sm font-medium text-slate-600">Live preview</h2>
        <PortalPreview
          theme={{ ...theme, logo: { src: logo ?? "/brand/portico.svg", alt: logoAlt || data.name || "Logo" } }}
          name={data.name ?? ""}
          host={`${data.slug ?? "slug"}.${rootDomain}`}
        />
      </div>
    </div>
  );
}

export function WizardStepForm(props: StepProps) {
  const { draftId, step, rootDomain, servers, regions } = props;
  const [state, action, pending] = useActionState(props.action, {} as WizardState);
  const data = { ...props.data, ...state.values };
  const direction = useRef<HTMLInputElement>(null);
  const errors = state.errors;
  return (
    <form action={action} className="space-y-6" noValidate>
      <input type="hidden" name="draftId" value={draftId} />
      <input type="hidden" name="step" value={step} />
      {/* Set by the Back button; a hidden field rather than the submitter's value, which not every submission carries. */}
      <input type="hidden" name="direction" defaultValue="next" ref={direction} />
      {step === "organisation" && (
        <div className="max-w-lg space-y-4">
          <Field tone="agency" label="Organisation name" name="name" error={errors?.name}>
            {(c) => <Input {...c} tone="agency" name="name" required defaultValue={data.name ?? ""} />}
          </Field>
          <SlugField initial={data.slug ?? ""} rootDomain={rootDomain} error={errors?.slug} />
        </div>
      )}
      {step === "domains" && (
        <div className="max-w-lg space-y-2">
          <p className="text-sm text-slate-600">
            Every portal has its subdomain{" "}
            <span className="font-mono">
              {data.slug}.{rootDomain}
            </span>
            . Add the client&apos;s own domains if they have them (Premium plan); the first becomes primary and is used
            in emails.
          </p>
          <Field tone="agency" label="Custom domains (one per line, optional)" name="domains" error={errors?.domains}>
            {(c) => (
              <Textarea
                {...c}
                tone="agency"
                name="domains"
                rows={3}
                defaultValue={(data.domains ?? []).join("\n")}
                placeholder="events.client.com"
                className="font-mono"
              />
            )}
          </Field>
        </div>
      )}
      {step === "branding" && <Branding data={data} logoUrl={props.logoUrl} rootDomain={rootDomain} errors={errors} />}
      {step === "plan" && (
        <fieldset className="grid gap-4 sm:grid-cols-3">
          <legend className="sr-only">Plan</legend>
          {Object.entries(PLANS).map(([name, plan]) => (
            <label
              key={name}
              className="block cursor-pointer rounded-xl bg-white p-4 ring-1 ring-slate-200 has-[:checked]:ring-2 has-[:checked]:ring-slate-700"
            >
              <input type="radio" name="plan" value={name} defaultChecked={data.plan === name} className="mr-2" />
              <span className="font-semibold">{plan.label}</span>
              <ul className="mt-2 space-y-1 text-sm text-slate-600">
                {Object.entries(FEATURES).map(([feature, label]) => (
                  <li
                    key={feature}
                    className={
                      (plan.features as readonly string[]).includes(feature) ? "" : "text-slate-400 line-through"
                    }
                  >
                    {label}
                  </li>
                ))}
              </ul>
            </label>
          ))}
          {errors?.plan && (
            <p data-testid="error-plan" className="text-sm text-red-700">
              {errors.plan}
            </p>
          )}
        </fieldset>
      )}
      {step === "placement" && (
        <div className="max-w-lg space-y-4">
          {choosesRegion(data.plan) ? (
            <Field tone="agency" label="Region" name="region" error={errors?.region}>
              {(c) => (
                <Select
                  {...c}
                  // Remounted with what was saved: React resets a form after its action, and a
                  // select would otherwise fall back to its first default.
                  key={data.region ?? ""}
                  tone="agency"
                  name="region"
                  defaultValue={data.region ?? (regions.regions.length === 1 ? regions.regions[0]!.key : "")}
                >
                  <option value="">Choose a region…</option>
                  {regions.regions.map((r) => (
                    <option key={r.key} value={r.key}>
                      {r.label} ({r.key})
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          ) : (
            <div className="text-sm" data-testid="default-region">
              <p>
                Region:{" "}
                <span className="font-semibold">
                  {regions.regions.find((r) => r.key === regions.defaultRegion)?.label ?? regions.defaultRegion}
                </span>{" "}
                (the default)
              </p>
              <p className="text-slate-500">Plans with data residency (Premium) let the client choose its region.</p>
              {errors?.region && (
                <p data-testid="error-region" className="text-red-700">
                  {errors.region}
                </p>
              )}
            </div>
          )}
          <p className="text-sm text-slate-600">
            The tenant&apos;s database, moves and backups stay in its region; a server in another region is refused.
          </p>
          <fieldset className="space-y-2">
            <legend className="text-sm text-slate-600">Where the tenant&apos;s own database lives.</legend>
            <label className="flex items-center gap-2 rounded-lg bg-white p-3 ring-1 ring-slate-200">
              <input type="radio" name="server" value="" defaultChecked={!data.server} /> Automatic{" "}
              <span className="text-sm text-slate-500">(the server in the region with the fewest tenants)</span>
            </label>
            {servers.map((s) => (
              <label key={s.name} className="flex items-center gap-2 rounded-lg bg-white p-3 ring-1 ring-slate-200">
                <input type="radio" name="server" value={s.name} defaultChecked={data.server === s.name} />{" "}
                <span className="font-mono">{s.name}</span>
                <span className="text-sm text-slate-500">
                  {regions.regions.find((r) => r.key === s.region)?.label ?? s.region} · {s.host}:{s.port} · {s.tenants}{" "}
                  tenant{s.tenants === 1 ? "" : "s"}
                </span>
              </label>
            ))}
            {errors?.server && (
              <p data-testid="error-server" className="text-sm text-red-700">
                {errors.server}
              </p>
            )}
          </fieldset>
        </div>
      )}
      {step === "admin" && (
        <div className="max-w-lg space-y-4">
          <p className="text-sm text-slate-600">
            The client&apos;s first administrator. They receive a single-use invitation link to choose a password.
          </p>
          <Field tone="agency" label="Name" name="adminName" error={errors?.adminName}>
            {(c) => <Input {...c} tone="agency" name="adminName" defaultValue={data.adminName ?? ""} />}
          </Field>
          <Field tone="agency" label="Email" name="adminEmail" error={errors?.adminEmail}>
            {(c) => <Input {...c} tone="agency" name="adminEmail" type="email" defaultValue={data.adminEmail ?? ""} />}
          </Field>
        </div>
      )}
      {step === "review" && props.review}
      {state.error && (
        <p data-testid="form-error" className="rounded-lg bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.error}
        </p>
      )}
      <div className="flex gap-3 border-t border-slate-200 pt-4">
        {step === "review" ? (
          <>
            <a
              href={`/tenants/new/${draftId}/admin`}
              className="rounded-lg px-4 py-2 font-medium ring-1 ring-slate-300 hover:bg-slate-100"
            >
              Back
            </a>
            <SubmitButton pending={pending} pendingLabel="Starting…" kind="agency">
              Create tenant
            </SubmitButton>
          </>
        ) : (
          <SubmitButton
            onClick={() => direction.current && (direction.current.value = "next")}
            pending={pending}
            pendingLabel="Saving…"
            kind="agency"
          >
            Next
          </SubmitButton>
        )}
        {/* After Next in the DOM, so Enter means Next; shown first. */}
        {step !== "organisation" && step !== "review" && (
          <button
            type="submit"
            onClick={() => direction.current && (direction.current.value = "back")}
            className="order-first rounded-lg px-4 py-2 font-medium ring-1 ring-slate-300 hover:bg-slate-100"
          >
            Back
          </button>
        )}
      </div>
    </form>
  );
}
