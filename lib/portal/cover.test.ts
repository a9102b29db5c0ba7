import { describe, expect, it } from "vitest";
import { COVER_MAX_BYTES, COVER_PATH, checkCover } from "./cover.ts";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);

describe("checkCover", () => {
  it("accepts PNG and JPEG by their bytes and names them by their sha-256", () => {
    const png = checkCover(PNG);
    expect(png.contentType).toBe("image/png");
    expect(png.src).toMatch(COVER_PATH);
    expect(png.src).toBe(`/cover/${png.sha256}.png`);
    expect(checkCover(JPEG).src).toMatch(/\.jpg$/);
  });

  it("refuses SVG and text whatever their name, with what to do instead", () => {
    expect(() => checkCover(new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"))).toThrow(
      /not a PNG, JPEG or WebP image/,
    );
    expect(() => checkCover(new TextEncoder().encode("hello"))).toThrow(/Choose another file/);
    expect(() => checkCover(new Uint8Array(0))).toThrow(/empty/);
  });

  it("refuses a file over the limit and accepts one at it", () => {
    const atLimit = new Uint8Array(COVER_MAX_BYTES);
    atLimit.set(PNG);
    expect(checkCover(atLimit).contentType).toBe("image/png");
    const over = new Uint8Array(COVER_MAX_BYTES + 1);
    over.set(PNG);
    expect(() => checkCover(over)).toThrow(/the limit is 1024 KB/);
  });
});
