/**
 * Checks the edited file says what was promoted before anything is committed: a kustomization
 * is rendered by the real `kubectl kustomize` and some container must run `image@digest`; a
 * values file or manifest is parsed again and the path must hold the new value.
 */
import { isMap, isPair, isScalar, parseAllDocuments, visit } from 'yaml';
import { ServiceError } from '../toolkit/errors';
import { execOk, type Exec } from '../toolkit/exec';
import { scrubServiceText } from '../toolkit/secrets';
import { editManifest, type ImageEdit } from './edit';
import { formatYamlPath, resolveYamlPath, type PathSegment } from './yaml-path';

/** Every `image:` value in rendered manifests (containers, initContainers, ephemeralContainers, CRDs alike). */
export function renderedImages(yamlStream: string): string[] {
  const out: string[] = [];
  for (const doc of parseAllDocuments(yamlStream)) {
    visit(doc, {
      Pair(_k, pair) {
        if (isPair(pair) && isScalar(pair.key) && pair.key.value === 'image' && isScalar(pair.value)) out.push(String(pair.value.value));
      },
    });
  }
  return out;
}

/** Runs `kubectl kustomize <dir>` and requires `image@digest` among the rendered images. */
export async function verifyKustomize(exec: Exec, dir: string, image: string, digest: string): Promise<string[]> {
  let rendered: string;
  try {
    rendered = (await execOk(exec, 'kubectl', ['kustomize', dir], { timeoutMs: 120_000 })).stdout;
  } catch (e) {
    if (e instanceof ServiceError && e.system === 'kubectl' && /not found on PATH/.test(e.problem)) {
      throw new ServiceError(
        'kubectl',
        'is not on PATH, so the kustomization cannot be rendered to verify the edit',
        'Install kubectl (GitHub-hosted runners have it), or set verify: false',
      );
    }
    throw new ServiceError(
      'kubectl kustomize',
      `the edited kustomization does not build: ${scrubServiceText((e as Error).message)}`,
      'Fix the kustomization in the manifests repository; nothing was pushed',
    );
  }
  const images = renderedImages(rendered);
  const want = `${image}@${digest}`;
  if (!images.includes(want)) {
    const seen = [...new Set(images)].slice(0, 5).join(', ') || 'no image at all';
    throw new ServiceError(
      'kubectl kustomize',
      `the rendered manifests do not run ${want} (they run ${seen})`,
      "Check image-name: it must match the image as the kustomization's resources write it; nothing was pushed",
    );
  }
  return images;
}

/** Re-parses `text` and requires each path to hold its value. */
export function verifyValues(text: string, file: string, expected: readonly [PathSegment[], string][]): void {
  const docs = parseAllDocuments(text);
  for (const [path, value] of expected) {
    const found = docs.map((d) => resolveYamlPath(d, path).node).find((n) => n !== undefined);
    const got = isScalar(found) ? String(found.value) : isMap(found) ? '(a map)' : '(nothing)';
    if (got !== value)
      throw new ServiceError(
        'verify',
        `${file}: ${formatYamlPath(path)} reads ${got} after the edit, not ${value}`,
        'This is a bug in the edit; nothing was pushed',
      );
  }
}

/** Every setter of the policy holds its new value after the edit (applying it again changes nothing). */
export function verifySetters(text: string, file: string, edit: ImageEdit): void {
  if (editManifest(text, file, edit).changed)
    throw new ServiceError(
      'verify',
      `${file}: a ${edit.policy ?? ''} setter does not hold the new value after the edit`,
      'This is a bug in the edit; nothing was pushed',
    );
}

/** What each path of a helm-values / yaml-path edit must hold afterwards. */
export function expectedValues(edit: ImageEdit): [PathSegment[], string][] {
  const value = edit.value === 'digest' ? edit.digest : `${edit.image}@${edit.digest}`;
  return [...(edit.repositoryPath ? [[edit.repositoryPath, edit.image] as [PathSegment[], string]] : []), [edit.valuePath, value]];
}
