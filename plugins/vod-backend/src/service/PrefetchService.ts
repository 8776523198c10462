import { createHash, randomUUID } from 'node:crypto';
import type {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import {
  getVodAccount,
  Prefetch,
  PrefetchList,
  PrefetchPlan,
  Quota,
  VOD_PREFETCHES_CHANNEL,
} from '@mediaops/backstage-plugin-vod-common';
import type { JsonObject } from '@backstage/types';
import type { Request } from 'express';
import type { PrefetchFilter, VodStore } from '../database/VodStore';
import type { QuotaLedger } from '../quota/QuotaLedger';
import type { CatalogLookup } from './CatalogLookup';
import type { VodConfig } from './config';
import type { Dispatcher } from './Dispatcher';
import { refuse } from './errors';
import { listPage } from './listPage';
import type { PrefetchAccess } from './PrefetchAccess';
import type { PrefetchSignals } from './PrefetchSignals';
import type {
  CreatePrefetchInput,
  ResolvedTarget,
  TargetResolver,
} from './TargetResolver';
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
    const createdBy = this.deps.access.principalRef(credentials);
    // Audited from the start, so that a refused create says who asked for what, and why not.
    const created = await this.audited(
      'prefetch-create',
      input,
      createdBy,
      { request: options.request, severityLevel: 'medium' },
      async () => {
        const target = await this.deps.targets.resolve(input, credentials);
        const recorded = await this.record(
          target,
          createdBy,
          options.idempotency,
        );
        return {
          result: recorded,
          meta: {
            prefetchId: recorded.prefetch.id,
            replayed: recorded.replayed,
            entityRef: target.entityRef ?? null,
            account: target.account.config.name,
          },
        };
      },
    );
    void this.deps.dispatcher.wake(created.prefetch.account);
    return created;
  }

  /**
   * Records a target as a pending prefetch with its VOD calls, its quota and its idempotency key,
   * in one transaction (the outbox); or the prefetch a repeated key was first used for.
   */
  private async record(
    target: ResolvedTarget,
    createdBy: string,
    idempotency: { key: string; ttlMs?: number } | undefined,
  ): Promise<{ prefetch: Prefetch; replayed: boolean }> {
    const { account, entityRef, assetId, urls, tasks } = target;
    const at = this.deps.now();
    const result = await this.deps.store.createPrefetch({
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
    if (result.kind === 'key-conflict') throw refuse.keyReused();
    if (result.kind === 'over-quota') {
      throw refuse.quotaUsedUp(
        account.config,
        result.used,
        target.units,
        this.deps.quota.resetsAt(at),
      );
    }
    return { prefetch: result.prefetch, replayed: result.kind === 'replayed' };
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
    return this.audited(
      'prefetch-plan',
      input,
      this.deps.access.principalRef(credentials),
      { request: options.request, severityLevel: 'low' },
      async () => {
        const plan = await this.planChecked(input, credentials);
        return {
          result: plan,
          meta: { account: plan.account, units: plan.units },
        };
      },
    );
  }

  /**
   * Runs a create or a dry run as one audit event, opened first with who asked for what: its
   * success with `run`'s meta, or its failure with the reason.
   */
  private async audited<T>(
    eventId: 'prefetch-create' | 'prefetch-plan',
    input: CreatePrefetchInput,
    actor: string,
    options: { request?: Request; severityLevel: 'low' | 'medium' },
    run: () => Promise<{ result: T; meta: JsonObject }>,
  ): Promise<T> {
    const event = await this.deps.auditor.createEvent({
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
    try {
      const { result, meta } = await run();
      await event.success({ meta });
      return result;
    } catch (error) {
      await event.fail({
        error: error as Error,
        meta: { reason: (error as Error).name ?? 'Error' },
      });
      throw error;
    }
  }

  private async planChecked(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchPlan> {
    const target = await this.deps.targets.resolve(input, credentials);
    const { account, entityRef, assetId, urls, tasks, units } = target;
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
      const resets = this.deps.quota.resetsAt(at);
      throw mayReadQuota
        ? refuse.quotaUsedUp(account.config, quota.used, units, resets)
        : refuse.quotaCannotTake(account.config.name, units, resets);
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

  async get(id: string, credentials: BackstageCredentials): Promise<Prefetch> {
    const prefetch = await this.deps.store.getPrefetch(id);
    const access = prefetch
      ? await this.deps.access.readAccess(prefetch, credentials)
      : 'hidden';
    if (access === 'hidden') throw refuse.noPrefetch(id);
    if (access === 'denied') throw refuse.mayNotRead(prefetch!.entityRef);
    return (await this.withProgress([prefetch!]))[0];
  }

  /** A prefetch as recorded now, with no permission check: only for PrefetchWaits, which checks
   * the reader once per waiting read (through get) before it re-reads. */
  async readUnchecked(id: string): Promise<Prefetch | undefined> {
    const prefetch = await this.deps.store.getPrefetch(id);
    return prefetch ? (await this.withProgress([prefetch]))[0] : undefined;
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
   * A page of the prefetches the caller may see, newest first (`listPage`), with their progress
   * and the list's signal channel.
   */
  async list(
    filter: PrefetchFilter,
    page: { limit: number; cursor?: string },
    credentials: BackstageCredentials,
  ): Promise<PrefetchList> {
    const [list, channel] = await Promise.all([
      listPage(this.deps, filter, page, credentials).then(async p => ({
        ...p,
        items: await this.withProgress(p.items),
      })),
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
      throw refuse.mayNotReadAccounts();
    }
    name ??= this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(name);
    if (!account) throw refuse.unknownAccount(name);
    return this.deps.quota.quota(
      name,
      account.config.dailyQuota,
      this.deps.now(),
    );
  }

  async accounts(credentials: BackstageCredentials) {
    if (!(await this.deps.access.mayReadAccounts(credentials))) {
      throw refuse.mayNotReadAccounts();
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
    if (!entity || access === 'hidden') throw refuse.noEntity(ref);
    if (access === 'denied') throw refuse.mayNotRead(ref);
    const name = getVodAccount(entity) ?? this.deps.accounts.defaultAccount;
    if (asked !== undefined && asked !== name) {
      throw refuse.notItsAccount(ref, name, { advise: false });
    }
    return name;
  }
}

function hashRequest(request: object): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('hex');
}
