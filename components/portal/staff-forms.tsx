"use client";

import { useTranslations } from "next-intl";
import { startTransition, useActionState, useEffect, useRef, useState } from "react";
import { useEarlyInput } from "@/components/forms/use-early-input.ts";
import { useHydrated } from "@/components/forms/use-hydrated.ts";
import { ConfirmButton } from "@/components/ui/confirm-button.tsx";
import { Field } from "@/components/ui/field.tsx";
import { Input, Select, Textarea } from "@/components/ui/input.tsx";
import { SubmitButton } from "@/components/ui/submit-button.tsx";
import type { ActionState, FormAction } from "@/lib/actions/action-state.ts";
import { FormError } from "@/components/ui/form-error.tsx";

/** The staff area's server actions arrive as props from their pages. */
type StaffAction = FormAction<ActionState>;

/** A check-in's answer: a reused ticket is a warning of its own, never the good check-in's message. */
export interface CheckInState extends ActionState {
  repeat?: { heading: string; detail: string };
}

export interface EventFormValues {
  existing: string | null;
  title: string;
  slug: string;
  summary: string;
  description: string;
  timeZone: string;
  startsLocal: string;
  endsLocal: string;
  opensLocal: string;
  closesLocal: string;
  venue: string;
  onlineUrl: string;
  capacity: string;
  questions: string;
  /** The current cover image's same-origin path, if any. */
  coverSrc: string | null;
}

/** Create or edit an event; times are entered in the event's own time zone. */
export function EventForm({
  values: initial,
  timeZones,
  questionsAllowed,
  save,
}: {
  values: EventFormValues;
  timeZones: string[];
  questionsAllowed: boolean;
  save: StaffAction;
}) {
  const t = useTranslations("eventForm");
  const [state, action, pending] = useActionState(save, {} as ActionState);
  const e = state.errors ?? {};
  const values = initial;
  const [zone, setZone] = useState(values.timeZone);
  const hydrated = useHydrated();
  const form = useRef<HTMLFormElement>(null);
  useEarlyInput(form, { timeZone: zone }, (typed) => typed.timeZone && setZone(typed.timeZone));
  return (
    // Submitted by hand rather than through the form's action prop, which would reset every field
    // after an invalid submission; this way nothing typed is lost while errors are fixed.
    <form
      ref={form}
      method="post"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        startTransition(() => action(data));
      }}
      className="space-y-4"
      noValidate
    >
      {values.existing && <input type="hidden" name="existing" value={values.existing} />}
      <Field label={t("title")} name="title" error={e.title}>
        {(c) => <Input {...c} name="title" defaultValue={values.title} />}
      </Field>
      <Field label={t("address")} name="slug" error={e.slug} hint={t("addressHint")}>
        {(c) => <Input {...c} name="slug" defaultValue={values.slug} className="font-mono" />}
      </Field>
      <Field label={t("summary")} name="summary">
        {(c) => <Input {...c} name="summary" defaultValue={values.summary} maxLength={500} />}
      </Field>
      <Field label={t("description")} name="description" hint={t("descriptionHint")}>
        {(c) => <Textarea {...c} name="description" rows={6} defaultValue={values.description} />}
      </Field>
      <Field label={t("timeZone")} name="timeZone" error={e.timeZone} hint={t("timeZoneHint")}>
        {(c) => (
          <Select {...c} name="timeZone" defaultValue={values.timeZone} onChange={(ev) => setZone(ev.target.value)}>
            {timeZones.map((z) => (
              <option key={z}>{z}</option>
            ))}
          </Select>
        )}
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t("starts", { zone })} name="startsLocal" error={e.startsLocal}>
          {(c) => <Input {...c} type="datetime-local" name="startsLocal" defaultValue={values.startsLocal} />}
        </Field>
        <Field label={t("ends", { zone })} name="endsLocal" error={e.endsLocal}>
          {(c) => <Input {...c} type="datetime-local" name="endsLocal" defaultValue={values.endsLocal} />}
        </Field>
        <Field label={t("opens", { zone })} name="opensLocal" error={e.opensLocal}>
          {(c) => <Input {...c} type="datetime-local" name="opensLocal" defaultValue={values.opensLocal} />}
        </Field>
        <Field label={t("closes", { zone })} name="closesLocal" error={e.closesLocal} hint={t("closesHint")}>
          {(c) => <Input {...c} type="datetime-local" name="closesLocal" defaultValue={values.closesLocal} />}
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field label={t("venue")} name="venue">
          {(c) => <Input {...c} name="venue" defaultValue={values.venue} />}
        </Field>
        <Field label={t("onlineUrl")} name="onlineUrl" error={e.onlineUrl}>
          {(c) => <Input {...c} name="onlineUrl" type="url" defaultValue={values.onlineUrl} />}
        </Field>
        <Field label={t("capacity")} name="capacity" error={e.capacity} hint={t("capacityHint")}>
          {(c) => <Input {...c} name="capacity" inputMode="numeric" defaultValue={values.capacity} />}
        </Field>
      </div>
      <Field label={t("cover")} name="cover" error={e.cover} hint={t("coverHint")}>
        {(c) => (
          <div className="mt-1 flex flex-wrap items-center gap-4">
            {values.coverSrc && (
              // eslint-disable-next-line @next/next/no-img-element -- a same-origin image served by the portal
              <img
                src={values.coverSrc}
                alt={t("currentCover")}
                data-testid="current-cover"
                className="h-20 w-36 rounded-lg object-cover ring-1 ring-black/10"
              />
            )}
            <input {...c} name="cover" type="file" accept="image/png,image/jpeg,image/webp" className="block text-sm" />
            {values.coverSrc && (
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="removeCover" /> {t("removeCover")}
              </label>
            )}
          </div>
        )}
      </Field>
      {questionsAllowed ? (
        <Field label={t("questions")} name="questions" error={e.questions} hint={t("questionsHint")}>
          {(c) => (
            <Textarea {...c} name="questions" rows={3} defaultValue={values.questions} className="font-mono text-sm" />
          )}
        </Field>
      ) : (
        <p className="text-sm opacity-70">{t("noQuestions")}</p>
      )}
      <FormError message={state.error} look="box" />
      <SubmitButton disabled={!hydrated} pending={pending} pendingLabel={t("saving")}>
        {values.existing ? t("saveChanges") : t("createDraft")}
      </SubmitButton>
    </form>
  );
}

export function StatusButtons({
  slug,
  status,
  changeStatus,
}: {
  slug: string;
  status: string;
  changeStatus: StaffAction;
}) {
  const t = useTranslations("eventForm");
  const tu = useTranslations("ui");
  const [state, action, pending] = useActionState(changeStatus, {} as ActionState);
  return (
    <form action={action} className="flex flex-wrap items-center gap-2" data-testid="status-actions">
      <input type="hidden" name="slug" value={slug} />
      {status === "draft" && (
        <SubmitButton name="status" value="published" pending={pending} small>
          {t("publish")}
        </SubmitButton>
      )}
      {status === "published" && (
        <SubmitButton name="status" value="draft" pending={pending} kind="quiet" small>
          {t("unpublish")}
        </SubmitButton>
      )}
      {status !== "cancelled" && (
        <ConfirmButton
          label={t("cancelEvent")}
          confirmLabel={t("confirmCancel")}
          cancelLabel={tu("cancel")}
          name="status"
          value="cancelled"
          pending={pending}
          kind="quiet-danger"
          confirmKind="danger"
        />
      )}
      {state.message && (
        <p role="status" data-testid="status-message" className="text-sm">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </form>
  );
}

/** Check-in by ticket code: typed, or scanned with the device camera where the browser can. */
export function CheckInForm({
  slug,
  autoFocus = false,
  checkIn,
}: {
  slug: string;
  autoFocus?: boolean;
  checkIn: FormAction<CheckInState>;
}) {
  const t = useTranslations("checkIn");
  const [state, action, pending] = useActionState(checkIn, {} as CheckInState);
  const form = useRef<HTMLFormElement>(null);
  const codeInput = useRef<HTMLInputElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [scanning, setScanning] = useState(false);
  const hydrated = useHydrated();
  const [scanError, setScanError] = useState<string | null>(null);
  // Without the camera API the scan never starts: the message is set here, in the event, rather
  // than by the effect turning the scan off again (a render with "Stop camera" for nothing).
  const toggleScanning = () => {
    if (!scanning && !navigator.mediaDevices?.getUserMedia) {
      setScanError(t("noCamera"));
      return;
    }
    setScanning((s) => !s);
  };
  // The scan depends on its one message's text, not on the translator: a new translator (the
  // page's messages arrive again on every refresh) must not restart the camera mid-scan.
  const cameraUnavailable = t("cameraUnavailable");
  useEffect(() => {
    // toggleScanning never starts a scan without the camera API; this check narrows the type.
    if (!scanning || !navigator.mediaDevices?.getUserMedia) return;
    // The browser's own detector where there is one (Android, ChromeOS, macOS); elsewhere (iOS,
    // desktop Linux and Windows) jsQR decodes frames drawn onto a canvas.
    type Detector = { detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>> };
    const Native = (globalThis as unknown as { BarcodeDetector?: new (o: { formats: string[] }) => Detector })
      .BarcodeDetector;
    const canvas = document.createElement("canvas");
    const decode = async (v: HTMLVideoElement): Promise<string | null> => {
      if (Native) {
        const found = await new Native({ formats: ["qr_code"] }).detect(v).catch(() => []);
        if (found[0]?.rawValue) return found[0].rawValue;
      }
      if (!v.videoWidth) return null;
      canvas.width = v.videoWidth;
      canvas.height = v.videoHeight;
      const ctx = canvas.getContext("2d", { willReadFrequently: true });
      if (!ctx) return null;
      ctx.drawImage(v, 0, 0);
      const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const { default: jsQR } = await import("jsqr");
      return jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" })?.data ?? null;
    };
    let stream: MediaStream | null = null;
    let stopped = false;
    let last = "";
    void (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
        // Stopped while the camera was opening: release it, or it stays on.
        if (stopped || !video.current) return stream.getTracks().forEach((track) => track.stop());
        video.current.srcObject = stream;
        await video.current.play();
        while (!stopped) {
          const code = await decode(video.current);
          if (code && code !== last && codeInput.current) {
            last = code; // the same ticket held up to the camera is submitted once
            codeInput.current.value = code;
            form.current?.requestSubmit();
          }
          await new Promise((r) => setTimeout(r, 250));
        }
      } catch {
        setScanError(cameraUnavailable);
        setScanning(false);
      }
    })();
    return () => {
      stopped = true;
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [scanning, cameraUnavailable]);
  return (
    <div className="space-y-3">
      <form ref={form} action={action} className="flex flex-wrap items-end gap-2" data-testid="check-in-form">
        <input type="hidden" name="slug" value={slug} />
        <Field label={t("ticketCode")} name="code">
          {(c) => (
            <Input
              {...c}
              ref={codeInput}
              name="code"
              autoFocus={autoFocus}
              autoComplete="off"
              fit
              className="w-64 font-mono"
            />
          )}
        </Field>
        <SubmitButton pending={pending}>{t("checkIn")}</SubmitButton>
        <button
          type="button"
          onClick={toggleScanning}
          disabled={!hydrated}
          className="rounded-lg px-3 py-2 text-sm ring-1 ring-black/20"
        >
          {scanning ? t("stopCamera") : t("scan")}
        </button>
      </form>
      {scanning && <video ref={video} muted playsInline className="w-full max-w-sm rounded-lg bg-black" />}
      {scanError && <p className="text-sm">{scanError}</p>}
      {state.message && (
        <p
          role="status"
          data-testid="check-in-result"
          data-kind="ok"
          className="flex items-center gap-2 rounded-lg bg-emerald-50 px-3 py-2 text-emerald-900"
        >
          <span aria-hidden className="text-lg">
            ✓
          </span>
          {state.message}
        </p>
      )}
      {state.repeat && (
        <div
          role="alert"
          data-testid="check-in-repeat"
          className="flex items-start gap-3 rounded-lg border-2 border-amber-600 bg-amber-100 px-4 py-3 text-amber-950"
        >
          <span aria-hidden className="text-2xl leading-none">
            ⚠
          </span>
          <div>
            <h2 className="font-semibold">{state.repeat.heading}</h2>
            <p className="text-sm">{state.repeat.detail}</p>
          </div>
        </div>
      )}
      <FormError message={state.error} className="rounded-lg bg-red-50 px-3 py-2 text-red-800" />
    </div>
  );
}

/**
 * A message to every confirmed attendee: the number it goes to is shown before it is sent, and
 * sending asks once more, since an email cannot be taken back.
 */
export function MessageForm({ slug, send, recipients }: { slug: string; send: StaffAction; recipients: number }) {
  const t = useTranslations("messageForm");
  const tu = useTranslations("ui");
  const [state, action, pending] = useActionState(send, {} as ActionState);
  return (
    <form action={action} className="space-y-3">
      <input type="hidden" name="slug" value={slug} />
      <Field label={t("subject")} name="subject">
        {(c) => <Input {...c} name="subject" maxLength={150} />}
      </Field>
      <Field label={t("message")} name="body">
        {(c) => <Textarea {...c} name="body" rows={6} maxLength={10_000} />}
      </Field>
      {recipients === 0 ? (
        <p data-testid="message-recipients" className="text-sm">
          {t("nobody")}
        </p>
      ) : (
        <ConfirmButton
          label={t("sendTo", { count: recipients })}
          confirmLabel={t("confirmSend", { count: recipients })}
          pendingLabel={t("sending")}
          cancelLabel={tu("cancel")}
          pending={pending}
          kind="brand"
          cancellable
          warning={t("warning", { count: recipients })}
        />
      )}
      {state.message && (
        <p role="status" data-testid="message-result">
          {state.message}
        </p>
      )}
      <FormError message={state.error} />
    </form>
  );
}

/** Check someone in from the attendee list (found by search), without their QR code. */
export function CheckInButton({
  slug,
  code,
  name,
  checkIn,
}: {
  slug: string;
  code: string;
  name: string;
  checkIn: FormAction<CheckInState>;
}) {
  const t = useTranslations("checkIn");
  const [state, action, pending] = useActionState(checkIn, {} as CheckInState);
  if (state.repeat)
    return (
      <span role="alert" className="rounded bg-amber-100 px-1 text-sm font-medium text-amber-950">
        ⚠ {state.repeat.heading}
      </span>
    );
  if (state.message)
    return (
      <span role="status" className="text-sm text-emerald-800">
        {t("checkedIn")}
      </span>
    );
  return (
    <form action={action} className="inline">
      <input type="hidden" name="slug" value={slug} />
      <input type="hidden" name="code" value={code} />
      <button
        type="submit"
        disabled={pending}
        aria-label={t("checkInName", { name })}
        className="rounded-lg px-2 py-0.5 text-xs ring-1 ring-black/20"
      >
        {t("checkIn")}
      </button>
      {state.error && (
        <span role="alert" className="ml-2 text-xs text-red-700">
          {state.error}
        </span>
      )}
    </form>
  );
}
