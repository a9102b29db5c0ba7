import { Marked, type Tokens } from "marked";

/**
 * Markdown a person typed (a staff message to attendees) as HTML that is safe to put in an email:
 * raw HTML in the input is shown as text, never passed through; links go only to http(s) and
 * mailto addresses (anything else — javascript:, data:, vbscript: — keeps its words, loses its
 * link); images are not loaded (a remote image is a tracking pixel), their description is kept.
 */
const escapeHtml = (text: string) =>
  text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");

/** The link target if it is one a reader may safely follow, otherwise null. */
export function safeHref(raw: string): string | null {
  const href = raw.trim();
  try {
    const url = new URL(href);
    if (url.protocol === "http:" || url.protocol === "https:" || url.protocol === "mailto:") return url.href;
  } catch {
    // Relative or malformed: there is no page of ours it could sensibly point to from an email.
  }
  return null;
}

export interface MarkdownStyle {
  /** Colour of links, from the tenant's brand (already checked to be a hex colour). */
  linkColour: string;
}

export function markdownToEmailHtml(markdown: string, style: MarkdownStyle): string {
  const marked = new Marked({
    gfm: true,
    breaks: true,
    async: false,
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(text);
      },
      link({ href, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens);
        const safe = safeHref(href);
        if (!safe) return inner;
        return `<a href="${escapeHtml(safe)}" style="color:${style.linkColour};text-decoration:underline" rel="noopener noreferrer" target="_blank">${inner}</a>`;
      },
      image({ text }: Tokens.Image) {
        return escapeHtml(text);
      },
    },
  });
  return marked.parse(markdown) as string;
}
