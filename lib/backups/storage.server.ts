import "server-only";
import { copyFile, mkdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { InvalidInput } from "../util/errors.ts";

/**
 * Where backup files are kept (docs/decisions/052): a folder by default, or an S3-compatible
 * bucket (storage-s3.server.ts). A store only moves whole files; everything about their content
 * (encryption, checksums) is the envelope's.
 */
export interface BackupStore {
  /** The location's name, recorded on each Backup row ("default", or a region). */
  readonly name: string;
  /** Where it is, for people: a folder or s3://bucket/prefix. */
  readonly describe: string;
  put(key: string, file: string): Promise<void>;
  /** Copies the stored file to `file`; refuses a key that is not there. */
  get(key: string, file: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** `<tenant id>/<time>-<random>.pbk`: no path tricks, one folder per tenant. */
export const BACKUP_KEY = /^[0-9a-f-]{36}\/[0-9TZ]{16}-[0-9a-f]{8}\.pbk$/;

export function checkKey(key: string): string {
  if (!BACKUP_KEY.test(key)) throw new InvalidInput(`"${key}" is not a backup key Portico writes`);
  return key;
}

export function fileStore(name: string, dir: string): BackupStore {
  const root = path.resolve(dir);
  const at = (key: string) => path.join(root, checkKey(key));
  return {
    name,
    describe: root,
    async put(key, file) {
      const target = at(key);
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      // Written beside and renamed, so a half-copied file never has the backup's name.
      await copyFile(file, `${target}.partial`);
      await rename(`${target}.partial`, target);
    },
    async get(key, file) {
      const source = at(key);
      if (!(await stat(source).catch(() => null)))
        throw new InvalidInput(`the backup file ${key} is missing from ${root}; restore another backup`);
      await copyFile(source, file);
    },
    async remove(key) {
      await rm(at(key), { force: true });
    },
  };
}
