import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  getVodAccount,
  getVodAssetId,
  isUrlOfAsset,
  MAX_URLS_PER_VOD_TASK,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchCreatePermission,
} from '@mediaops/backstage-plugin-vod-common';
import type { CatalogLookup } from './CatalogLookup';
import { refuse } from './errors';
import type { PermissionDecisions } from './PermissionDecisions';
import type { VodAccount, VodAccounts } from './VodAccounts';

/** A validated create request (see createPrefetchRequestSchema); URLs in canonical form. */
export interface CreatePrefetchInput {
  entityRef?: string;
  account?: string;
  assetId?: string;
  urls?: string[];
}

/** What a create prefetches, with which account, on behalf of which entity. */
export interface PrefetchTarget {
  account: VodAccount;
  entityRef?: string;
  assetId?: string;
  urls?: string[];
}

/** A target with the VOD calls it takes: an asset in one, URLs 10 a call; a unit per asset or URL. */
export interface ResolvedTarget extends PrefetchTarget {
  tasks: Array<{ urls?: string[]; units: number }>;
  /** The quota the target takes: its tasks' units. */
  units: number;
}

const { ALLOW } = AuthorizeResult;

/**
 * Turns a create request into its target and checks the caller may prefetch it (DESIGN.md,
 * "Permissions and binding"):
 * - `entityRef`: the entity's asset (an `assetId` must be that one), with the entity's account
 *   (an `account` must be that one); `catalog.entity.read` and `vod.prefetch.create` on it;
 *   `urls` of its asset (path `/asset/<asset-id>/…`) are covered by that right, other URLs also
 *   need `vod.prefetch.adhoc.create`.
 * - `assetId` that one entity's annotation names: as that entity (named by several: as none).
 * - anything else: `vod.prefetch.adhoc.create`.
 * URLs must lie under the account's allow-list in every case.
 */
export class TargetResolver {
  constructor(
    private readonly deps: {
      catalog: CatalogLookup;
      permissions: PermissionDecisions;
      accounts: VodAccounts;
      maxUrlsPerPrefetch: number;
    },
  ) {}

  /** The checked target of a create request, with the VOD calls it takes. */
  async resolve(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<ResolvedTarget> {
    const target = await this.checkedTarget(input, credentials);
    const tasks = tasksOf(target);
    return {
      ...target,
      tasks,
      units: tasks.reduce((sum, t) => sum + t.units, 0),
    };
  }

  private async checkedTarget(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchTarget> {
    const max = this.deps.maxUrlsPerPrefetch;
    if (input.urls && input.urls.length > max) {
      throw refuse.tooManyUrls(max, input.urls.length);
    }
    if (input.entityRef)
      return this.forEntity(input.entityRef, input, credentials);
    const assetId = input.assetId;
    if (assetId) {
      const named = await this.deps.catalog.entitiesNamingAsset(assetId);
      if (named.length === 1) {
        return this.forAssetOf(named[0], assetId, input, credentials);
      }
      // Named by several entities, it is none's to claim (an annotation is anyone's to write
      // who may register an entity): prefetched by its id, it belongs to no entity.
      if (named.length > 1) {
        return this.adhoc(input, credentials, () =>
          refuse.ambiguousAsset(assetId),
        );
      }
    }
    return this.adhoc(input, credentials);
  }

  private async forEntity(
    ref: string,
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchTarget> {
    const [entity, [see, create, adhoc]] = await Promise.all([
      this.deps.catalog.entity(ref),
      this.deps.permissions.authorize(
        [
          { permission: catalogEntityReadPermission, resourceRef: ref },
          { permission: vodPrefetchCreatePermission, resourceRef: ref },
          // Asked at once, in the same round trip, in case the URLs need it.
          ...(input.urls
            ? [{ permission: vodPrefetchAdhocCreatePermission }]
            : []),
        ],
        credentials,
      ),
    ]);
    if (!entity || see !== ALLOW) throw refuse.noEntity(ref);
    if (create !== ALLOW) throw refuse.mayNotCreate(ref);
    const assetId = getVodAssetId(entity);
    if (!assetId) throw refuse.noAnnotation(ref);
    if (input.assetId && input.assetId !== assetId) {
      throw refuse.notItsAsset(ref, input.assetId, assetId);
    }
    const account = this.accountOf(entity, ref, input.account);
    if (!input.urls) return { account, entityRef: ref, assetId };
    const urls = this.allowedUrls(input.urls, account);
    const foreign = urls.findIndex(url => !isUrlOfAsset(new URL(url), assetId));
    if (foreign >= 0 && adhoc !== ALLOW) {
      throw refuse.foreignUrl(ref, foreign, urls[foreign], assetId);
    }
    return { account, entityRef: ref, urls };
  }

  /** A raw asset id that an entity's annotation names is judged, and recorded, as that entity. */
  private async forAssetOf(
    entity: Entity,
    assetId: string,
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchTarget> {
    const ref = stringifyEntityRef(entity);
    const [see, create] = await this.deps.permissions.authorize(
      [
        { permission: catalogEntityReadPermission, resourceRef: ref },
        { permission: vodPrefetchCreatePermission, resourceRef: ref },
      ],
      credentials,
    );
    if (see !== ALLOW) throw refuse.mayNotCreateHidden(assetId);
    if (create !== ALLOW) throw refuse.mayNotCreate(ref);
    return {
      account: this.accountOf(entity, ref, input.account),
      entityRef: ref,
      assetId,
    };
  }

  private async adhoc(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
    // Made only when it is thrown: an error's stack costs, and most creates are allowed.
    refusal: () => Error = refuse.mayNotAdhoc,
  ): Promise<PrefetchTarget> {
    const [adhoc] = await this.deps.permissions.authorize(
      [{ permission: vodPrefetchAdhocCreatePermission }],
      credentials,
    );
    if (adhoc !== ALLOW) throw refusal();
    const name = input.account ?? this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(name);
    if (!account) throw refuse.unknownAccount(name);
    if (!input.urls) return { account, assetId: input.assetId };
    return { account, urls: this.allowedUrls(input.urls, account) };
  }

  /** An entity's prefetches go to its account: the annotation's, or the default one. */
  private accountOf(entity: Entity, ref: string, asked?: string): VodAccount {
    const name = getVodAccount(entity) ?? this.deps.accounts.defaultAccount;
    const account = this.deps.accounts.get(name);
    if (!account) throw refuse.unknownEntityAccount(ref, name);
    if (asked !== undefined && asked !== name) {
      throw refuse.notItsAccount(ref, name, { advise: true });
    }
    return account;
  }

  private allowedUrls(urls: string[], account: VodAccount): string[] {
    const { allowedUrls } = account.config;
    if (allowedUrls.isEmpty) throw refuse.assetsOnly(account.config.name);
    urls.forEach((url, index) => {
      if (!allowedUrls.allows(new URL(url))) {
        throw refuse.outsideAllowList(index, url, account);
      }
    });
    return urls;
  }
}

function tasksOf(target: PrefetchTarget): ResolvedTarget['tasks'] {
  if (target.assetId) return [{ units: 1 }];
  const urls = target.urls!;
  const tasks: ResolvedTarget['tasks'] = [];
  for (let i = 0; i < urls.length; i += MAX_URLS_PER_VOD_TASK) {
    const part = urls.slice(i, i + MAX_URLS_PER_VOD_TASK);
    tasks.push({ urls: part, units: part.length });
  }
  return tasks;
}
