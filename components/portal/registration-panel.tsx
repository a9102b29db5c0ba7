"use client";

import Link from "next/link";
import { useTranslations } from "next-intl";
import { useActionState } from "react";
import type { FormAction } from "@/lib/actions/action-state.ts";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { Question } from "@/lib/portal/questions.ts";
import { FormError } from "@/components/ui/form-error.tsx";

export interface RegisterState {
  error?: string;
  done?: "confirmed" | "waitlisted" | "pending";
}

/**
 * Register for an event (answering its questions), or see and cancel the registration held.
 * The three server actions come from the event page.
 */
export function RegistrationPanel(props: {
  actions: {
    register: FormAction<RegisterState>;
    cancel: FormAction<RegisterState>;
    registerGuest: FormAction<RegisterState>;
  };
  eventSlug: string;
  closedReason: string | null;
  questions: Question[];
  /** `position` is the place on the waitlist; `waiting` how many are on it (who a freed seat goes to). */
  registration: { id: string; status: string; ticketCode: string; position: number | null; waiting: number } | null;
  signedIn: boolean;
  guestsAllowed: boolean;
  full: boolean;
  waitlist: boolean;
}) {
  const t = useTranslations("registration");
  const tu = useTranslations("ui");
  const [state, register, registering] = useActionState(props.actions.register, {} as RegisterState);
  const [cancelState, cancel, cancelling] = useActionState(props.actions.cancel, {} as RegisterState);
  const [guestState, registerAsGuest, guestPending] = useActionState(props.actions.registerGuest, {} as RegisterState);
  const { registration } = props;
  if (registration) {
    return (
      <section
        className="mt-8 rounded-xl bg-page p-5 ring-1 ring-black/5"
        data-testid="registration"
        data-status={registration.status}
      >
        {registration.status === "confirmed" ? (
          <p className="font-medium">
            {t("registered")}{" "}
            <Link
              className="text-brand underline"
              href={`/tickets/${registration.ticketCode}`}
              data-testid="ticket-link"
            >
              {t("showTicket")}
            </Link>
          </p>
        ) : (
          <>
            {registration.position !== null && (
              <p className="text-lg font-semibold" data-testid="waitlist-position">
                {t("position", { position: registration.position })}
              </p>
            )}
            <p className="font-medium">{t("waitlistOrder")}</p>
          </>
        )}
        <form action={cancel} className="mt-3" data-testid="cancel-registration">
          <input type="hidden" name="registration" value={registration.id} />
          <ConfirmButton
            label={t("cancelArm")}
            confirmLabel={t("cancelConfirm")}
            pendingLabel={t("cancelling")}
            cancelLabel={tu("cancel")}
            pending={cancelling}
            kind="quiet"
            confirmKind="danger"
            cancellable
            warning={
              registration.status === "confirmed"
                ? registration.waiting > 0
                  ? t("cancelWarnWaiting")
                  : t("cancelWarn")
                : t("cancelWarnWaitlist")
            }
          />
          <FormError message={cancelState.error} className="mt-2 text-sm text-red-700" />
        </form>
      </section>
    );
  }
  if (props.closedReason)
    return (
      <p data-testid="registration-closed" className="mt-8 rounded-xl bg-page p-5 ring-1 ring-black/5">
        {props.closedReason}
      </p>
    );
  const signIn = (
    <Link
      href={`/sign-in?callbackUrl=${encodeURIComponent(`/events/${props.eventSlug}`)}`}
      className="font-medium text-brand underline"
    >
      {t("signInToRegister")}
    </Link>
  );
  if (!props.signedIn && !props.guestsAllowed)
    return <p className="mt-8 rounded-xl bg-page p-5 ring-1 ring-black/5">{signIn}</p>;
  if (!props.signedIn) {
    if (guestState.done) {
      return (
        <p role="status" data-testid="guest-pending" className="mt-8 rounded-xl bg-page p-5 ring-1 ring-black/5">
          {t("checkEmail")}
        </p>
      );
    }
    return (
      <form
        action={registerAsGuest}
        className="mt-8 space-y-4 rounded-xl bg-page p-5 ring-1 ring-black/5"
        data-testid="guest-form"
      >
        <p className="text-sm">{t.rich("orGuest", { signIn: () => signIn })}</p>
        <input type="hidden" name="event" value={props.eventSlug} />
        <Field label={t("yourName")} name="name">
          {(c) => <Input {...c} name="name" required maxLength={120} />}
        </Field>
        <Field label={t("yourEmail")} name="email">
          {(c) => <Input {...c} name="email" type="email" required maxLength={254} />}
        </Field>
        <Questions questions={props.questions} />
        <SubmitButton pending={guestPending} pendingLabel={t("registering")}>
          {t("registerAsGuest")}
        </SubmitButton>
        <FormError message={guestState.error} />
      </form>
    );
  }
  return (
    <form
      action={register}
      className="mt-8 space-y-4 rounded-xl bg-page p-5 ring-1 ring-black/5"
      data-testid="register-form"
    >
      <input type="hidden" name="event" value={props.eventSlug} />
      <Questions questions={props.questions} />
      <SubmitButton pending={registering} pendingLabel={t("registering")}>
        {props.full ? (props.waitlist ? t("joinWaitlist") : t("full")) : t("register")}
      </SubmitButton>
      <FormError message={state.error} />
    </form>
  );
}

function Questions({ questions }: { questions: Question[] }) {
  const t = useTranslations("registration");
  return (
    <>
      {questions.map((q) => (
        <Field
          key={q.id}
          label={
            <>
              {q.label}
              {q.required && <span aria-hidden> *</span>}
            </>
          }
          name={`q:${q.id}`}
        >
          {(c) =>
            q.kind === "choice" ? (
              <Select {...c} name={`q:${q.id}`} required={q.required} defaultValue="">
                <option value="" disabled>
                  {t("choose")}
                </option>
                {q.options.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </Select>
            ) : (
              <Input {...c} name={`q:${q.id}`} required={q.required} maxLength={1000} />
            )
          }
        </Field>
      ))}
    </>
  );
}
