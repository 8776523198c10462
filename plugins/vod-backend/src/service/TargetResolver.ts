import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  getVodAccount,
  getVodAssetId,
  isUrlOfAsset,
  VOD_ACCOUNT_ANNOTATION,
  VOD_ASSET_ID_ANNOTATION,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchCreatePermission,
} from '@mediaops/backstage-plugin-vod-common';
import type { CatalogLookup } from './CatalogLookup';
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

const { ALLOW } = AuthorizeResult;

/**
 * Every refusal of a create, worded in one place. An entity the caller may not see is never
 * named: "no such entity" and "an entity you may not see" read the same.
 */
const refuse = {
  noEntity: (ref: string) =>
    new NotFoundError(
      `entityRef: there is no entity ${ref} (or you may not see it)`,
    ),
  noAnnotation: (ref: string) =>
    new InputError(
      `entityRef: ${ref} has no valid ${VOD_ASSET_ID_ANNOTATION} annotation (32 hexadecimal characters)`,
    ),
  notItsAsset: (ref: string, asked: string, assetId: string) =>
    new InputError(
      `assetId: ${asked} is not the asset of ${ref} (${assetId}); leave assetId out to prefetch the entity's asset`,
    ),
  unknownEntityAccount: (ref: string, name: string) =>
    new InputError(
      `entityRef: ${ref} names VOD account "${name}" in ${VOD_ACCOUNT_ANNOTATION}, which is not configured`,
    ),
  notItsAccount: (ref: string, name: string) =>
    new InputError(
      `account: ${ref} is prefetched with account ${name}; leave account out or name ${name}`,
    ),
  unknownAccount: (name: string) =>
    new InputError(`account: there is no VOD account named "${name}"`),
  mayNotCreate: (ref: string) =>
    new NotAllowedError(`You may not prefetch ${ref} (vod.prefetch.create)`),
  mayNotCreateHidden: (assetId: string) =>
    new NotAllowedError(
      `You may not prefetch asset ${assetId}: it belongs to a catalog entity you may not prefetch (vod.prefetch.create)`,
    ),
  ambiguousAsset: (assetId: string) =>
    new NotAllowedError(
      `You may not prefetch asset ${assetId} by its id: more than one catalog entity names it, so it counts as belonging to none (vod.prefetch.adhoc.create); prefetch the entity you mean by entityRef`,
    ),
  mayNotAdhoc: () =>
    new NotAllowedError(
      'You may not prefetch assets or URLs that belong to no catalog entity (vod.prefetch.adhoc.create)',
    ),
  foreignUrl: (ref: string, index: number, url: string, assetId: string) =>
    new NotAllowedError(
      `urls[${index}]: ${url} is not a URL of ${ref}'s asset (/asset/${assetId}/…); prefetching other URLs needs vod.prefetch.adhoc.create`,
    ),
  tooManyUrls: (max: number, count: number) =>
    new InputError(`urls: at most ${max} URLs per prefetch, got ${count}`),
  assetsOnly: (account: string) =>
    new InputError(
      `urls: account ${account} allows no URL prefetches, only assets`,
    ),
  outsideAllowList: (index: number, url: string, account: VodAccount) =>
    new InputError(
      `urls[${index}]: ${url} is outside the URLs account ${
        account.config.name
      } may prefetch (${account.config.allowedUrls.spelled.join(', ')})`,
    ),
};

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

  async resolve(
    input: CreatePrefetchInput,
    credentials: BackstageCredentials,
  ): Promise<PrefetchTarget> {
    const max = this.deps.maxUrlsPerPrefetch;
    if (input.urls && input.urls.length > max) {
      throw refuse.tooManyUrls(max, input.urls.length);
    }
    if (input.entityRef)
      return this.forEntity(input.entityRef, input, credentials);
    if (input.assetId) {
      const named = await this.deps.catalog.entitiesNamingAsset(input.assetId);
      if (named.length === 1) {
        return this.forAssetOf(named[0], input.assetId, input, credentials);
      }
      // Named by several entities, it is none's to claim (an annotation is anyone's to write
      // who may register an entity): prefetched by its id, it belongs to no entity.
      if (named.length > 1) {
        return this.adhoc(
          input,
          credentials,
          refuse.ambiguousAsset(input.assetId),
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
    refusal = refuse.mayNotAdhoc(),
  ): Promise<PrefetchTarget> {
    const [adhoc] = await this.deps.permissions.authorize(
      [{ permission: vodPrefetchAdhocCreatePermission }],
      credentials,
    );
    if (adhoc !== ALLOW) throw refusal;
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
      throw refuse.notItsAccount(ref, name);
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
