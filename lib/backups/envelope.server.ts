import "server-only";
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { PassThrough, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip, createGzip } from "node:zlib";
import { z } from "zod";
import type { Keyring } from "../db/keyring.server.ts";
import { InvalidInput } from "../util/errors.ts";

/**
 * A backup file (docs/decisions/052): a first line naming the format, a JSON header line, then
 * the gzip-compressed snapshot encrypted with AES-256-GCM. The key is derived with HKDF from the
 * keyring's sealing key, a random salt and the tenant's id, and the header's identity (tenant,
 * schema version, time, salt, IV) is the cipher's additional data: a header edited to name
 * another tenant, or a byte flipped anywhere, fails authentication before any row is read.
 *
 * The plaintext is JSON lines: `#table <Name>`, that table's rows (row_to_json), then
 * `#end <Name> <rows> <sha256 of the row lines>`.
 */
export const BACKUP_MAGIC = "PORTICO-BACKUP 1\n";
export const BACKUP_FORMAT = "portico-backup";
const HEADER_MAX_BYTES = 64 * 1024;

const identitySchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(1),
  tenantId: z.string().uuid(),
  slug: z.string().min(1).max(40),
  name: z.string().max(120),
  plan: z.string().max(40),
  schemaVersion: z.string().nullable(),
  createdAt: z.string(),
  keyId: z.string().min(1).max(32),
  salt: z.string().regex(/^[0-9a-f]{32}$/),
  iv: z.string().regex(/^[0-9a-f]{24}$/),
  compression: z.literal("gzip"),
});
export const headerSchema = identitySchema.extend({
  tag: z.string().regex(/^[0-9a-f]{32}$/),
  plainSha256: z.string().regex(/^[0-9a-f]{64}$/),
  cipherSha256: z.string().regex(/^[0-9a-f]{64}$/),
  plainBytes: z.number().int().min(0),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int().min(0), sha256: z.string() })),
});
export type BackupIdentity = z.infer<typeof identitySchema>;
export type BackupHeader = z.infer<typeof headerSchema>;

function deriveKey(keyring: Keyring, keyId: string, salt: Buffer, tenantId: string): Buffer {
  const sealing = keyring.keys.get(keyId);
  if (!sealing)
    throw new InvalidInput(
      `the backup was encrypted with key "${keyId}", which is not loaded: add it to PORTICO_PREVIOUS_SECRET_KEYS`,
    );
  return Buffer.from(hkdfSync("sha256", sealing, salt, `portico-backup/v1/${tenantId}`, 32));
}

const aad = (identity: BackupIdentity) => Buffer.from(JSON.stringify(identitySchema.parse(identity)));

/** Counts and hashes what passes through. */
function tap(hash: ReturnType<typeof createHash>, count: { bytes: number }): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      count.bytes += chunk.length;
      done(null, chunk);
    },
  });
}

export interface BackupWriter {
  /** Writes one plaintext line (without its newline); waits when the pipeline is full. */
  line(text: string): Promise<void>;
  /** Ends the snapshot and writes the file; returns its header, size and sha-256. */
  finish(tables: BackupHeader["tables"]): Promise<{ header: BackupHeader; bytes: number; sha256: string }>;
  abort(): Promise<void>;
}

/** Streams a snapshot into `target`: compressed and encrypted as it is written. */
export function backupWriter(
  keyring: Keyring,
  identity: Omit<BackupIdentity, "format" | "version" | "keyId" | "salt" | "iv" | "compression">,
  target: string,
): BackupWriter {
  const full: BackupIdentity = {
    format: BACKUP_FORMAT,
    version: 1,
    ...identity,
    keyId: keyring.currentId,
    salt: randomBytes(16).toString("hex"),
    iv: randomBytes(12).toString("hex"),
    compression: "gzip",
  };
  const key = deriveKey(keyring, full.keyId, Buffer.from(full.salt, "hex"), full.tenantId);
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.from(full.iv, "hex"));
  cipher.setAAD(aad(full));
  const body = `${target}.body`;
  const plainHash = createHash("sha256");
  const cipherHash = createHash("sha256");
  const plain = { bytes: 0 };
  const ciphered = { bytes: 0 };
  const input = new PassThrough();
  const done = pipeline(
    input,
    tap(plainHash, plain),
    createGzip(),
    cipher,
    tap(cipherHash, ciphered),
    createWriteStream(body),
  );
  done.catch(() => {});
  return {
    async line(text) {
      if (!input.write(`${text}\n`)) await new Promise((resolve) => input.once("drain", resolve));
    },
    async finish(tables) {
      input.end();
      await done;
      const header: BackupHeader = {
        ...full,
        tag: cipher.getAuthTag().toString("hex"),
        plainSha256: plainHash.digest("hex"),
        cipherSha256: cipherHash.digest("hex"),
        plainBytes: plain.bytes,
        tables,
      };
      const out = createWriteStream(target);
      const head = Buffer.from(`${BACKUP_MAGIC}${JSON.stringify(header)}\n`);
      const fileHash = createHash("sha256").update(head);
      await pipeline(async function* () {
        yield head;
        for await (const chunk of createReadStream(body)) {
          fileHash.update(chunk as Buffer);
          yield chunk as Buffer;
        }
      }, out);
      await rm(body, { force: true });
      return { header, bytes: (await stat(target)).size, sha256: fileHash.digest("hex") };
    },
    async abort() {
      input.destroy();
      await done.catch(() => {});
      await rm(body, { force: true });
      await rm(target, { force: true });
    },
  };
}

/** Reads and validates a backup file's header (unauthenticated until `openBackup` decrypts). */
export async function readBackupHeader(file: string): Promise<{ header: BackupHeader; offset: number }> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(HEADER_MAX_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_MAX_BYTES, 0);
    const text = buffer.subarray(0, bytesRead);
    if (!text.subarray(0, BACKUP_MAGIC.length).equals(Buffer.from(BACKUP_MAGIC)))
      throw new InvalidInput("the file is not a Portico backup (its first line is not PORTICO-BACKUP 1)");
    const end = text.indexOf(0x0a, BACKUP_MAGIC.length);
    if (end < 0) throw new InvalidInput("the backup's header is cut short or too large: the file is damaged");
    let json: unknown;
    try {
      json = JSON.parse(text.subarray(BACKUP_MAGIC.length, end).toString("utf8"));
    } catch {
      throw new InvalidInput("the backup's header is not JSON: the file is damaged");
    }
    const parsed = headerSchema.safeParse(json);
    if (!parsed.success)
      throw new InvalidInput(`the backup's header is not one Portico reads: ${parsed.error.issues[0]?.message}`);
    return { header: parsed.data, offset: end + 1 };
  } finally {
    await handle.close();
  }
}

/** The most plaintext a restore inflates, whatever a header claims (a gzip bomb stops here). */
export const RESTORE_MAX_PLAIN_BYTES = 16 * 1024 ** 3;

/**
 * Verifies a backup completely (ciphertext checksum, GCM authentication, plaintext checksum and
 * size) and writes its plaintext to `plainFile`. Nothing else is touched: a restore calls this
 * before it changes anything, and a damaged, altered or foreign file is refused here.
 */
export async function openBackup(keyring: Keyring, file: string, plainFile: string): Promise<BackupHeader> {
  const { header, offset } = await readBackupHeader(file);
  const cipherHash = createHash("sha256");
  await pipeline(createReadStream(file, { start: offset }), tap(cipherHash, { bytes: 0 }), new PassThrough().resume());
  if (cipherHash.digest("hex") !== header.cipherSha256)
    throw new InvalidInput(
      "the backup does not match its checksum: the file is damaged or was altered; nothing was restored",
    );
  const identity = identitySchema.parse(header);
  const key = deriveKey(keyring, header.keyId, Buffer.from(header.salt, "hex"), header.tenantId);
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(header.iv, "hex"));
  decipher.setAAD(aad(identity));
  decipher.setAuthTag(Buffer.from(header.tag, "hex"));
  const plainHash = createHash("sha256");
  const plain = { bytes: 0 };
  const limit = Math.min(header.plainBytes, RESTORE_MAX_PLAIN_BYTES);
  const bounded = new Transform({
    transform(chunk: Buffer, _enc, done) {
      plain.bytes += chunk.length;
      if (plain.bytes > limit) done(new InvalidInput("the backup inflates beyond the size its header declares"));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(
      createReadStream(file, { start: offset }),
      decipher,
      createGunzip(),
      bounded,
      tap(plainHash, { bytes: 0 }),
      createWriteStream(plainFile),
    );
  } catch (error) {
    await rm(plainFile, { force: true });
    // Until GCM's tag is checked at the end, what was decrypted is unauthenticated: whatever
    // failed (tag, inflating, size), the file is not the one Portico wrote.
    throw new InvalidInput(
      `the backup failed authentication (${(error as Error).message}): it was altered, belongs to another installation or names another tenant than it was made for; nothing was restored`,
    );
  }
  if (plainHash.digest("hex") !== header.plainSha256 || plain.bytes !== header.plainBytes) {
    await rm(plainFile, { force: true });
    throw new InvalidInput("the backup's content does not match its checksum; nothing was restored");
  }
  return header;
}
