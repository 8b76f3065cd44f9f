/**
 * The world static-site-deploy's integration tests deploy into: moto 5.2.1 (S3 and CloudFront)
 * behind a recording proxy that mends moto's `COMPLETED` invalidation status to the API's
 * `Completed`, one bucket, and one CloudFront distribution in front of it; plus the build
 * directories the tests deploy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFrontClient, CreateDistributionCommand } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { startMoto, type TestMoto } from './moto';
import { mendMotoInvalidationStatus, startRecordingProxy, type RecordingProxy } from './recording-proxy';

export interface StaticSiteWorld {
  moto: TestMoto;
  /** The action's AWS_ENDPOINT_URL: every request it makes is recorded here. */
  proxy: RecordingProxy;
  /** SDK clients straight to moto (path-style S3), for the tests' own checks. */
  s3: S3Client;
  cloudfront: CloudFrontClient;
  distributionId: string;
  /** Destroys the clients, closes the proxy, stops moto. */
  close(): Promise<void>;
}

/** Starts moto and the proxy, creates `bucket` and a distribution (CallerReference `callerReference`) with it as origin. */
export async function startStaticSiteWorld(bucket: string, callerReference: string): Promise<StaticSiteWorld> {
  const moto = await startMoto();
  const proxy = await startRecordingProxy(moto.url, { rewrite: mendMotoInvalidationStatus });
  const cfg = { region: 'us-east-1', endpoint: moto.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const cloudfront = new CloudFrontClient(cfg);
  const close = async () => {
    s3.destroy();
    cloudfront.destroy();
    await proxy.close();
    await moto.stop();
  };
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const d = await cloudfront.send(
      new CreateDistributionCommand({
        DistributionConfig: {
          CallerReference: callerReference,
          Comment: '',
          Enabled: true,
          Origins: { Quantity: 1, Items: [{ Id: 's3', DomainName: `${bucket}.s3.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }] },
          DefaultCacheBehavior: {
            TargetOriginId: 's3',
            ViewerProtocolPolicy: 'redirect-to-https',
            MinTTL: 0,
            ForwardedValues: { QueryString: false, Cookies: { Forward: 'none' } },
            TrustedSigners: { Enabled: false, Quantity: 0 },
          },
        },
      }),
    );
    return { moto, proxy, s3, cloudfront, distributionId: d.Distribution!.Id!, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Writes `files` (relative key -> body) under `dir`, creating directories; returns `dir`. */
export function writeBuildDir(dir: string, files: Record<string, string | Buffer>): string {
  for (const [key, body] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
    writeFileSync(path.join(dir, key), body);
  }
  return dir;
}
