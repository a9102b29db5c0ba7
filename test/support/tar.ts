import { pack as tarPack } from "tar-stream";

/**
 * The header tar-stream writes for a file of `size` bytes, without the file: tests put what they
 * like after it (nothing, or a gigabyte of zeros) to build archives Portico must refuse.
 */
export async function tarHeader(name: string, size: number): Promise<Buffer> {
  const pack = tarPack();
  const header = new Promise<Buffer>((resolve) => pack.once("data", (chunk) => resolve(chunk as Buffer)));
  pack.entry({ name, size, mode: 0o644, mtime: new Date() });
  const bytes = await header;
  pack.destroy();
  if (bytes.length !== 512) throw new Error(`expected one 512-byte header for ${name}, got ${bytes.length} bytes`);
  return bytes;
}
