import type { ComponentProps } from "react";
import { controlClass, type ControlStyle } from "./control-class.ts";

/**
 * Text fields, selects and text areas with the shared look. Everything else (name, defaultValue,
 * value and onChange, ref, the aria props a Field hands down) passes straight to the element, so
 * a form keeps posting the same fields, with or without script.
 */
export function Input({ tone, density, fit, inline, className, ...props }: ComponentProps<"input"> & ControlStyle) {
  return <input {...props} className={controlClass({ tone, density, fit, inline }, className)} />;
}

export function Textarea({
  tone,
  density,
  fit,
  inline,
  className,
  ...props
}: ComponentProps<"textarea"> & ControlStyle) {
  return <textarea {...props} className={controlClass({ tone, density, fit, inline }, className)} />;
}

export function Select({ tone, density, fit, inline, className, ...props }: ComponentProps<"select"> & ControlStyle) {
  return <select {...props} className={controlClass({ tone, density, fit, inline }, className)} />;
}
