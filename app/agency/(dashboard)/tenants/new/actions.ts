"use server";

import { redirect } from "next/navigation";
import { z } from "zod";
import type { WizardState } from "@/components/agency/wizard-step-form.tsx";
import { agencyAction } from "@/lib/actions/agency-action.server.ts";
import { text } from "@/lib/actions/fields.server.ts";
import {
  createDraft,
  loadDraft,
  registeredServers,
  saveDraft,
  submittedOperation,
} from "@/lib/agency/drafts.server.ts";
import {
  DRAFT_DEFAULTS,
  checkDraft,
  draftRegion,
  draftTheme,
  isStep,
  nextStep,
  parseStep,
} from "@/lib/agency/wizard.ts";
import { requestOrigin } from "@/lib/audit/request.server.ts";
import { InvalidInput } from "@/lib/util/errors.ts";
import { queueOperation } from "@/lib/operations/queue.server.ts";
import { platform } from "@/lib/platform/platform.server.ts";
import { checkLogo } from "@/lib/tenancy/logo.ts";
import { parseSuggestion } from "@/lib/tenancy/contrast.ts";

// The wizard keeps what was typed in its draft and answers it in `values` itself (a DraftData,
// not the form's strings), so the wrapper echoes nothing.
const options = { returnTo: "/tenants/new", echo: false } as const;

export const startWizard = agencyAction(
  "operator",
  z.unknown(),
  async (_input, { user }) => {
    redirect(`/tenants/new/${await createDraft(user)}/organisation`);
  },
  options,
);

/** Saves a step (also on Back: nothing typed is lost) and moves on when it is valid. */
export const saveWizardStep = agencyAction(
  "operator",
  z.object({
    draftId: text(),
    step: text(),
    direction: text(),
    logo: z.unknown().optional(),
    suggest: z.string().optional(),
  }),
  async ({ draftId, step, direction: rawDirection, logo: file, suggest }, { user, form }): Promise<WizardState> => {
    const direction = rawDirection === "back" ? "back" : "next";
    if (!isStep(step)) return { error: "Unknown wizard step; reload the page." };
    const draft = await loadDraft(user, draftId);
    const submitted = await submittedOperation(draft);
    if (submitted) redirect(`/operations/${submitted}`);

    // A "use this shade" button pressed before the page's script ran: fill it in, stay on the step.
    const suggestion = step === "branding" ? parseSuggestion(suggest) : null;
    if (suggestion) {
      const partial = parseStep(step, form, { hosts: platform().hosts, servers: [] });
      const values = { ...draft.data, ...partial.data, [suggestion.field]: suggestion.shade };
      await saveDraft(draft.id, values);
      return { values };
    }

    let logo: { bytes: Buffer; type: string } | undefined;
    if (step === "branding" && file instanceof File && file.size > 0) {
      try {
        const checked = checkLogo(new Uint8Array(await file.arrayBuffer()));
        logo = { bytes: checked.bytes, type: checked.contentType };
      } catch (error) {
        if (!(error instanceof InvalidInput)) throw error;
        const partial = parseStep(step, form, { hosts: platform().hosts, servers: [] });
        await saveDraft(draft.id, { ...draft.data, ...partial.data });
        return {
          errors: { ...(partial.ok ? {} : partial.errors), logo: error.message },
          values: { ...draft.data, ...partial.data },
        };
      }
    }
    const servers = await registeredServers();
    const plan = draft.data.plan ?? DRAFT_DEFAULTS.plan;
    const result = parseStep(step, form, { hosts: platform().hosts, servers, plan });
    await saveDraft(draft.id, { ...draft.data, ...result.data }, logo);
    if (!result.ok && direction === "next") return { errors: result.errors, values: { ...draft.data, ...result.data } };
    redirect(`/tenants/new/${draft.id}/${nextStep(step, direction)}`);
  },
  options,
);

/** Queues provisioning. The draft is the idempotency key: a double submit yields one operation. */
export const submitWizard = agencyAction(
  "operator",
  z.object({ draftId: text() }),
  async ({ draftId }, { user }): Promise<WizardState> => {
    const draft = await loadDraft(user, draftId);
    const submitted = await submittedOperation(draft);
    if (submitted) redirect(`/operations/${submitted}`);
    const d = { ...DRAFT_DEFAULTS, ...draft.data };
    const servers = await registeredServers();
    const checked = checkDraft(d, { hosts: platform().hosts, servers });
    if (!checked.ok) return { error: `${checked.message} (step: ${checked.step})` };
    const { id: operationId } = await queueOperation(platform().control, {
      kind: "provision",
      slug: d.slug ?? null,
      input: {
        draftId: draft.id,
        spec: {
          slug: d.slug,
          name: d.name,
          plan: d.plan,
          region: draftRegion(d),
          theme: draftTheme(d, null),
          domains: d.domains ?? [],
        },
        server: d.server || null,
        firstAdmin: { name: d.adminName, email: d.adminEmail },
      },
      // One operation per submission of this draft; a draft whose operation failed before it
      // reserved anything (slug taken meanwhile) may be changed and submitted again.
      idempotencyKey: `draft:${draft.id}:${draft.operationId ?? "first"}`,
      actor: { type: "agency-user", id: user.id, label: user.email },
      ...(await requestOrigin()),
    });
    await platform().control.tenantDraft.update({ where: { id: draft.id }, data: { operationId } });
    redirect(`/operations/${operationId}`);
  },
  options,
);
