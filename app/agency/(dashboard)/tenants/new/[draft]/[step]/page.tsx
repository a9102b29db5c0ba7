import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { WizardStepForm } from "@/components/agency/wizard-step-form.tsx";
import { PortalPreview } from "@/components/agency/portal-preview.tsx";
import { loadDraft, registeredServers, submittedOperation } from "@/lib/agency/drafts.server.ts";
import { DRAFT_DEFAULTS, STEP_LABELS, WIZARD_STEPS, draftRegion, draftTheme, isStep } from "@/lib/agency/wizard.ts";
import { regionConfig, regionLabel } from "@/lib/tenancy/regions.ts";
import { requireAgencyUser } from "@/lib/auth/agency-guard.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { PLANS, isPlan } from "@/lib/tenancy/plans.ts";
import { saveWizardStep, submitWizard } from "../../actions.ts";

export const metadata = { title: "New tenant" };

type Props = { params: Promise<{ draft: string; step: string }> };

/** One step of the onboarding wizard; every step is saved in the draft on Back and Next. */
export default async function WizardStepPage({ params }: Props) {
  const { draft: draftId, step } = await params;
  const user = await requireAgencyUser(`/tenants/new/${draftId}/${step}`, "operator");
  if (!isStep(step)) notFound();
  const draft = await loadDraft(user, draftId);
  const submitted = await submittedOperation(draft);
  if (submitted) redirect(`/operations/${submitted}`);
  const data = { ...DRAFT_DEFAULTS, ...draft.data };
  const servers = await registeredServers();
  const regions = regionConfig();
  const region = draftRegion(data, regions);
  const { rootDomain } = platform().hosts;
  const logoUrl = draft.logo ? `/drafts/${draft.id}/logo?v=${draft.logo.sha}` : null;
  const current = WIZARD_STEPS.indexOf(step);

  const review = (
    <div className="grid gap-8 lg:grid-cols-2">
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-2 text-sm" data-testid="review">
        <dt className="text-slate-500">Name</dt>
        <dd>{data.name}</dd>
        <dt className="text-slate-500">Portal</dt>
        <dd className="font-mono">
          {data.slug}.{rootDomain}
        </dd>
        <dt className="text-slate-500">Custom domains</dt>
        <dd className="font-mono">{data.domains?.length ? data.domains.join(", ") : "none"}</dd>
        <dt className="text-slate-500">Plan</dt>
        <dd>{isPlan(data.plan) ? PLANS[data.plan].label : data.plan}</dd>
        <dt className="text-slate-500">Region</dt>
        <dd data-testid="review-region">{region ? `${regionLabel(region, regions)} (${region})` : "not chosen yet"}</dd>
        <dt className="text-slate-500">Database server</dt>
        <dd>{data.server || "automatic"}</dd>
        <dt className="text-slate-500">First admin</dt>
        <dd>
          {data.adminName} &lt;{data.adminEmail}&gt;
        </dd>
      </dl>
      <PortalPreview theme={draftTheme(data, logoUrl)} name={data.name ?? ""} host={`${data.slug}.${rootDomain}`} />
    </div>
  );

  return (
    <>
      <div className="mb-2 text-sm">
        <Link href="/" className="text-slate-500 hover:underline">
          Tenants
        </Link>{" "}
        / New tenant
      </div>
      <h1 className="text-2xl font-semibold">{STEP_LABELS[step]}</h1>
      <ol className="my-6 flex flex-wrap gap-2 text-sm" aria-label="Wizard steps">
        {WIZARD_STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={s === step ? "step" : undefined}
            className={`rounded-full px-3 py-1 ${s === step ? "bg-slate-900 text-white" : i < current ? "bg-emerald-100 text-emerald-800" : "bg-slate-200 text-slate-600"}`}
          >
            {i + 1}. {STEP_LABELS[s]}
          </li>
        ))}
      </ol>
      <WizardStepForm
        key={step}
        action={step === "review" ? submitWizard : saveWizardStep}
        draftId={draft.id}
        step={step}
        data={data}
        rootDomain={rootDomain}
        logoUrl={logoUrl}
        servers={servers}
        regions={regions}
        review={review}
      />
    </>
  );
}
