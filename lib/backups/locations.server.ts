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
 * PORTICO_BACKUP_S3_BUCKET is set, for every tenant; or, with PORTICO_BACKUP_LOCATIONS
 * ("eu=/srv/backups/eu,us=s3://portico-us/backups/"), one per region, named by the region.
 */
export function backupLocationsFromEnv(env: Env, backupsDir: string): BackupLocations {
  if (env.PORTICO_BACKUP_LOCATIONS) {
    const stores = env.PORTICO_BACKUP_LOCATIONS.split(",").map((entry) => {
      const eq = entry.indexOf("=");
      const region = entry.slice(0, eq).trim();
      const where = entry.slice(eq + 1).trim();
      const s3 = /^s3:\/\/([^/]+)\/?(.*)$/.exec(where);
      return s3
        ? s3Store(region, { ...s3Location(env, s3[1] as string), ...(s3[2] ? { prefix: s3[2] } : {}) })
        : fileStore(region, path.resolve(where));
    });
    return regionalLocations(stores);
  }
  const store: BackupStore = env.PORTICO_BACKUP_S3_BUCKET
    ? s3Store("default", {
        ...s3Location(env, env.PORTICO_BACKUP_S3_BUCKET),
        ...(env.PORTICO_BACKUP_S3_PREFIX ? { prefix: env.PORTICO_BACKUP_S3_PREFIX } : {}),
      })
    : fileStore("default", path.resolve(backupsDir));
  return singleLocation(store);
}

function s3Location(env: Env, bucket: string) {
  return {
    bucket,
    region: env.PORTICO_BACKUP_S3_REGION,
    ...(env.PORTICO_BACKUP_S3_ENDPOINT ? { endpoint: env.PORTICO_BACKUP_S3_ENDPOINT } : {}),
    ...(env.PORTICO_BACKUP_S3_ACCESS_KEY_ID ? { accessKeyId: env.PORTICO_BACKUP_S3_ACCESS_KEY_ID } : {}),
    ...(env.PORTICO_BACKUP_S3_SECRET_KEY ? { secretAccessKey: env.PORTICO_BACKUP_S3_SECRET_KEY } : {}),
  };
}

/** One location for every tenant. */
export function singleLocation(store: BackupStore): BackupLocations {
  return {
    regional: false,
    forRegion: () => store,
    byName(name) {
      if (name !== store.name)
        throw new InvalidInput(
          `the backup is kept in the location "${name}", which this installation does not configure`,
        );
      return store;
    },
  };
}

/**
 * One location per region, named by its region key: a tenant's backups are kept in its region's;
 * a region without one has none, and storing its backups elsewhere takes an owner's confirmation.
 */
export function regionalLocations(stores: BackupStore[]): BackupLocations {
  return {
    regional: true,
    forRegion: (region) => stores.find((s) => s.name === region) ?? null,
    byName(name) {
      const store = stores.find((s) => s.name === name);
      if (!store)
        throw new InvalidInput(
          `no backup location "${name}" is configured (PORTICO_BACKUP_LOCATIONS lists ${stores.map((s) => s.name).join(", ")})`,
        );
      return store;
    },
  };
}
