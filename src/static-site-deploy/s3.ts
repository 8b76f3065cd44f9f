/**
 * The bucket side of a deploy, on the AWS SDK v3 S3 client (loaded on first use): list what is
 * stored under the prefix, read and write small objects, upload files (single PutObject below
 * 8 MiB, multipart above, each with Content-MD5 so S3 verifies the bytes), delete in batches.
 */
import { open, readFile } from 'node:fs/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { awsCall, awsErrorName, awsFailure } from './aws-errors';
import { MULTIPART_THRESHOLD, PART_SIZE } from './etag';
import { listSegmented, type PageLister } from './listing';
import type { Headers } from './classify';

/** One stored object as ListObjectsV2 shows it. */
export interface StoredObject {
  etag: string;
  size: number;
}

/** What a deploy needs from the bucket; `createS3Store` is the SDK implementation. */
export interface SiteStore {
  /**
   * Every object under `prefix`, keyed by full key (ListObjectsV2, 1000 a page; see listSegmented
   * for `expected`, the full keys the deploy expects, and `onPage`).
   */
  list(prefix: string, options?: { expected?: readonly string[]; onPage?: (keys: readonly string[]) => void }): Promise<Map<string, StoredObject>>;
  /** The object's body as text, or undefined when there is no such key (NoSuchKey). */
  getText(key: string): Promise<string | undefined>;
  putText(key: string, body: string, contentType: string, cacheControl: string): Promise<void>;
  /** Uploads a local file; `md5` holds the binary MD5 of each 8 MiB part (one entry below the threshold). */
  putFile(key: string, file: string, size: number, headers: Headers, md5: readonly Buffer[]): Promise<void>;
  /** DeleteObjects, 1000 keys a request; any per-key error fails the step. */
  deleteKeys(keys: readonly string[]): Promise<void>;
}

const S3 = 'Amazon S3';

/**
 * The SDK client: region from aws-region or the environment, credentials from the job (OIDC);
 * `concurrency` requests at once (uploads, listing segments), each on a kept-alive socket.
 * The endpoint is never set here: the SDK reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL itself;
 * when one is set (LocalStack, MinIO, moto) path-style addressing is used, as those servers expect.
 */
export async function createS3Store(bucket: string, region: string | undefined, concurrency: number): Promise<SiteStore> {
  const sdk = await import('@aws-sdk/client-s3');
  const custom = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  const sockets = Math.max(50, concurrency + 2);
  const client: S3Client = new sdk.S3Client({
    ...(region ? { region } : {}),
    forcePathStyle: custom,
    // Content-MD5 is sent instead: its digests are the ones the skip decision compares.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // The SDK's agents hold 50 sockets; concurrency may ask for up to 64 (plus a listing or the manifest).
    requestHandler: { httpAgent: { maxSockets: sockets }, httpsAgent: { maxSockets: sockets } },
  });
  const where = (key: string) => `s3://${bucket}/${key}`;
  return {
    async list(prefix, { expected = [], onPage } = {}) {
      const page: PageLister<StoredObject> = async ({ startAfter, token }) => {
        const r = await awsCall(
          S3,
          `ListObjectsV2 s3://${bucket}/${prefix}`,
          () =>
            client.send(
              new sdk.ListObjectsV2Command({
                Bucket: bucket,
                Prefix: prefix || undefined,
                StartAfter: token ? undefined : startAfter,
                ContinuationToken: token,
              }),
            ),
          'Check the bucket name and that the role may s3:ListBucket on it',
        );
        const objects = (r.Contents ?? []).flatMap((o) => (o.Key ? [[o.Key, { etag: o.ETag ?? '', size: o.Size ?? 0 }] as const] : []));
        // A truncated page without a way on would end the listing early: fail rather than miss objects.
        if (r.IsTruncated && !r.NextContinuationToken)
          throw awsFailure(S3, `ListObjectsV2 s3://${bucket}/${prefix}`, new Error('IsTruncated without NextContinuationToken'));
        return { objects, next: r.IsTruncated ? r.NextContinuationToken : undefined };
      };
      return listSegmented(page, expected, concurrency, onPage);
    },
    async getText(key) {
      try {
        const r = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
        return await r.Body?.transformToString('utf-8');
      } catch (e) {
        if (awsErrorName(e) === 'NoSuchKey') return undefined;
        throw awsFailure(S3, `GetObject ${where(key)}`, e);
      }
    },
    async putText(key, body, contentType, cacheControl) {
      await awsCall(S3, `PutObject ${where(key)}`, () =>
        client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType, CacheControl: cacheControl })),
      );
    },
    async putFile(key, file, size, h, md5) {
      const meta = { Bucket: bucket, Key: key, ContentType: h.contentType, CacheControl: h.cacheControl, ContentEncoding: h.contentEncoding };
      if (size < MULTIPART_THRESHOLD) {
        const body = await readFile(file);
        await awsCall(S3, `PutObject ${where(key)}`, () =>
          client.send(new sdk.PutObjectCommand({ ...meta, Body: body, ContentMD5: md5[0].toString('base64') })),
        );
        return;
      }
      const { UploadId } = await awsCall(S3, `CreateMultipartUpload ${where(key)}`, () => client.send(new sdk.CreateMultipartUploadCommand(meta)));
      const handle = await open(file, 'r');
      try {
        const parts: { ETag?: string; PartNumber: number }[] = [];
        for (let n = 1; (n - 1) * PART_SIZE < size; n++) {
          const length = Math.min(PART_SIZE, size - (n - 1) * PART_SIZE);
          const body = Buffer.alloc(length);
          await handle.read(body, 0, length, (n - 1) * PART_SIZE);
          const part = await awsCall(S3, `UploadPart ${n} of ${where(key)}`, () =>
            client.send(
              new sdk.UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: n, Body: body, ContentMD5: md5[n - 1].toString('base64') }),
            ),
          );
          parts.push({ ETag: part.ETag, PartNumber: n });
        }
        await awsCall(S3, `CompleteMultipartUpload ${where(key)}`, () =>
          client.send(new sdk.CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } })),
        );
      } catch (e) {
        // An abandoned upload's parts are billed until aborted.
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId })).catch(() => undefined);
        throw e;
      } finally {
        await handle.close();
      }
    },
    async deleteKeys(keys) {
      for (let i = 0; i < keys.length; i += 1000) {
        const batch = keys.slice(i, i + 1000);
        const r = await awsCall(S3, `DeleteObjects on s3://${bucket}`, () =>
          client.send(new sdk.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
        );
        const errors = r.Errors ?? [];
        if (errors.length > 0) {
          const first = errors[0];
          throw awsFailure(
            S3,
            `DeleteObjects on s3://${bucket}`,
            new Error(`${errors.length} keys not deleted, e.g. ${first.Key}: ${first.Code} ${first.Message ?? ''}`),
          );
        }
      }
    },
  };
}
