/**
 * Amazon ECR: recognising ECR hosts, registry credentials from GetAuthorizationToken (cached
 * until they expire), the native retag (BatchGetImage + PutImage, no blob traffic) and
 * repository creation. Everything goes through an injected ECRClient so tests use a mock.
 */
import {
  BatchGetImageCommand,
  CreateRepositoryCommand,
  DescribeImagesCommand,
  DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand,
  PutImageCommand,
  ECRClient,
} from '@aws-sdk/client-ecr';
import { ServiceError } from '../errors';
import type { Reporter } from '../reporter';
import { maskSecret } from '../secrets';
import { isEcrHost, type EcrCredentialProvider } from './ecr-host';
import { MANIFEST_ACCEPT } from './types';

export { isEcrHost, type EcrHost, type EcrCredentialProvider } from './ecr-host';

/** One ECRClient per region, made on first use (AWS credentials from the job's environment). */
export function ecrClientPool(): (region: string) => ECRClient {
  const clients = new Map<string, ECRClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) clients.set(region, (client = new ECRClient({ region })));
    return client;
  };
}

export interface EcrProviderOptions {
  /** The ECR client for a region (one client per region; tests hand in a mock). */
  clientFor: (region: string) => ECRClient;
  reporter: Reporter;
  now?: () => number;
}

/** Renew this long before ECR's expiry so a token never dies mid-promotion. */
const EXPIRY_MARGIN_MS = 5 * 60_000;

export function createEcrCredentialProvider(opts: EcrProviderOptions): EcrCredentialProvider {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { username: string; password: string; expiresAt: number }>();
  return {
    async credentials(host) {
      const ecr = isEcrHost(host);
      if (!ecr) throw new ServiceError(`registry ${host}`, 'is not an Amazon ECR host');
      const cached = cache.get(host);
      if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > now()) return cached;
      let answer;
      try {
        answer = await opts.clientFor(ecr.region).send(new GetAuthorizationTokenCommand({ registryIds: [ecr.accountId] }));
      } catch (e) {
        throw awsError(e, `GetAuthorizationToken for account ${ecr.accountId} in ${ecr.region}`);
      }
      const data = answer.authorizationData?.[0];
      if (!data?.authorizationToken) {
        throw new ServiceError(
          'Amazon ECR',
          `GetAuthorizationToken returned no token for ${host}`,
          'Check the AWS credentials and ecr:GetAuthorizationToken permission',
        );
      }
      maskSecret(opts.reporter, data.authorizationToken);
      const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new ServiceError('Amazon ECR', 'GetAuthorizationToken returned a token that is not user:password');
      const creds = {
        username: decoded.slice(0, colon),
        password: decoded.slice(colon + 1),
        expiresAt: data.expiresAt ? data.expiresAt.getTime() : now() + 12 * 3600_000,
      };
      maskSecret(opts.reporter, creds.password);
      maskSecret(opts.reporter, decoded);
      cache.set(host, creds);
      return creds;
    },
  };
}

export interface RetagRequest {
  repositoryName: string;
  sourceDigest: string;
  tag: string;
  registryId?: string;
}

export type RetagResult = 'tagged' | 'already-tagged';

/**
 * Tags `sourceDigest` as `tag` inside one ECR repository without moving a byte of blob data.
 * Already tagged with that digest is success; an immutable tag holding another digest is a
 * clear error naming both.
 */
export async function ecrRetag(ecr: ECRClient, req: RetagRequest): Promise<RetagResult> {
  const where = `${req.repositoryName}@${req.sourceDigest}`;
  let got;
  try {
    got = await ecr.send(
      new BatchGetImageCommand({
        registryId: req.registryId,
        repositoryName: req.repositoryName,
        imageIds: [{ imageDigest: req.sourceDigest }],
        acceptedMediaTypes: MANIFEST_ACCEPT.split(', '),
      }),
    );
  } catch (e) {
    throw awsError(e, `BatchGetImage ${where}`);
  }
  const image = got.images?.[0];
  if (!image?.imageManifest) {
    const reason = got.failures?.[0]?.failureReason ?? 'image not found';
    throw new ServiceError('Amazon ECR', `BatchGetImage ${where}: ${reason}`, 'Check that the source digest exists in this repository');
  }
  try {
    await ecr.send(
      new PutImageCommand({
        registryId: req.registryId,
        repositoryName: req.repositoryName,
        imageManifest: image.imageManifest,
        imageManifestMediaType: image.imageManifestMediaType,
        imageTag: req.tag,
        imageDigest: req.sourceDigest,
      }),
    );
    return 'tagged';
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'ImageAlreadyExistsException') return 'already-tagged';
    if (name === 'ImageTagAlreadyExistsException') {
      const current = await digestOfTag(ecr, req);
      if (current === req.sourceDigest) return 'already-tagged';
      throw new ServiceError(
        'Amazon ECR',
        `tag '${req.tag}' in immutable repository ${req.repositoryName} already holds ${current ?? 'another digest'}, not ${req.sourceDigest}`,
        'Promote under a new tag; immutable tags cannot be moved',
      );
    }
    throw awsError(e, `PutImage ${req.repositoryName}:${req.tag}`);
  }
}

async function digestOfTag(ecr: ECRClient, req: RetagRequest): Promise<string | undefined> {
  try {
    const r = await ecr.send(new DescribeImagesCommand({ registryId: req.registryId, repositoryName: req.repositoryName, imageIds: [{ imageTag: req.tag }] }));
    return r.imageDetails?.[0]?.imageDigest;
  } catch {
    return undefined;
  }
}

/**
 * Makes sure an ECR repository exists; new ones scan on push and have immutable tags.
 * Returns whether it was created.
 */
export async function ensureRepository(ecr: ECRClient, repositoryName: string, registryId?: string): Promise<boolean> {
  try {
    await ecr.send(new DescribeRepositoriesCommand({ registryId, repositoryNames: [repositoryName] }));
    return false;
  } catch (e) {
    if ((e as Error).name !== 'RepositoryNotFoundException') throw awsError(e, `DescribeRepositories ${repositoryName}`);
  }
  try {
    await ecr.send(
      new CreateRepositoryCommand({
        registryId,
        repositoryName,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: 'IMMUTABLE',
      }),
    );
    return true;
  } catch (e) {
    // Another job created it between our two calls: that is what we wanted.
    if ((e as Error).name === 'RepositoryAlreadyExistsException') return false;
    throw awsError(e, `CreateRepository ${repositoryName}`);
  }
}

function awsError(e: unknown, what: string): ServiceError {
  if (e instanceof ServiceError) return e;
  const err = e as Error;
  const hint = /AccessDenied|UnrecognizedClient|InvalidSignature|ExpiredToken|CredentialsProvider/i.test(`${err.name} ${err.message}`)
    ? 'Check the AWS credentials (e.g. aws-actions/configure-aws-credentials) and the IAM permissions for ECR'
    : undefined;
  return new ServiceError('Amazon ECR', `${what} failed: ${err.name}: ${err.message}`, hint);
}
