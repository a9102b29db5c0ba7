import "server-only";
import path from "node:path";
import type { Env } from "../config/env.server.ts";
import { InvalidInput } from "../util/errors.ts";
import type { BackupLocations } from "./backups.server.ts";
import { s3Store } from "./storage-s3.server.ts";
import { fileStore, type BackupStore } from "./storage.server.ts";

/**
 * The backup locations this installation writes to (docs/decisions/052): a folder
 * (PORTICO_BACKUP_DIR, default <data dir>/backups), or an S3-compatible bucket when
 * PORTICO_BACKUP_S3_BUCKET is set. Every tenant's backups go to the one default location.
 */
export function backupLocationsFromEnv(env: Env, backupsDir: string): BackupLocations {
  const store: BackupStore = env.PORTICO_BACKUP_S3_BUCKET
    ? s3Store("default", {
        bucket: env.PORTICO_BACKUP_S3_BUCKET,
        region: env.PORTICO_BACKUP_S3_REGION,
        ...(env.PORTICO_BACKUP_S3_ENDPOINT ? { endpoint: env.PORTICO_BACKUP_S3_ENDPOINT } : {}),
        ...(env.PORTICO_BACKUP_S3_ACCESS_KEY_ID ? { accessKeyId: env.PORTICO_BACKUP_S3_ACCESS_KEY_ID } : {}),
        ...(env.PORTICO_BACKUP_S3_SECRET_KEY ? { secretAccessKey: env.PORTICO_BACKUP_S3_SECRET_KEY } : {}),
        ...(env.PORTICO_BACKUP_S3_PREFIX ? { prefix: env.PORTICO_BACKUP_S3_PREFIX } : {}),
      })
    : fileStore("default", path.resolve(backupsDir));
  return singleLocation(store);
}

/** One location for every tenant. */
export function singleLocation(store: BackupStore): BackupLocations {
  return {
    forTenant: async () => store,
    byName(name) {
      if (name !== store.name)
        throw new InvalidInput(
          `the backup is kept in the location "${name}", which this installation does not configure`,
        );
      return store;
    },
  };
}
