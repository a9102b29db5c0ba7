import { createHash } from "node:crypto";
import { InvalidInput } from "../util/errors.ts";

/**
 * Logos uploaded in the onboarding wizard. Only raster formats recognised by their first bytes are
 * accepted, whatever the browser claims: an SVG can carry script, and a mislabelled file must not
 * be served under an image type.
 */
export const LOGO_MAX_BYTES = 256 * 1024;

const FORMATS = [
  {
    type: "image/png",
    ext: "png",
    test: (b: Uint8Array) => [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((v, i) => b[i] === v),
  },
  { type: "image/jpeg", ext: "jpg", test: (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    type: "image/webp",
    ext: "webp",
    test: (b: Uint8Array) =>
      String.fromCharCode(...b.subarray(0, 4)) === "RIFF" && String.fromCharCode(...b.subarray(8, 12)) === "WEBP",
  },
] as const;

export type LogoType = (typeof FORMATS)[number]["type"];

/** The raster format a file's first bytes announce, or null; event covers use the same check. */
export function imageFormat(bytes: Uint8Array): { type: LogoType; ext: (typeof FORMATS)[number]["ext"] } | null {
  const format = FORMATS.find((f) => f.test(bytes));
  return format ? { type: format.type, ext: format.ext } : null;
}

export interface CheckedLogo {
  bytes: Buffer;
  contentType: LogoType;
  sha256: string;
  /** Where the tenant's portal serves it: /logo/<sha256>.<ext>. */
  src: string;
}

export function checkLogo(bytes: Uint8Array): CheckedLogo {
  if (bytes.byteLength === 0) throw new InvalidInput("The logo file is empty; choose a PNG, JPEG or WebP image.");
  if (bytes.byteLength > LOGO_MAX_BYTES) {
    throw new InvalidInput(
      `The logo is ${Math.ceil(bytes.byteLength / 1024)} KB; the limit is ${LOGO_MAX_BYTES / 1024} KB. Export a smaller image (e.g. 512×512 pixels).`,
    );
  }
  const format = imageFormat(bytes);
  if (!format)
    throw new InvalidInput(
      "The logo is not a PNG, JPEG or WebP image (SVG is not accepted: it can carry script). Choose another file.",
    );
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  return { bytes: Buffer.from(bytes), contentType: format.type, sha256, src: `/logo/${sha256}.${format.ext}` };
}

export const LOGO_PATH = /^\/logo\/([0-9a-f]{64})\.(png|jpg|webp)$/;
