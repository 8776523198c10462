import type {
  Prefetch,
  PrefetchTask,
} from '@mediaops/backstage-plugin-vod-common';
import type { NewPrefetch, OutboxTask } from './VodStore';

/** A row as knex returns it. */
export type Row = Record<string, any>;

export function unitsOf(input: NewPrefetch): number {
  return input.tasks.reduce((sum, t) => sum + t.units, 0);
}

export function prefetchRow(input: NewPrefetch): Row {
  return {
    id: input.id,
    account: input.account,
    project_id: input.projectId,
    entity_ref: input.entityRef ?? null,
    asset_id: input.assetId ?? null,
    urls: input.urls ? JSON.stringify(input.urls) : null,
    status: 'pending',
    created_by: input.createdBy,
    created_at: input.now,
    updated_at: input.now,
    possible_duplicate: false,
    quota_day: input.quotaDay,
    quota_units: unitsOf(input),
  };
}

export function taskRows(input: NewPrefetch): Row[] {
  return input.tasks.map((task, seq) => ({
    prefetch_id: input.id,
    seq,
    urls: task.urls ? JSON.stringify(task.urls) : null,
    status: 'pending',
    units: task.units,
    quota_day: input.quotaDay,
    send_count: 0,
    possible_duplicate: false,
    poll_count: 0,
    updated_at: input.now,
  }));
}

/** What createPrefetch wrote, without reading it back. */
export function writtenPrefetch(input: NewPrefetch): Prefetch {
  return {
    id: input.id,
    status: 'pending',
    account: input.account,
    createdBy: input.createdBy,
    createdAt: new Date(input.now).toISOString(),
    updatedAt: new Date(input.now).toISOString(),
    possibleDuplicate: false,
    ...(input.entityRef && { entityRef: input.entityRef }),
    ...(input.assetId && { assetId: input.assetId }),
    ...(input.urls && { urls: input.urls }),
    tasks: input.tasks.map(task => ({
      status: 'pending' as const,
      results: [],
      ...(task.urls && { urls: task.urls }),
    })),
  };
}

export function parseUrls(value: unknown): string[] | undefined {
  return typeof value === 'string' ? JSON.parse(value) : undefined;
}

export function toPrefetch(row: Row): Prefetch {
  const prefetch: Prefetch = {
    id: row.id,
    status: row.status,
    account: row.account,
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    updatedAt: new Date(Number(row.updated_at)).toISOString(),
    possibleDuplicate: Boolean(row.possible_duplicate),
  };
  if (row.entity_ref) prefetch.entityRef = row.entity_ref;
  if (row.asset_id) prefetch.assetId = row.asset_id;
  const urls = parseUrls(row.urls);
  if (urls) prefetch.urls = urls;
  if (row.error_code) {
    prefetch.error = { code: row.error_code, message: row.error_message ?? '' };
  }
  return prefetch;
}

export function toTask(task: Row, results: Row[]): PrefetchTask {
  const out: PrefetchTask = {
    status: task.status === 'sending' ? 'pending' : task.status,
    results: results
      .filter(r => Number(r.task_row_id) === Number(task.id))
      .map(r => ({ url: r.url, status: r.status })),
  };
  if (task.task_id) out.taskId = task.task_id;
  const urls = parseUrls(task.urls);
  if (urls) out.urls = urls;
  if (task.error_code) {
    out.error = { code: task.error_code, message: task.error_message ?? '' };
  }
  return out;
}

export function toOutboxTask(row: Row): OutboxTask {
  return {
    rowId: Number(row.row_id),
    prefetchId: row.prefetch_id,
    account: row.account,
    assetId: row.asset_id ?? undefined,
    urls: parseUrls(row.urls),
    units: Number(row.units),
    sendCount: Number(row.send_count),
    possibleDuplicate: Boolean(row.possible_duplicate),
  };
}
