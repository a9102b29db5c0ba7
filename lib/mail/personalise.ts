import type { RenderedMail } from "./content.ts";

/**
 * A message rendered once for many readers who differ only by name (a message to every attendee,
 * renderPersonalisable in lib/mail/templates.tsx): `mail` says `slot` wherever the reader's name
 * goes, and personalise() puts each name there. No React here: the senders' side of the render
 * thread runs under the react-server condition, where the templates cannot load.
 */
export interface PersonalisableMail {
  mail: RenderedMail;
  slot: string;
}

/** Names that read the same wherever the templates put them: no control characters or odd spacing. */
const PLAIN_NAME = /^[^\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+(?: [^\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+)*$/u;

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#x27;" };

/** `mail` with every `slot` replaced: in the HTML by `to("html")`, elsewhere by `to("plain")`. */
export function swapSlot(mail: RenderedMail, slot: string, to: (part: "html" | "plain") => string): RenderedMail {
  return {
    subject: mail.subject.replaceAll(slot, to("plain")),
    html: mail.html.replaceAll(slot, to("html")),
    text: mail.text.replaceAll(slot, to("plain")),
    attachments: mail.attachments,
  };
}

export function sameMail(a: RenderedMail, b: RenderedMail): boolean {
  return (
    a.subject === b.subject &&
    a.html === b.html &&
    a.text === b.text &&
    JSON.stringify(a.attachments) === JSON.stringify(b.attachments)
  );
}

/**
 * The shared message with `name` in it (escaped in the HTML as React escapes text), or null when
 * this name must be rendered on its own: one with line breaks, tabs, doubled or outer spaces, which
 * HTML would collapse, or longer than any name the portal stores.
 */
export function personalise(template: PersonalisableMail, name: string): RenderedMail | null {
  if (name.length > 200 || !PLAIN_NAME.test(name)) return null;
  return swapSlot(template.mail, template.slot, (part) =>
    part === "html" ? name.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!) : name,
  );
}
