import { describe, expect, it } from "vitest";
import { InvalidInput } from "../util/errors.ts";
import { LOGO_MAX_BYTES, LOGO_PATH, checkLogo } from "./logo.ts";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const WEBP = new Uint8Array([...Buffer.from("RIFF"), 0, 0, 0, 0, ...Buffer.from("WEBPVP8 ")]);

describe("checkLogo", () => {
  it("recognises PNG, JPEG and WebP by their bytes and names them by content", () => {
    expect(checkLogo(PNG)).toMatchObject({ contentType: "image/png", src: expect.stringMatching(LOGO_PATH) });
    expect(checkLogo(JPEG).src).toMatch(/\.jpg$/);
    expect(checkLogo(WEBP).contentType).toBe("image/webp");
    expect(checkLogo(PNG).sha256).toBe(checkLogo(Uint8Array.from(PNG)).sha256);
  });

  it("refuses SVG (script), other files, empty and oversized files with what to do instead", () => {
    expect(() => checkLogo(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'))).toThrow(
      /SVG is not accepted/,
    );
    expect(() => checkLogo(Buffer.from("GIF89a"))).toThrow(/not a PNG, JPEG or WebP/);
    expect(() => checkLogo(new Uint8Array())).toThrow(InvalidInput);
    const big = new Uint8Array(LOGO_MAX_BYTES + 1);
    big.set(PNG);
    expect(() => checkLogo(big)).toThrow(/the limit is 256 KB/);
  });
});
