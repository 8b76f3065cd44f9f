/**
 * The task definition to register: read from a file (a hand-written RegisterTaskDefinition
 * input or a copy of `aws ecs describe-task-definition` output) or taken from the service,
 * cleaned of describe-only keys, with the new images and environment written in.
 * API: ECS RegisterTaskDefinition / DescribeTaskDefinition (JSON 1.1, camelCase members).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../toolkit/errors';
import { jsonErrorAt } from './json-position';

/** A task definition as JSON: RegisterTaskDefinition's request members (plus whatever describe added). */
export type TaskDefinitionJson = Record<string, unknown> & { family?: string; containerDefinitions?: ContainerDefinitionJson[] };
export type ContainerDefinitionJson = Record<string, unknown> & {
  name?: string;
  image?: string;
  essential?: boolean;
  command?: string[];
  environment?: { name?: string; value?: string }[];
  logConfiguration?: { logDriver?: string; options?: Record<string, string> };
};

/**
 * Keys DescribeTaskDefinition returns that RegisterTaskDefinition refuses ("Unexpected key",
 * amazon-ecs-deploy-task-definition #22 and #701). They are dropped and the log names them.
 */
export const DESCRIBE_ONLY_KEYS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
  'deleteRequestedAt',
] as const;

/** The file's JSON, or an InputError naming the input with the line and column of a syntax error. */
export function readTaskDefinitionFile(input: string, file: string): TaskDefinitionJson {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InputError(input, `cannot read '${file}' (${code})`, 'Give the path of a task definition JSON file in the workspace');
  }
  return parseTaskDefinitionText(input, file, text);
}

export function parseTaskDefinitionText(input: string, file: string, text: string): TaskDefinitionJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const where = jsonErrorPosition(text);
    throw new InputError(
      input,
      where ? `'${file}' is not valid JSON${where}` : `'${file}' is not valid JSON: ${(e as Error).message.replace(/\s+/g, ' ').slice(0, 160)}`,
      'Fix the JSON (for example with `jq . file`) and try again',
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InputError(
      input,
      `'${file}' holds JSON but not an object`,
      'Give a task definition object, as RegisterTaskDefinition takes or describe-task-definition prints',
    );
  }
  // describe-task-definition prints {"taskDefinition": {...}, "tags": [...]}: accept that too.
  const obj = value as Record<string, unknown>;
  const inner = obj.taskDefinition;
  const td = (inner && typeof inner === 'object' && !Array.isArray(inner) ? inner : obj) as TaskDefinitionJson;
  if (!Array.isArray(td.containerDefinitions) || td.containerDefinitions.length === 0) {
    throw new InputError(input, `'${file}' has no containerDefinitions`, 'A task definition needs at least one container definition');
  }
  if (typeof td.family !== 'string' || td.family === '') {
    throw new InputError(input, `'${file}' has no family`, 'Set "family" to the task definition family to register a revision of');
  }
  return td;
}

/** " at line L column C" of the first JSON error, or "" when none is found. */
function jsonErrorPosition(text: string): string {
  if (text.trim() === '') return ' (the file is empty)';
  const at = jsonErrorAt(text);
  return at ? ` at line ${at.line} column ${at.column}` : '';
}

/**
 * RegisterTaskDefinition input from a task definition: describe-only keys and null values
 * dropped (returned in `dropped`, for the log). Tags from describe output are not carried.
 */
export function toRegisterInput(td: TaskDefinitionJson): { input: TaskDefinitionJson; dropped: string[] } {
  const dropped: string[] = [];
  const input: TaskDefinitionJson = {};
  for (const [key, value] of Object.entries(td)) {
    if ((DESCRIBE_ONLY_KEYS as readonly string[]).includes(key)) dropped.push(key);
    else if (value === null) dropped.push(`${key} (null)`);
    else input[key] = value;
  }
  return { input, dropped };
}

/** Container names, in order. */
export function containerNames(td: TaskDefinitionJson): string[] {
  return (td.containerDefinitions ?? []).map((c) => c.name ?? '');
}

/**
 * Writes each `images` entry into its container and each `environment` entry into its
 * container's environment (replacing a variable of the same name). Returns a new object.
 * `missing` lists named containers the task definition lacks (the caller makes the error).
 */
export function applyImagesAndEnvironment(
  td: TaskDefinitionJson,
  images: readonly { container: string; image: string }[],
  environment: readonly { container: string; name: string; value: string }[],
): { taskDefinition: TaskDefinitionJson; missing: string[] } {
  const copy = JSON.parse(JSON.stringify(td)) as TaskDefinitionJson;
  const byName = new Map((copy.containerDefinitions ?? []).map((c) => [c.name ?? '', c]));
  const missing = new Set<string>();
  for (const { container, image } of images) {
    const c = byName.get(container);
    if (c) c.image = image;
    else missing.add(container);
  }
  for (const { container, name, value } of environment) {
    const c = byName.get(container);
    if (!c) {
      missing.add(container);
      continue;
    }
    const env = (c.environment ?? []).filter((e) => e.name !== name);
    env.push({ name, value });
    c.environment = env;
  }
  return { taskDefinition: copy, missing: [...missing] };
}

/** The InputError for containers named in `input` that the task definition lacks. */
export function missingContainersError(input: string, missing: readonly string[], td: TaskDefinitionJson, where: string): InputError {
  return new InputError(
    input,
    `names container${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} that ${where} does not have (it has: ${containerNames(td).join(', ')})`,
    'Use the container names of the task definition',
  );
}

/** `sha256:...` of an image reference pinned by digest, else undefined. */
export function imageDigest(image: string | undefined): string | undefined {
  const m = /@(sha256:[a-f0-9]{64})$/.exec(image ?? '');
  return m?.[1];
}
