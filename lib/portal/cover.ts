import { createHash } from "node:crypto";
import { imageFormat, type LogoType } from "../tenancy/logo.ts";
import { InvalidInput } from "../util/errors.ts";

/**
 * Event cover images, uploaded by staff. Checked like logos: PNG, JPEG or WebP recognised by
 * their first bytes whatever the browser claims (SVG can carry script), a size limit, and a name
 * that is the content's sha-256 so it can be cached for ever.
 */
export const COVER_MAX_BYTES = 1024 * 1024;

export interface CheckedCover {
  bytes: Buffer;
  contentType: LogoType;
  sha256: string;
  /** Where the tenant's portal serves it: /cover/<sha256>.<ext>. */
  src: string;
}

export function checkCover(bytes: Uint8Array): CheckedCover {
  if (bytes.byteLength === 0) throw new InvalidInput("The cover image is empty; choose a PNG, JPEG or WebP image.");
  if (bytes.byteLength > COVER_MAX_BYTES) {
    throw new InvalidInput(
      `The cover image is ${Math.ceil(bytes.byteLength / 1024)} KB; the limit is ${COVER_MAX_BYTES / 1024} KB. Export a smaller image (e.g. 1600×900 pixels, JPEG).`,
    );
  }
  const format = imageFormat(bytes);
  if (!format)
    throw new InvalidInput(
      "The cover image is not a PNG, JPEG or WebP image (SVG is not accepted: it can carry script). Choose another file.",
    );
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { bytes: Buffer.from(bytes), contentType: format.type, sha256, src: coverSrc(sha256, format.type) };
}

const EXT: Record<LogoType, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

export function coverSrc(sha256: string, contentType: string): string {
  return `/cover/${sha256}.${EXT[contentType as LogoType] ?? "png"}`;
}

export const COVER_PATH = /^\/cover\/([0-9a-f]{64})\.(png|jpg|webp)$/;
