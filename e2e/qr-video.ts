import { writeFile } from "node:fs/promises";
import QRCode from "qrcode";

/**
 * A Y4M video (what Chromium's --use-file-for-fake-video-capture plays as a camera) showing a QR
 * code of `text`, so the check-in scanner can be tested with a real camera pipeline.
 */
export async function qrVideo(file: string, text: string, width = 640, height = 480): Promise<void> {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const modules = qr.modules.size;
  const scale = Math.floor(Math.min(width, height) / (modules + 8));
  const size = (modules + 8) * scale;
  const x0 = Math.floor((width - size) / 2);
  const y0 = Math.floor((height - size) / 2);
  const luma = Buffer.alloc(width * height, 255);
  for (let y = 0; y < modules; y++) {
    for (let x = 0; x < modules; x++) {
      if (!qr.modules.get(y, x)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const row = (y0 + (y + 4) * scale + dy) * width;
        luma.fill(0, row + x0 + (x + 4) * scale, row + x0 + (x + 5) * scale);
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma, chroma]);
  await writeFile(
    file,
    Buffer.concat([
      Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`),
      ...Array.from({ length: 10 }, () => frame),
    ]),
  );
}
