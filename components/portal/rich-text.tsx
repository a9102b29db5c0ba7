import type { ReactNode } from "react";

/**
 * An event's description with light formatting: paragraphs, "- " lists, **bold**, *italic* and
 * https:// links. Built as React elements from plain text, never as HTML, so nothing typed can
 * inject markup or script.
 */
function inline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(\*\*[^*]+\*\*|\*[^*]+\*|https:\/\/[^\s<>"')]+)/g;
  let last = 0;
  let i = 0;
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const token = m[0];
    const k = `${key}-${i++}`;
    if (token.startsWith("**")) out.push(<strong key={k}>{token.slice(2, -2)}</strong>);
    else if (token.startsWith("*")) out.push(<em key={k}>{token.slice(1, -1)}</em>);
    else
      out.push(
        <a key={k} href={token} rel="noopener noreferrer nofollow" className="text-brand underline">
          {token}
        </a>,
      );
    last = m.index + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function RichText({ text }: { text: string }) {
  const blocks = text
    .split(/\n\s*\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  return (
    <div className="space-y-3 leading-relaxed" data-testid="event-description">
      {blocks.map((block, b) => {
        const lines = block.split("\n");
        if (lines.every((l) => /^\s*[-*] /.test(l))) {
          return (
            <ul key={b} className="list-disc pl-6">
              {lines.map((l, i) => (
                <li key={i}>{inline(l.replace(/^\s*[-*] /, ""), `${b}-${i}`)}</li>
              ))}
            </ul>
          );
        }
        return (
          <p key={b}>
            {lines.flatMap((l, i) =>
              i ? [<br key={`br-${i}`} />, ...inline(l, `${b}-${i}`)] : inline(l, `${b}-${i}`),
            )}
          </p>
        );
      })}
    </div>
  );
}
