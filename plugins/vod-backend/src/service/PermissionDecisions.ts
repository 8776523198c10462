import type {
  BackstageCredentials,
  BackstageUserPrincipal,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizePermissionRequest,
  AuthorizeResult,
} from '@backstage/plugin-permission-common';
import { TtlCache } from './TtlCache';

/**
 * Permission decisions for users, each reused for `ttlMs` per user session, permission and
 * resource: without it every check is a signed round trip to the permission backend (about
 * 3.5 ms here, most of a create's cost). Several checks in one call go in one round trip;
 * concurrent identical checks share one. A revoked permission therefore takes effect within
 * `ttlMs` (config `vod.cacheTtl`; 0 asks every time). Services are decided at once by Backstage
 * and are passed through.
 */
export class PermissionDecisions {
  private readonly cache: TtlCache<AuthorizeResult>;

  constructor(
    private readonly permissions: PermissionsService,
    ttlMs: number,
    now?: () => number,
  ) {
    this.cache = new TtlCache(ttlMs, now);
  }

  async authorize(
    requests: AuthorizePermissionRequest[],
    credentials: BackstageCredentials,
  ): Promise<AuthorizeResult[]> {
    const session = sessionKey(credentials);
    if (!session) {
      const decisions = await this.permissions.authorize(requests, {
        credentials,
      });
      return decisions.map(d => d.result);
    }
    const keys = requests.map(
      r => `${session}\n${r.permission.name}\n${r.resourceRef ?? ''}`,
    );
    const answers = keys.map(key => this.cache.lookup(key));
    const missing = requests.filter((_, i) => !answers[i]);
    if (missing.length > 0) {
      const asked = this.permissions.authorize(missing, { credentials });
      let m = 0;
      keys.forEach((key, i) => {
        if (answers[i]) return;
        const index = m++;
        answers[i] = asked.then(decisions => decisions[index].result);
        this.cache.store(key, answers[i]!);
      });
    }
    return Promise.all(answers as Promise<AuthorizeResult>[]);
  }
}

/** One user session: the user, when the token expires, and the plugin acting for them. */
function sessionKey(credentials: BackstageCredentials): string | undefined {
  const principal = credentials.principal as Partial<BackstageUserPrincipal>;
  if (principal.type !== 'user') return undefined;
  return [
    principal.userEntityRef,
    credentials.expiresAt?.getTime() ?? '',
    principal.actor?.subject ?? '',
  ].join('\n');
}
