// What the resilience benches look at: the simulator's own records (its call log and tasks: what
// VOD received) and the vod plugin's tables (what the portal recorded).
import type { Knex } from 'knex';
import type { Simulator } from '../lib/portal';

export interface SimCall {
  at: string;
  route: string;
  status: number;
  query: string;
  taskId?: string;
  errorCode?: string;
  fault?: string;
}

export interface SimTask {
  taskId: string;
  assetId?: string;
  urls: Array<{ url: string; doneAt: number; fails: boolean }>;
}

export async function simCalls(sim: Simulator): Promise<SimCall[]> {
  return (await (await fetch(`${sim.url}/admin/calls`)).json()).calls;
}

export async function simTasks(sim: Simulator): Promise<SimTask[]> {
  return (await (await fetch(`${sim.url}/admin/tasks`)).json()).tasks;
}

export interface OurTask {
  prefetchId: string;
  status: string;
  taskId?: string;
  key: string;
  units: number;
  sendCount: number;
  possibleDuplicate: boolean;
}

export interface Recorded {
  prefetches: Array<{ id: string; status: string; possibleDuplicate: boolean }>;
  tasks: OurTask[];
  quotaUsed: number;
}

const TERMINAL = ['succeeded', 'failed', 'partially_failed', 'expired'];

export async function recorded(knex: Knex): Promise<Recorded> {
  const prefetches = (
    await knex('vod_prefetches').select('id', 'status', 'possible_duplicate')
  ).map(p => ({
    id: p.id,
    status: p.status,
    possibleDuplicate: Boolean(p.possible_duplicate),
  }));
  const tasks = (
    await knex('vod_tasks')
      .join('vod_prefetches', 'vod_prefetches.id', 'vod_tasks.prefetch_id')
      .select(
        'vod_tasks.prefetch_id',
        'vod_tasks.status',
        'vod_tasks.task_id',
        'vod_tasks.urls',
        'vod_tasks.units',
        'vod_tasks.send_count',
        'vod_tasks.possible_duplicate',
        'vod_prefetches.asset_id',
      )
  ).map(t => ({
    prefetchId: t.prefetch_id,
    status: t.status,
    taskId: t.task_id ?? undefined,
    key: t.urls
      ? `u:${JSON.parse(t.urls).join(' ')}`
      : `a:${t.asset_id as string}`,
    units: Number(t.units),
    sendCount: Number(t.send_count),
    possibleDuplicate: Boolean(t.possible_duplicate),
  }));
  const [{ used }] = await knex('vod_quota_usage').sum({ used: 'used' });
  return { prefetches, tasks, quotaUsed: Number(used ?? 0) };
}

export const isTerminal = (status: string) => TERMINAL.includes(status);

/**
 * VOD's tasks that none of our tasks names (created by a call whose answer was lost), and whether
 * each is accounted for: a task of ours marked a possible duplicate of the same target may stand
 * for as many VOD tasks as it made calls, any other for one.
 */
export function extraCreates(ours: OurTask[], vod: SimTask[]) {
  const known = new Set(ours.flatMap(t => (t.taskId ? [t.taskId] : [])));
  const extras = vod.filter(t => !known.has(t.taskId)).length;
  const made = new Map<string, number>();
  for (const task of vod)
    made.set(keyOf(task), (made.get(keyOf(task)) ?? 0) + 1);
  let unmarked = 0;
  for (const [key, n] of made) {
    const allowed = ours
      .filter(t => t.key === key)
      .reduce(
        (sum, t) =>
          sum + (t.possibleDuplicate ? t.sendCount : Math.min(t.sendCount, 1)),
        0,
      );
    unmarked += Math.max(0, n - allowed);
  }
  const vodIds = new Set(vod.map(t => t.taskId));
  return {
    extra: extras,
    /** VOD tasks of a target beyond what our tasks of it may stand for. */
    unmarked,
    /** Our tasks with a VOD task id VOD does not know: 0 unless a record is wrong. */
    missing: [...known].filter(id => !vodIds.has(id)).length,
  };
}

/** What a VOD task prefetches, as OurTask.key says it. */
export const keyOf = (task: SimTask) =>
  task.assetId
    ? `a:${task.assetId}`
    : `u:${task.urls.map(u => u.url).join(' ')}`;

/**
 * Units the portal counted for calls of possible duplicates (each call of theirs counts: VOD counts
 * every call it receives), which VOD may not have received.
 */
export const duplicateUnits = (ours: OurTask[]) =>
  ours
    .filter(t => t.possibleDuplicate)
    .reduce((sum, t) => sum + t.units * t.sendCount, 0);

/** The portal's quota against VOD's: equal, or more by no more than what may be duplicated. */
export function quotaJudged(portal: number, vod: number, ours: OurTask[]) {
  const slack = duplicateUnits(ours);
  return judged(
    portal >= vod && portal - vod <= slack,
    `goal: equal, or more by at most the ${slack} unit(s) counted for the calls of possible duplicates (a call whose answer was lost may or may not have reached VOD; the portal counts it)`,
  );
}

/** VOD's own count of quota units: one per asset, one per URL. */
export const vodUnits = (tasks: SimTask[]) =>
  tasks.reduce((sum, t) => sum + (t.assetId ? 1 : t.urls.length), 0);

/** Most calls of `route` that reached VOD in any rolling minute. */
export function busiestMinute(calls: SimCall[], route: string): number {
  const times = calls
    .filter(c => c.route === route)
    .map(c => Date.parse(c.at))
    .sort((a, b) => a - b);
  let most = 0;
  for (let head = 0, tail = 0; head < times.length; head++) {
    while (times[head] - times[tail] >= 60_000) tail++;
    most = Math.max(most, head - tail + 1);
  }
  return most;
}

/** 429s VOD answered for its rate limit (not injected as faults). */
export const throttled = (calls: SimCall[]) =>
  calls.filter(c => c.status === 429 && !c.fault).length;

export function printTable(
  title: string,
  rows: Array<[string, string | number, string]>,
) {
  console.log(`\n${title}`);
  const width = Math.max(...rows.map(([name]) => name.length));
  for (const [name, value, goal] of rows) {
    console.log(
      `  ${name.padEnd(width)}  ${String(value).padStart(8)}  ${goal}`,
    );
  }
}

/** `MET`/`MISSED` for a figure against its goal. */
export const judged = (met: boolean, goal: string) =>
  `${goal} ${met ? 'MET' : 'MISSED'}`;

/** Queries of one VOD task less than `ms` after the previous query of it. */
export function doublePolls(calls: SimCall[], ms: number): number {
  const last = new Map<string, number>();
  let twice = 0;
  for (const call of calls.filter(c => c.route === 'query')) {
    const task = new URLSearchParams(call.query).get('task_id') ?? '';
    const at = Date.parse(call.at);
    if (at - (last.get(task) ?? -Infinity) < ms) twice++;
    last.set(task, at);
  }
  return twice;
}
