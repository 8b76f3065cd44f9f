/**
 * Wiring. The registry client and the AWS SDK are loaded only when the step pushes: most of
 * the bundle is the SDK, and the build and scan need none of it (start-up is a bench number).
 */
import { actionMain } from '../toolkit/action-main';
import { exec } from '../toolkit/exec';
import { ServiceError } from '../toolkit/errors';
import { actionsToolCache } from '../toolkit/tool-cache';
import { INPUTS, parseInputs } from './inputs';
import { run } from './run';

const registryModules = async () => {
  const [{ ECRClient }, client, ecr] = await Promise.all([import('@aws-sdk/client-ecr'), import('../toolkit/registry/client'), import('../toolkit/registry/ecr')]);
  const clients = new Map<string, InstanceType<typeof ECRClient>>();
  const ecrFor = (region: string) => clients.get(region) ?? clients.set(region, new ECRClient({ region })).get(region)!;
  return { ...client, ...ecr, ecrFor };
};

void actionMain(Object.keys(INPUTS), parseInputs, (inputs, reporter) =>
  run(
    inputs,
    {
      exec,
      toolCache: actionsToolCache,
      env: process.env,
      now: () => new Date(),
      openRegistry: async (i, r) => {
        const m = await registryModules();
        const onEcr = m.isEcrHost(i.repository.registry);
        return m.createRegistryClient({
          reporter: r,
          insecureRegistries: i.insecureRegistries,
          ecr: onEcr ? m.createEcrCredentialProvider({ clientFor: (region) => m.ecrFor(i.awsRegion ?? region), reporter: r }) : undefined,
        });
      },
      ensureRepository: async (i, r) => {
        const m = await registryModules();
        const onEcr = m.isEcrHost(i.repository.registry);
        if (!onEcr) {
          r.warning(`create-repository applies to Amazon ECR only; ${i.repository.registry} creates repositories on first push`);
          return;
        }
        const region = i.awsRegion ?? onEcr.region;
        if (!region) throw new ServiceError('Amazon ECR', 'no region', 'Set aws-region');
        const created = await m.ensureRepository(m.ecrFor(region), i.repository.repository, onEcr.accountId);
        r.info(created ? `Created ECR repository ${i.repository.repository} (scan on push, immutable tags)` : `ECR repository ${i.repository.repository} exists`);
      },
    },
    reporter,
  ),
);
