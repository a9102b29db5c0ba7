import "server-only";
import { createReadStream, createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { InvalidInput } from "../util/errors.ts";
import { checkKey, type BackupStore } from "./storage.server.ts";

export interface S3Location {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, Ceph, a local test server); AWS when absent. */
  endpoint?: string;
  region: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Keys are written under this prefix, e.g. "portico/". */
  prefix?: string;
}

/** A backup location in an S3-compatible bucket (path-style addressing, so any endpoint works). */
export function s3Store(name: string, location: S3Location): BackupStore {
  const client = new S3Client({
    region: location.region,
    forcePathStyle: true,
    // Checksums only where S3 requires them: a streamed upload is then sent as it is, not in the
    // aws-chunked framing some S3-compatible servers store verbatim. The envelope checks the bytes.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(location.endpoint ? { endpoint: location.endpoint } : {}),
    ...(location.accessKeyId && location.secretAccessKey
      ? { credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey } }
      : {}),
  });
  const objectKey = (key: string) => `${location.prefix ?? ""}${checkKey(key)}`;
  return {
    name,
    describe: `s3://${location.bucket}/${location.prefix ?? ""}`,
    async put(key, file) {
      await client.send(
        new PutObjectCommand({
          Bucket: location.bucket,
          Key: objectKey(key),
          Body: createReadStream(file),
          ContentLength: (await stat(file)).size,
          ContentType: "application/octet-stream",
        }),
      );
    },
    async get(key, file) {
      let body: Readable;
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: location.bucket, Key: objectKey(key) }));
        body = object.Body as Readable;
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey")
          throw new InvalidInput(
            `the backup file ${key} is missing from s3://${location.bucket}; restore another backup`,
          );
        throw error;
      }
      await pipeline(body, createWriteStream(file));
    },
    async remove(key) {
      await client.send(new DeleteObjectCommand({ Bucket: location.bucket, Key: objectKey(key) }));
    },
  };
}
