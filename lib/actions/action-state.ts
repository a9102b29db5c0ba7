import { PorticoError } from "../util/errors.ts";

/**
 * What a form's server action answers, read by the form through useActionState. Client-safe:
 * components import these types; the wrappers that produce them are server code.
 */

/** One message per field, keyed by the field's name. */
export type FieldErrors = Partial<Record<string, string>>;

export interface ActionState {
  /** A message for the whole form. */
  error?: string;
  /** Messages beside their fields. */
  errors?: FieldErrors;
  /** What went right. */
  message?: string;
  /** What was submitted, shown again: React resets a form after its action runs (decision 017). */
  values?: Record<string, string>;
}

/** A server action as useActionState and `<form action>` take it. */
export type FormAction<S> = (state: S, form: FormData) => Promise<S>;

/**
 * Thrown by an action's body for input that is well formed but wrong (a domain check such as an
 * event's dates): answered as messages beside the fields, with what was typed kept.
 */
export class InvalidFields extends PorticoError {
  override readonly name = "InvalidFields";
  constructor(readonly errors: FieldErrors) {
    super(Object.values(errors).find(Boolean) ?? "Check the fields marked.");
  }
}
