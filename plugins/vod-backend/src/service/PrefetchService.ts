import { createHash, randomUUID } from 'node:crypto';
import type {
  AuditorService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import type { Request } from 'express';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import {
  InputError,
  NotAllowedError,
  NotFoundError,
  ConflictError,
} from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  getVodAccount,
  getVodAssetId,
  MAX_URLS_PER_VOD_TASK,
  Prefetch,
  PrefetchList,
  PrefetchStatus,
  Quota,
  VOD_ASSET_ID_ANNOTATION,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchCreatePermission,
  vodPrefetchReadPermission,
} from '@mediaops/backstage-plugin-vod-common';
import type {
  OutboxTask,
  PrefetchCursor,
  VodStore,
} from '../database/VodStore';
import type { CatalogLookup } from './CatalogLookup';
import type { VodConfig } from './config';
import type { Dispatcher, SendOutcome } from './Dispatcher';
import { QuotaExceededError } from './errors';
import type { PermissionDecisions } from './PermissionDecisions';
import type { QuotaLedger } from './QuotaLedger';
import type { VodAccount, VodAccounts } from './VodAccounts';

/** A validated create request (see createPrefetchRequestSchema). */
export interface CreatePrefetchInput {
  entityRef?: string;
  account?: string;
  assetId?: string;
  urls?: string[];
}

export interface PrefetchServiceDeps {
  store: VodStore;
  accounts: VodAccounts;
  quota: QuotaLedger;
  dispatcher: Dispatcher;
  catalog: CatalogLookup;
  permissions: PermissionDecisions;
  auditor: AuditorService;
  config: VodConfig;
  now: () => number;
}

/**
 * Every prefetch goes through here, whichever route or action asked: resolve the entity and the
 * account, check permission and allow-list, record it with its quota in one transaction (the
 * outbox), and hand it to the dispatcher.
 */
export class PrefetchService {
  constructor(private readonly deps: PrefetchServiceDeps) {}

  async create(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
    options: {
      idempotencyKey?: string;
      /** The HTTP request it came with: the audit event takes its caller and address from it. */
      request?: Request;
      /**
       * `background` (default): the dispatcher sends it. `claim`: the caller sends it at once;
       * its rate slots are taken here and its tasks come back claimed.
       */
      dispatch?: 'background' | 'claim';
    } = {},
  ): Promise<{
    prefetch: Prefetch;
    replayed: boolean;
    claimed?: OutboxTask[];
  }> {
    const { store, now } = this.deps;
    let entity: Entity | undefined;
    let boundRef: string | undefined;
    if (input.entityRef) {
      entity = await this.entityToPrefetch(input.entityRef, credentials);
      boundRef = stringifyEntityRef(entity);
    }

    let assetId = input.assetId;
    if (entity && !assetId && !input.urls) {
      assetId = getVodAssetId(entity);
      if (!assetId) {
        throw new InputError(
          `entityRef: ${input.entityRef} has no valid ${VOD_ASSET_ID_ANNOTATION} annotation (32 hexadecimal characters)`,
        );
      }
    }
    if (!entity) {
      // An asset id that some entity's annotation names is judged by that entity, found as the
      // plugin itself: an entity the caller cannot see still binds its asset.
      boundRef = assetId
        ? await this.deps.catalog.entityRefNamingAsset(assetId)
        : undefined;
      await this.authorizeCreate(boundRef, credentials);
    }

    const accountName =
      input.account ??
      (entity && getVodAccount(entity)) ??
      this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(accountName);
    if (!account) {
      throw new InputError(
        `account: there is no VOD account named "${accountName}"`,
      );
    }
    if (input.urls) this.checkUrls(input.urls, account);

    const at = now();
    const quotaDay = this.deps.quota.dayOf(at);
    const createdBy = principalRef(credentials);
    const event = await this.deps.auditor.createEvent({
      eventId: 'prefetch-create',
      request: options.request,
      severityLevel: 'medium',
      meta: {
        actor: createdBy,
        account: account.config.name,
        entityRef: boundRef ?? null,
        assetId: assetId ?? null,
        urls: input.urls ?? null,
      },
    });
    const tasks = assetId
      ? [{ units: 1 }]
      : chunk(input.urls!, MAX_URLS_PER_VOD_TASK).map(urls => ({
          urls,
          units: urls.length,
        }));
    const claim = options.dispatch === 'claim';
    try {
      for (let i = 0; claim && i < tasks.length; i++) {
        await account.client.reserveCreateSlot();
      }
      const result = await store.createPrefetch({
        id: randomUUID(),
        account: account.config.name,
        projectId: account.config.projectId,
        entityRef: boundRef,
        assetId,
        urls: input.urls,
        createdBy,
        now: at,
        quotaDay,
        quotaLimit: account.config.dailyQuota,
        tasks,
        claim,
        idempotency: options.idempotencyKey
          ? {
              key: options.idempotencyKey,
              requestHash: hashRequest({
                account: account.config.name,
                entityRef: boundRef,
                assetId,
                urls: input.urls,
              }),
            }
          : undefined,
      });
      if (result.kind === 'key-conflict') {
        throw new ConflictError(
          'Idempotency-Key: this key was already used with a different request; use a new key',
        );
      }
      if (result.kind === 'over-quota') {
        const units = assetId ? 1 : input.urls!.length;
        throw new QuotaExceededError(
          `The daily prefetch quota of account ${
            account.config.name
          } is used up: ${result.used} of ${
            account.config.dailyQuota
          } used, this prefetch needs ${units}. It resets at ${this.deps.quota
            .resetsAt(at)
            .toISOString()}.`,
        );
      }
      await event.success({
        meta: {
          prefetchId: result.prefetch.id,
          replayed: result.kind === 'replayed',
        },
      });
      if (result.kind === 'replayed') {
        return { prefetch: result.prefetch, replayed: true };
      }
      if (!claim) this.deps.dispatcher.wake(account.config.name);
      return {
        prefetch: result.prefetch,
        replayed: false,
        claimed: result.claimed,
      };
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  }

  /**
   * Creates a prefetch and sends it to VOD at once, waiting for VOD's answer: the seed-compatible
   * route answers with VOD's own task id (or error).
   */
  async createAndSend(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
    request?: Request,
  ): Promise<{ prefetch: Prefetch; outcomes: SendOutcome[] }> {
    const { prefetch, claimed = [] } = await this.create(input, credentials, {
      dispatch: 'claim',
      request,
    });
    return {
      prefetch,
      outcomes: await this.deps.dispatcher.sendClaimed(claimed),
    };
  }

  /** VOD's own answer for a task this portal created, asked live (the seed-compatible query). */
  async queryTask(
    accountName: string,
    taskId: string,
    credentials: BackstageCredentials,
  ) {
    await this.authorizeRead(credentials);
    const owner = await this.deps.store.findByTaskId(taskId);
    if (!owner || owner.account !== accountName) {
      throw new NotFoundError(
        `task_id: no prefetch of this portal has VOD task ${taskId}`,
      );
    }
    return this.deps.accounts.get(accountName)!.client.queryPrefetch(taskId);
  }

  async get(id: string, credentials: BackstageCredentials): Promise<Prefetch> {
    await this.authorizeRead(credentials);
    const prefetch = await this.deps.store.getPrefetch(id);
    if (!prefetch) throw new NotFoundError(`There is no prefetch ${id}`);
    return prefetch;
  }

  async list(
    filter: {
      entityRef?: string;
      assetId?: string;
      account?: string;
      status?: PrefetchStatus;
      createdBy?: string;
    },
    page: { limit: number; cursor?: string },
    credentials: BackstageCredentials,
  ): Promise<PrefetchList> {
    await this.authorizeRead(credentials);
    const { items, next } = await this.deps.store.listPrefetches(filter, {
      limit: page.limit,
      cursor: page.cursor ? decodeCursor(page.cursor) : undefined,
    });
    return next ? { items, nextCursor: encodeCursor(next) } : { items };
  }

  async quota(
    accountName: string | undefined,
    credentials: BackstageCredentials,
  ): Promise<Quota> {
    await this.authorizeRead(credentials);
    const name = accountName ?? this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(name);
    if (!account)
      throw new InputError(`account: there is no VOD account named "${name}"`);
    return this.deps.quota.quota(
      name,
      account.config.dailyQuota,
      this.deps.now(),
    );
  }

  async accounts(credentials: BackstageCredentials) {
    await this.authorizeRead(credentials);
    return this.deps.accounts.summaries();
  }

  /** Read permission, for routes that only look. */
  async authorizeRead(credentials: BackstageCredentials): Promise<void> {
    const [decision] = await this.deps.permissions.authorize(
      [{ permission: vodPrefetchReadPermission }],
      credentials,
    );
    if (decision !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        'You may not see prefetches or quota (vod.prefetch.read)',
      );
    }
  }

  /** Finds the account of a seed-route call by the project id in its path. */
  accountByProject(projectId: string): VodAccount | undefined {
    return this.deps.accounts.byProjectId(projectId);
  }

  /**
   * The entity a create names, if the caller may see it (`catalog.entity.read`, as the catalog
   * itself would decide) and prefetch it (`vod.prefetch.create`). Both decisions go in one
   * permission request, while the entity is looked up.
   */
  private async entityToPrefetch(
    resourceRef: string,
    credentials: BackstageCredentials,
  ): Promise<Entity> {
    const [entity, [read, create]] = await Promise.all([
      this.deps.catalog.entity(resourceRef),
      this.deps.permissions.authorize(
        [
          { permission: catalogEntityReadPermission, resourceRef },
          { permission: vodPrefetchCreatePermission, resourceRef },
        ],
        credentials,
      ),
    ]);
    if (!entity || read !== AuthorizeResult.ALLOW) {
      throw new NotFoundError(
        `entityRef: there is no entity ${resourceRef} (or you may not see it)`,
      );
    }
    if (create !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not prefetch ${resourceRef} (vod.prefetch.create)`,
      );
    }
    return entity;
  }

  private async authorizeCreate(
    entityRef: string | undefined,
    credentials: BackstageCredentials,
  ) {
    const [decision] = await this.deps.permissions.authorize(
      [
        entityRef
          ? { permission: vodPrefetchCreatePermission, resourceRef: entityRef }
          : { permission: vodPrefetchAdhocCreatePermission },
      ],
      credentials,
    );
    if (decision !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        entityRef
          ? `You may not prefetch ${entityRef} (vod.prefetch.create)`
          : 'You may not prefetch assets or URLs that belong to no catalog entity (vod.prefetch.adhoc.create)',
      );
    }
  }

  private checkUrls(urls: string[], account: VodAccount) {
    const max = this.deps.config.maxUrlsPerPrefetch;
    if (urls.length > max) {
      throw new InputError(
        `urls: at most ${max} URLs per prefetch, got ${urls.length}`,
      );
    }
    const prefixes = account.config.allowedUrlPrefixes;
    if (prefixes.length === 0) {
      throw new InputError(
        `urls: account ${account.config.name} allows no URL prefetches, only assets`,
      );
    }
    urls.forEach((url, i) => {
      if (!prefixes.some(prefix => url.startsWith(prefix))) {
        throw new InputError(
          `urls[${i}]: ${url} is outside the URLs account ${
            account.config.name
          } may prefetch (${prefixes.join(', ')})`,
        );
      }
    });
  }
}

function principalRef(credentials: BackstageCredentials): string {
  const principal = credentials.principal as {
    type: string;
    userEntityRef?: string;
    subject?: string;
  };
  if (principal.type === 'user') return principal.userEntityRef!;
  if (principal.type === 'service') return principal.subject!;
  return principal.type;
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

function encodeCursor(cursor: PrefetchCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString(
    'base64url',
  );
}

function decodeCursor(value: string): PrefetchCursor {
  try {
    const [createdAt, id] = JSON.parse(
      Buffer.from(value, 'base64url').toString('utf8'),
    );
    if (typeof createdAt === 'number' && typeof id === 'string')
      return { createdAt, id };
  } catch {
    // reported below
  }
  throw new InputError('cursor: not a cursor this API returned');
}
