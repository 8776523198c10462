import type {
  AuthService,
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
  Permission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { TtlCache } from './TtlCache';

/**
 * Permission decisions for users, each reused for `ttlMs` per user session, permission and
 * resource: without it every check is a signed round trip to the permission backend (about
 * 3.5 ms here, most of a create's cost). Several checks in one call go in one round trip;
 * concurrent identical checks share one; one that takes longer than `timeoutMs` fails with 503.
 * A revoked permission therefore takes effect within `ttlMs` (config `vod.cacheTtl`; 0 asks every
 * time). Services are decided at once by Backstage and are passed through.
 */
export class PermissionDecisions {
  private readonly cache: TtlCache<AuthorizeResult>;

  constructor(
    private readonly permissions: PermissionsService,
    private readonly auth: AuthService,
    options: { ttlMs: number; timeoutMs?: number; now?: () => number },
  ) {
    this.cache = new TtlCache({
      ttlMs: options.ttlMs,
      loadTimeoutMs: options.timeoutMs,
      source: 'the permission backend',
      now: options.now,
    });
  }

  /** Definitive decisions: ALLOW or DENY (a conditional policy is resolved for the resource). */
  authorize(
    requests: AuthorizePermissionRequest[],
    credentials: BackstageCredentials,
  ): Promise<AuthorizeResult[]> {
    return this.decide('definitive', requests, credentials, async asked =>
      (await this.permissions.authorize(asked, { credentials })).map(
        d => d.result,
      ),
    );
  }

  /**
   * What the policy says of resource permissions without a resource: ALLOW or DENY for every
   * resource, or CONDITIONAL (it depends on the resource).
   */
  authorizeConditional(
    permissions: ResourcePermission[],
    credentials: BackstageCredentials,
  ): Promise<AuthorizeResult[]> {
    return this.decide(
      'conditional',
      permissions.map(permission => ({ permission })),
      credentials,
      async asked =>
        (
          await this.permissions.authorizeConditional(
            asked.map(({ permission }) => ({ permission })),
            { credentials },
          )
        ).map(d => d.result),
    );
  }

  private async decide<
    R extends { permission: Permission; resourceRef?: string },
  >(
    kind: string,
    requests: R[],
    credentials: BackstageCredentials,
    ask: (requests: R[]) => Promise<AuthorizeResult[]>,
  ): Promise<AuthorizeResult[]> {
    const session = this.sessionKey(credentials);
    if (!session) return ask(requests);
    const keys = requests.map(
      r => `${kind}\n${session}\n${r.permission.name}\n${r.resourceRef ?? ''}`,
    );
    const answers = keys.map(key => this.cache.lookup(key));
    const missing = requests.filter((_, i) => !answers[i]);
    if (missing.length > 0) {
      const asked = ask(missing);
      let m = 0;
      keys.forEach((key, i) => {
        if (answers[i]) return;
        const index = m++;
        answers[i] = this.cache.store(
          key,
          asked.then(decisions => decisions[index]),
        );
      });
    }
    return Promise.all(answers as Promise<AuthorizeResult>[]);
  }

  /** One user session: the user, when the token expires, and the plugin acting for them. */
  private sessionKey(credentials: BackstageCredentials): string | undefined {
    if (!this.auth.isPrincipal(credentials, 'user')) return undefined;
    const { principal } = credentials;
    return [
      principal.userEntityRef,
      credentials.expiresAt?.getTime() ?? '',
      principal.actor?.subject ?? '',
    ].join('\n');
  }
}
