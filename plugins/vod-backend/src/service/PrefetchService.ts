import { createHash, randomUUID } from 'node:crypto';
import type {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  NotAllowedError,
  NotFoundError,
} from '@backstage/errors';
import {
  getVodAccount,
  MAX_URLS_PER_VOD_TASK,
  Prefetch,
  isPrefetchEnded,
  PrefetchList,
  PrefetchPlan,
  prefetchFingerprint,
  Quota,
  VOD_PREFETCHES_CHANNEL,
} from '@mediaops/backstage-plugin-vod-common';
import type { Request } from 'express';
import type {
  PrefetchCursor,
  PrefetchFilter,
  VodStore,
} from '../database/VodStore';
import type { CatalogLookup } from './CatalogLookup';
import type { VodConfig } from './config';
import type { Dispatcher } from './Dispatcher';
import { QuotaExceededError, TooManyWaitsError } from './errors';
import type { PrefetchAccess } from './PrefetchAccess';
import type { PrefetchSignals } from './PrefetchSignals';
import type { QuotaLedger } from './QuotaLedger';
import type { CreatePrefetchInput, TargetResolver } from './TargetResolver';
import type { VodAccounts } from './VodAccounts';

export interface PrefetchServiceDeps {
  store: VodStore;
  accounts: VodAccounts;
  quota: QuotaLedger;
  dispatcher: Dispatcher;
  targets: TargetResolver;
  access: PrefetchAccess;
  catalog: CatalogLookup;
  auditor: AuditorService;
  config: VodConfig;
  signals: Pick<PrefetchSignals, 'entityChannel'>;
  now: () => number;
}

/** A waiting read looks at the database at least this often (for other instances' changes). */
const RECHECK_MS = 1_000;
/** Waiting reads one caller may hold open at once; more are refused (429). */
const MAX_WAITS_PER_CALLER = 20;

/** A list page is filled from at most this many reads of the table. */
const MAX_LIST_ROUNDS = 10;
/** Entities known to be hidden from the reader, left out in the query, at most. */
const MAX_EXCLUDED = 500;

/**
 * Every prefetch goes through here, whichever route or action asked: resolve and authorize the
 * target (TargetResolver), record it with its quota in one transaction (the outbox), and hand it
 * to the dispatcher; and every read, filtered by what the caller may see (PrefetchAccess).
 */
export class PrefetchService {
  constructor(private readonly deps: PrefetchServiceDeps) {}

  async create(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
    options: {
      /** Idempotency-Key; `ttlMs` defaults to `vod.idempotencyKeyTtl`. */
      idempotency?: { key: string; ttlMs?: number };
      /** The HTTP request it came with: the audit event takes its caller and address from it. */
      request?: Request;
    } = {},
  ): Promise<{ prefetch: Prefetch; replayed: boolean }> {
    const { store, now, access } = this.deps;
    const createdBy = access.principalRef(credentials);
    // Audited from the start, so that a refused create says who asked for what, and why not.
    const event = await this.audit('prefetch-create', input, createdBy, {
      request: options.request,
      severityLevel: 'medium',
    });
    try {
      const target = await this.deps.targets.resolve(input, credentials);
      const { account, entityRef, assetId, urls } = target;
      const at = now();
      const tasks = tasksOf(target);
      const { idempotency } = options;
      const result = await store.createPrefetch({
        id: randomUUID(),
        account: account.config.name,
        projectId: account.config.projectId,
        entityRef,
        assetId,
        urls,
        createdBy,
        now: at,
        quotaDay: this.deps.quota.dayOf(at),
        quotaLimit: account.config.dailyQuota,
        tasks,
        idempotency: idempotency && {
          key: idempotency.key,
          requestHash: hashRequest({
            account: account.config.name,
            entityRef,
            assetId,
            urls,
          }),
          expiresAt:
            at + (idempotency.ttlMs ?? this.deps.config.idempotencyKeyTtlMs),
        },
      });
      if (result.kind === 'key-conflict') {
        throw new ConflictError(
          'Idempotency-Key: this key was already used with a different request; use a new key',
        );
      }
      if (result.kind === 'over-quota') {
        throw this.overQuota(account.config, result.used, unitsOf(tasks), at);
      }
      await event.success({
        meta: {
          prefetchId: result.prefetch.id,
          replayed: result.kind === 'replayed',
          entityRef: entityRef ?? null,
          account: account.config.name,
        },
      });
      void this.deps.dispatcher.wake(account.config.name);
      return {
        prefetch: result.prefetch,
        replayed: result.kind === 'replayed',
      };
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { reason: (error as Error).name ?? 'Error' },
      });
      throw error;
    }
  }

  /**
   * What `create` would do, checked as it checks (permission, binding, allow-list, quota), with
   * nothing recorded and nothing sent: for dry runs and confirmation dialogs.
   */
  async plan(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
    options: { request?: Request } = {},
  ): Promise<PrefetchPlan> {
    // Audited too: a dry run says whether an entity or asset exists and may be prefetched.
    const event = await this.audit(
      'prefetch-plan',
      input,
      this.deps.access.principalRef(credentials),
      { request: options.request, severityLevel: 'low' },
    );
    try {
      const plan = await this.planChecked(input, credentials);
      await event.success({
        meta: { account: plan.account, units: plan.units },
      });
      return plan;
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { reason: (error as Error).name ?? 'Error' },
      });
      throw error;
    }
  }

  /** An audit event of a create or a dry run, with who asked for what. */
  private audit(
    eventId: 'prefetch-create' | 'prefetch-plan',
    input: CreatePrefetchInput,
    actor: string,
    options: { request?: Request; severityLevel: 'low' | 'medium' },
  ) {
    return this.deps.auditor.createEvent({
      eventId,
      request: options.request,
      severityLevel: options.severityLevel,
      meta: {
        actor,
        asked: {
          entityRef: input.entityRef ?? null,
          assetId: input.assetId ?? null,
          urls: input.urls ?? null,
          account: input.account ?? null,
        },
      },
    });
  }

  private async planChecked(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchPlan> {
    const target = await this.deps.targets.resolve(input, credentials);
    const { account, entityRef, assetId, urls } = target;
    const tasks = tasksOf(target);
    const units = unitsOf(tasks);
    const at = this.deps.now();
    const quota = await this.deps.quota.quota(
      account.config.name,
      account.config.dailyQuota,
      at,
    );
    // The account's figures only for whom GET /quota would give them.
    const mayReadQuota = entityRef
      ? (await this.deps.access.entityReadAccess(entityRef, credentials)) ===
        'allowed'
      : await this.deps.access.mayReadAccounts(credentials);
    if (units > quota.remaining) {
      throw mayReadQuota
        ? this.overQuota(account.config, quota.used, units, at)
        : new QuotaExceededError(
            `The daily prefetch quota of account ${
              account.config.name
            } cannot take this prefetch of ${units}. It resets at ${this.deps.quota
              .resetsAt(at)
              .toISOString()}.`,
          );
    }
    return {
      dryRun: true,
      account: account.config.name,
      ...(entityRef && { entityRef }),
      ...(assetId && { assetId }),
      ...(urls && { urls }),
      units,
      vodCalls: tasks.length,
      ...(mayReadQuota && { quota }),
    };
  }

  private overQuota(
    account: { name: string; dailyQuota: number },
    used: number,
    units: number,
    at: number,
  ) {
    return new QuotaExceededError(
      `The daily prefetch quota of account ${
        account.name
      } is used up: ${used} of ${
        account.dailyQuota
      } used, this prefetch needs ${units}. It resets at ${this.deps.quota
        .resetsAt(at)
        .toISOString()}.`,
    );
  }

  /**
   * A prefetch the caller may read, once it shows something other than `seen` (its
   * `prefetchFingerprint`): at once when it has ended, otherwise not before `minWaitMs` (so a
   * watcher asks at most that often), and as it is after `timeoutMs`. The caller's right is
   * checked once; the prefetch is then read again on each change this instance records, and
   * every second for changes recorded by other instances (one read shared by all its waiters).
   * A caller may hold MAX_WAITS_PER_CALLER open at once.
   */
  async waitForChange(
    id: string,
    seen: string,
    options: {
      credentials: BackstageCredentials;
      timeoutMs: number;
      minWaitMs: number;
      signal?: AbortSignal;
    },
  ): Promise<Prefetch> {
    const caller = this.deps.access.principalRef(options.credentials);
    const open = this.openWaits.get(caller) ?? 0;
    if (open >= MAX_WAITS_PER_CALLER) {
      throw new TooManyWaitsError(
        `You have ${open} waiting reads open, the most one caller may; ask again once one has answered`,
      );
    }
    this.openWaits.set(caller, open + 1);
    try {
      return await this.waitUntilChanged(id, seen, options);
    } finally {
      const left = (this.openWaits.get(caller) ?? 1) - 1;
      if (left > 0) this.openWaits.set(caller, left);
      else this.openWaits.delete(caller);
    }
  }

  /** Waiting reads open per caller (`createdBy`'s form). */
  private readonly openWaits = new Map<string, number>();

  private async waitUntilChanged(
    id: string,
    seen: string,
    options: {
      credentials: BackstageCredentials;
      timeoutMs: number;
      minWaitMs: number;
      signal?: AbortSignal;
    },
  ): Promise<Prefetch> {
    const start = this.deps.now();
    let prefetch = await this.get(id, options.credentials);
    // Watching from here on, so that no change slips by while a read is under way.
    const watcher: Watcher = { woken: false };
    const watchers = this.watchers.get(id) ?? new Set();
    this.watchers.set(id, watchers.add(watcher));
    try {
      for (;;) {
        const changed = prefetchFingerprint(prefetch) !== seen;
        const waited = this.deps.now() - start;
        if (
          isPrefetchEnded(prefetch.status) ||
          (changed && waited >= options.minWaitMs) ||
          waited >= options.timeoutMs ||
          options.signal?.aborted
        ) {
          return prefetch;
        }
        await nextWake(
          watcher,
          Math.min(
            RECHECK_MS,
            (changed ? options.minWaitMs : options.timeoutMs) - waited,
          ),
          options.signal,
        );
        const fresh = await this.reread(id);
        if (!fresh) return prefetch; // pruned meanwhile
        prefetch = fresh;
      }
    } finally {
      watchers.delete(watcher);
      if (watchers.size === 0) this.watchers.delete(id);
    }
  }

  /**
   * The prefetch as recorded now, one database read shared by every waiting read of it that asks
   * within a recheck (a change this instance records starts a new one).
   */
  private reread(id: string): Promise<Prefetch | undefined> {
    const at = this.deps.now();
    const shared = this.rereads.get(id);
    if (shared && at - shared.at < RECHECK_MS / 2) return shared.read;
    const read = this.deps.store
      .getPrefetch(id)
      .then(async p => (p ? (await this.withProgress([p]))[0] : undefined));
    this.rereads.set(id, { at, read });
    const forget = () => {
      if (this.rereads.get(id)?.read === read) this.rereads.delete(id);
    };
    read.then(() => setTimeout(forget, RECHECK_MS / 2).unref(), forget);
    return read;
  }

  private readonly rereads = new Map<
    string,
    { at: number; read: Promise<Prefetch | undefined> }
  >();

  /** Wakes whoever waits for these prefetches (the store's announcements after commit). */
  changed(changes: Array<{ id: string }>): void {
    for (const { id } of changes) {
      this.rereads.delete(id); // a read from before the change is not shared on
      for (const watcher of this.watchers.get(id) ?? []) {
        watcher.woken = true;
        watcher.wake?.();
      }
    }
  }

  private readonly watchers = new Map<string, Set<Watcher>>();

  async get(id: string, credentials: BackstageCredentials): Promise<Prefetch> {
    const prefetch = await this.deps.store.getPrefetch(id);
    const access = prefetch
      ? await this.deps.access.readAccess(prefetch, credentials)
      : 'hidden';
    if (access === 'hidden')
      throw new NotFoundError(`There is no prefetch ${id}`);
    if (access === 'denied') {
      throw new NotAllowedError(
        prefetch!.entityRef
          ? `You may not see the prefetches of ${
              prefetch!.entityRef
            } (vod.prefetch.read)`
          : 'You may not see prefetches that belong to no catalog entity and that you did not start (vod.prefetch.adhoc.read)',
      );
    }
    return (await this.withProgress([prefetch!]))[0];
  }

  /** Adds what a progress bar and a queue position need, for the pages' prefetches at once. */
  private async withProgress(items: Prefetch[]): Promise<Prefetch[]> {
    if (items.length === 0) return items;
    const pending = items.filter(p => p.status === 'pending').map(p => p.id);
    const [progress, positions] = await Promise.all([
      this.deps.store.progressOf(items.map(p => p.id)),
      this.deps.store.queuePositions(pending),
    ]);
    return items.map(item => {
      const done = progress.get(item.id);
      const position = positions.get(item.id);
      return {
        ...item,
        ...(done && { progress: done }),
        ...(position && { queuePosition: position }),
      };
    });
  }

  /**
   * A page of the prefetches the caller may see, newest first. Where the policy decides per
   * entity, each round's new entities are asked about in one request (decisions are reused), and
   * the entities found hidden are left out of the next round's query, until the page is full.
   * The cursor is the position of the page's last row, so pages never overlap or skip.
   */
  async list(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: string },
    credentials: BackstageCredentials,
  ): Promise<PrefetchList> {
    const [list, channel] = await Promise.all([
      this.page(filter, page, credentials),
      this.channelOf(filter.entityRef, credentials),
    ]);
    return channel ? { ...list, channel } : list;
  }

  /**
   * The signal channel of a list: an entity's, only to those who may read its prefetches; for
   * any other list, the one that names no prefetch.
   */
  private async channelOf(
    entityRef: string | undefined,
    credentials: BackstageCredentials,
  ): Promise<string | undefined> {
    if (entityRef === undefined) return VOD_PREFETCHES_CHANNEL;
    const access = await this.deps.access.entityReadAccess(
      entityRef,
      credentials,
    );
    return access === 'allowed'
      ? this.deps.signals.entityChannel(entityRef)
      : undefined;
  }

  private async page(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: string },
    credentials: BackstageCredentials,
  ): Promise<PrefetchList> {
    const { store, access } = this.deps;
    const { visibility, perEntity } = await access.listAccess(credentials);
    const hidden = new Set<string>();
    const items: Prefetch[] = [];
    let cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    for (let round = 0; round < MAX_LIST_ROUNDS; round++) {
      const batch = await store.listPrefetches(
        filter,
        { limit: page.limit - items.length, cursor },
        perEntity
          ? {
              ...visibility,
              entities: { except: [...hidden].slice(0, MAX_EXCLUDED) },
            }
          : visibility,
      );
      let readable: Set<string> | undefined;
      if (perEntity) {
        const refs = [
          ...new Set(
            batch.items.flatMap(p => (p.entityRef ? [p.entityRef] : [])),
          ),
        ];
        readable = await access.readableEntities(refs, credentials);
        refs.filter(ref => !readable!.has(ref)).forEach(ref => hidden.add(ref));
      }
      for (const prefetch of batch.items) {
        if (
          !prefetch.entityRef ||
          !readable ||
          readable.has(prefetch.entityRef)
        ) {
          items.push(prefetch);
        }
      }
      const last = batch.items[batch.items.length - 1];
      if (!batch.next) return { items: await this.withProgress(items) };
      cursor = cursorOf(last);
      if (items.length >= page.limit) break;
    }
    // Full, or a long run of hidden rows: the next page goes on from the last row read.
    return {
      items: await this.withProgress(items),
      nextCursor: encodeCursor(cursor!),
    };
  }

  async quota(
    at: { account?: string; entityRef?: string },
    credentials: BackstageCredentials,
  ): Promise<Quota> {
    let name = at.account;
    if (at.entityRef) {
      name = await this.accountOfReadableEntity(
        at.entityRef,
        at.account,
        credentials,
      );
    } else if (!(await this.deps.access.mayReadAccounts(credentials))) {
      throw mayNotReadAccounts();
    }
    name ??= this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(name);
    if (!account) {
      throw new InputError(`account: there is no VOD account named "${name}"`);
    }
    return this.deps.quota.quota(
      name,
      account.config.dailyQuota,
      this.deps.now(),
    );
  }

  async accounts(credentials: BackstageCredentials) {
    if (!(await this.deps.access.mayReadAccounts(credentials))) {
      throw mayNotReadAccounts();
    }
    return this.deps.accounts.summaries();
  }

  /** The account of an entity whose prefetches the caller may read (for its card's quota). */
  private async accountOfReadableEntity(
    ref: string,
    asked: string | undefined,
    credentials: BackstageCredentials,
  ): Promise<string> {
    const [entity, access] = await Promise.all([
      this.deps.catalog.entity(ref),
      this.deps.access.entityReadAccess(ref, credentials),
    ]);
    if (!entity || access === 'hidden') {
      throw new NotFoundError(
        `entityRef: there is no entity ${ref} (or you may not see it)`,
      );
    }
    if (access === 'denied') {
      throw new NotAllowedError(
        `You may not see the prefetches of ${ref} (vod.prefetch.read)`,
      );
    }
    const name = getVodAccount(entity) ?? this.deps.accounts.defaultAccount;
    if (asked !== undefined && asked !== name) {
      throw new InputError(
        `account: ${ref} is prefetched with account ${name}`,
      );
    }
    return name;
  }
}

function mayNotReadAccounts() {
  return new NotAllowedError(
    'You may not see the VOD accounts or their quota (vod.prefetch.read or vod.prefetch.adhoc.read)',
  );
}

/** The VOD calls of a target: an asset in one, URLs 10 a call; a unit per asset or URL. */
function tasksOf(target: { assetId?: string; urls?: string[] }) {
  return target.assetId
    ? [{ units: 1 }]
    : chunk(target.urls!, MAX_URLS_PER_VOD_TASK).map(part => ({
        urls: part,
        units: part.length,
      }));
}

function unitsOf(tasks: Array<{ units: number }>): number {
  return tasks.reduce((sum, t) => sum + t.units, 0);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(items.slice(i, i + size));
  return out;
}

function hashRequest(request: object): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}

function cursorOf(prefetch: Prefetch): PrefetchCursor {
  return { createdAt: Date.parse(prefetch.createdAt), id: prefetch.id };
}

function encodeCursor(cursor: PrefetchCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString(
    'base64url',
  );
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A cursor this API returned: a whole, non-negative time in ms and a prefetch id. */
function decodeCursor(value: string): PrefetchCursor {
  try {
    const decoded = JSON.parse(
      Buffer.from(value, 'base64url').toString('utf8'),
    );
    if (Array.isArray(decoded) && decoded.length === 2) {
      const [createdAt, id] = decoded;
      if (
        Number.isSafeInteger(createdAt) &&
        createdAt >= 0 &&
        typeof id === 'string' &&
        UUID.test(id)
      ) {
        return { createdAt, id };
      }
    }
  } catch {
    // reported below
  }
  throw new InputError('cursor: not a cursor this API returned');
}

/** A waiting read's view of the changes of its prefetch. */
interface Watcher {
  /** A change came since the last read began. */
  woken: boolean;
  /** Ends the current wait, if one is under way. */
  wake?: () => void;
}

/** Resolves at once if a change came since the last read, else on one, after `ms`, or on abort. */
function nextWake(watcher: Watcher, ms: number, signal?: AbortSignal) {
  return new Promise<void>(resolve => {
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      watcher.wake = undefined;
      watcher.woken = false; // the read that follows sees the change
      resolve();
    };
    timer = setTimeout(done, watcher.woken ? 0 : Math.max(0, ms));
    signal?.addEventListener('abort', done);
    watcher.wake = done;
  });
}
