import type { AccountSummary } from '@mediaops/backstage-plugin-vod-common';
import type { Dispatcher as HttpDispatcher } from 'undici';
import { IamTokenProvider } from '../huaweicloud/IamTokenProvider';
import type { LimiterClock } from '../huaweicloud/RateLimiter';
import type { SigningCredentials } from '../huaweicloud/signer';
import { VodClient } from '../huaweicloud/VodClient';
import type { VodAccountConfig, VodConfig } from './config';

/** A configured account and its client. */
export interface VodAccount {
  config: VodAccountConfig;
  client: VodClient;
}

export interface VodAccountsDeps {
  logger: { debug(message: string): void; warn(message: string): void };
  clock?: LimiterClock;
  /** For tests: the HTTP dispatcher every client uses. */
  httpDispatcher?: HttpDispatcher;
}

/**
 * The configured VOD accounts, each with one client (one connection pool, one rate limiter pair).
 * AK/SK credentials are looked up on every call, so `updateCredentials` rotates keys without a
 * restart; adding or removing accounts needs one.
 */
export class VodAccounts {
  private readonly byName = new Map<string, VodAccount>();
  private credentials = new Map<string, SigningCredentials>();

  private constructor(
    config: VodConfig,
    deps: VodAccountsDeps,
    readonly defaultAccount: string = config.defaultAccount,
  ) {
    this.updateCredentials(config);
    for (const account of config.accounts) {
      const auth =
        account.auth.type === 'aksk'
          ? {
              type: 'aksk' as const,
              credentials: () => this.credentials.get(account.name)!,
            }
          : {
              type: 'token' as const,
              tokens: IamTokenProvider.create({
                credentials: {
                  ...account.auth.iam,
                  projectId: account.projectId,
                },
                timeouts: config.timeouts,
                dispatcher: deps.httpDispatcher,
                now: deps.clock?.now,
              }),
            };
      const client = VodClient.create({
        endpoint: account.endpoint,
        projectId: account.projectId,
        auth,
        timeouts: config.timeouts,
        retry: { attempts: config.retryAttempts },
        rateLimits: {
          createsPerMinute: account.createsPerMinute,
          queriesPerMinute: account.queriesPerMinute,
        },
        dispatcher: deps.httpDispatcher,
        clock: deps.clock,
        logger: deps.logger,
      });
      this.byName.set(account.name, { config: account, client });
    }
  }

  static fromConfig(config: VodConfig, deps: VodAccountsDeps): VodAccounts {
    return new VodAccounts(config, deps);
  }

  /** Takes new AK/SK credentials for the existing accounts (after a config change). */
  updateCredentials(config: VodConfig): void {
    const next = new Map<string, SigningCredentials>();
    for (const account of config.accounts) {
      if (account.auth.type === 'aksk') {
        next.set(account.name, account.auth.credentials);
      }
    }
    this.credentials = next;
  }

  get(name: string): VodAccount | undefined {
    return this.byName.get(name);
  }

  byProjectId(projectId: string): VodAccount | undefined {
    return [...this.byName.values()].find(
      a => a.config.projectId === projectId,
    );
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  /** Names and project ids only: never a credential. */
  summaries(): AccountSummary[] {
    return [...this.byName.values()].map(({ config }) => ({
      name: config.name,
      projectId: config.projectId,
      isDefault: config.name === this.defaultAccount,
    }));
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map(a => a.client.close()));
  }
}
