/**
 * Recognising Amazon ECR hosts, kept apart from ecr.ts so the registry client does not pull
 * the AWS SDK into every bundle: only actions that talk to ECR's API import ecr.ts.
 */

export interface EcrHost {
  accountId: string;
  region: string;
}

const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** `<account>.dkr.ecr.<region>.amazonaws.com` -> its account and region; undefined for other hosts. */
export function isEcrHost(host: string): EcrHost | undefined {
  const m = ECR_HOST.exec(host.toLowerCase());
  return m ? { accountId: m[1], region: m[2] } : undefined;
}

export interface EcrCredentialProvider {
  /** Basic credentials (user `AWS`) for an ECR host. */
  credentials(host: string): Promise<{ username: string; password: string }>;
}
