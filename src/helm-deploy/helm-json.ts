/**
 * Parsers for what `helm … -o json` prints. Helm is inconsistent: `history` writes the
 * revision as a number, `list` as a string; both become numbers here, and anything else
 * is refused rather than guessed (fail closed).
 */
import { ServiceError } from '../toolkit/errors';

export interface HistoryEntry {
  revision: number;
  updated: string;
  status: string;
  chart: string;
  appVersion: string;
  description: string;
  /** Set on a revision that Helm created by rolling back to this earlier revision. */
  rollbackRevision?: number;
}

export interface ListedRelease {
  name: string;
  namespace: string;
  revision: number;
  status: string;
  chart: string;
}

export interface ReleaseStatus {
  name: string;
  namespace: string;
  status: string;
  notes?: string;
}

function json(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ServiceError('helm', `${what} did not print JSON: ${text.trim().slice(0, 120)}`, 'Check the helm version; Shipline needs Helm 3.8 or newer');
  }
}

function revisionNumber(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
    throw new ServiceError('helm', `${what} printed revision ${JSON.stringify(value)}`, 'Expected a positive whole number');
  return n;
}

function str(o: Record<string, unknown>, key: string): string {
  return typeof o[key] === 'string' ? (o[key] as string) : '';
}

export function parseHistory(text: string): HistoryEntry[] {
  const data = json(text, 'helm history');
  if (!Array.isArray(data)) throw new ServiceError('helm', 'helm history did not print a list');
  return data
    .map((e: Record<string, unknown>): HistoryEntry => ({
      revision: revisionNumber(e.revision, 'helm history'),
      updated: str(e, 'updated'),
      status: str(e, 'status'),
      chart: str(e, 'chart'),
      appVersion: str(e, 'app_version'),
      description: str(e, 'description'),
      rollbackRevision: e.rollback_revision === undefined ? undefined : revisionNumber(e.rollback_revision, 'helm history'),
    }))
    .sort((a, b) => a.revision - b.revision);
}

export function parseList(text: string): ListedRelease[] {
  const data = json(text, 'helm list');
  if (!Array.isArray(data)) throw new ServiceError('helm', 'helm list did not print a list');
  return data.map((e: Record<string, unknown>) => ({
    name: str(e, 'name'),
    namespace: str(e, 'namespace'),
    revision: revisionNumber(e.revision, 'helm list'),
    status: str(e, 'status'),
    chart: str(e, 'chart'),
  }));
}

export function parseStatus(text: string): ReleaseStatus {
  const data = json(text, 'helm status') as { name?: unknown; namespace?: unknown; info?: { status?: unknown; notes?: unknown } };
  if (!data || typeof data !== 'object' || typeof data.info?.status !== 'string') throw new ServiceError('helm', 'helm status printed no info.status');
  return {
    name: String(data.name ?? ''),
    namespace: String(data.namespace ?? ''),
    status: data.info.status,
    notes: typeof data.info.notes === 'string' ? data.info.notes : undefined,
  };
}

/** The first http(s) URL in the chart's NOTES, which is how a chart "exposes" its address. */
export function releaseUrl(status: ReleaseStatus): string | undefined {
  const m = /https?:\/\/[^\s"'<>`]+/.exec(status.notes ?? '');
  return m ? m[0].replace(/[.,;)]+$/, '') : undefined;
}

/** Reads a dotted key (`image.digest`) out of `helm get values -o json`. */
export function valueAt(values: unknown, key: string): unknown {
  let cur: unknown = values;
  for (const part of key.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
