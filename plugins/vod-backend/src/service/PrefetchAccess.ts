import type {
  AuthService,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { catalogEntityReadPermission } from '@backstage/plugin-catalog-common/alpha';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  vodPrefetchAdhocReadPermission,
  vodPrefetchReadPermission,
} from '@mediaops/backstage-plugin-vod-common';
import type { PrefetchVisibility } from '../database/VodStore';
import type { PermissionDecisions } from './PermissionDecisions';

/** `hidden`: the reader may not see the entity (answer as if there were nothing). */
export type ReadAccess = 'allowed' | 'hidden' | 'denied';

/** How a list is narrowed: in the query, and per entity where the policy is conditional. */
export interface ListAccess {
  visibility: PrefetchVisibility;
  /** The policy decides per entity: each page's entities are asked about. */
  perEntity: boolean;
}

const { ALLOW, DENY } = AuthorizeResult;

/**
 * Who may read what. A prefetch of an entity needs `catalog.entity.read` and `vod.prefetch.read`
 * on that entity (without the first the reader learns nothing of it); one tied to no entity is
 * seen by whoever started it and by holders of `vod.prefetch.adhoc.read`.
 */
export class PrefetchAccess {
  constructor(
    private readonly permissions: PermissionDecisions,
    private readonly auth: AuthService,
  ) {}

  /** Who the caller is, as `createdBy` records it. */
  principalRef(credentials: BackstageCredentials): string {
    if (this.auth.isPrincipal(credentials, 'user')) {
      return credentials.principal.userEntityRef;
    }
    if (this.auth.isPrincipal(credentials, 'service')) {
      return credentials.principal.subject;
    }
    return 'none';
  }

  async readAccess(
    prefetch: { entityRef?: string; createdBy: string },
    credentials: BackstageCredentials,
  ): Promise<ReadAccess> {
    if (prefetch.entityRef) {
      return this.entityReadAccess(prefetch.entityRef, credentials);
    }
    if (prefetch.createdBy === this.principalRef(credentials)) return 'allowed';
    return (await this.adhocRead(credentials)) === ALLOW ? 'allowed' : 'denied';
  }

  /** Whether the caller may read an entity's prefetches; `hidden` if it may not see the entity. */
  async entityReadAccess(
    entityRef: string,
    credentials: BackstageCredentials,
  ): Promise<ReadAccess> {
    const [see, read] = await this.permissions.authorize(
      [
        { permission: catalogEntityReadPermission, resourceRef: entityRef },
        { permission: vodPrefetchReadPermission, resourceRef: entityRef },
      ],
      credentials,
    );
    if (see !== ALLOW) return 'hidden';
    return read === ALLOW ? 'allowed' : 'denied';
  }

  /**
   * What a list may show, from the policy's answers without a resource (one round trip, reused
   * like every decision): everything, nothing, or "ask per entity" for entity prefetches; all
   * ad-hoc prefetches, or the caller's own.
   */
  async listAccess(credentials: BackstageCredentials): Promise<ListAccess> {
    const [[see, read], adhoc] = await Promise.all([
      this.permissions.authorizeConditional(
        [catalogEntityReadPermission, vodPrefetchReadPermission],
        credentials,
      ),
      this.adhocRead(credentials),
    ]);
    const none = see === DENY || read === DENY;
    const all = see === ALLOW && read === ALLOW;
    let entities: PrefetchVisibility['entities'] = { except: [] };
    if (none) entities = 'none';
    else if (all) entities = 'all';
    return {
      visibility: {
        entities,
        adhoc:
          adhoc === ALLOW
            ? 'all'
            : { createdBy: this.principalRef(credentials) },
      },
      perEntity: !none && !all,
    };
  }

  /** The entities among `refs` whose prefetches the caller may read: one round trip. */
  async readableEntities(
    refs: string[],
    credentials: BackstageCredentials,
  ): Promise<Set<string>> {
    const decisions = await this.permissions.authorize(
      refs.flatMap(resourceRef => [
        { permission: catalogEntityReadPermission, resourceRef },
        { permission: vodPrefetchReadPermission, resourceRef },
      ]),
      credentials,
    );
    return new Set(
      refs.filter(
        (_, i) => decisions[2 * i] === ALLOW && decisions[2 * i + 1] === ALLOW,
      ),
    );
  }

  /**
   * Account-level facts (the accounts, an account's quota) are for whoever may read prefetches
   * at all: `vod.prefetch.read` for some entities, or `vod.prefetch.adhoc.read`.
   */
  async mayReadAccounts(credentials: BackstageCredentials): Promise<boolean> {
    const [[read], adhoc] = await Promise.all([
      this.permissions.authorizeConditional(
        [vodPrefetchReadPermission],
        credentials,
      ),
      this.adhocRead(credentials),
    ]);
    return read !== DENY || adhoc === ALLOW;
  }

  private async adhocRead(credentials: BackstageCredentials) {
    const [adhoc] = await this.permissions.authorize(
      [{ permission: vodPrefetchAdhocReadPermission }],
      credentials,
    );
    return adhoc;
  }
}
