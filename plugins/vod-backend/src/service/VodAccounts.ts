import type { AccountSummary } from '@mediaops/backstage-plugin-vod-common';
import type { Dispatcher as HttpDispatcher } from 'undici';
import { IamTokenProvider } from '../huaweicloud/IamTokenProvider';
import type {
  CallRate,
  LimiterClock,
  RateLimiter,
} from '../huaweicloud/RateLimiter';
import type { SigningCredentials } from '../huaweicloud/signer';
import { VodAuth, VodClient } from '../huaweicloud/VodClient';
import type { VodRequestError } from '../huaweicloud/VodRequestError';
import type { VodOperation } from '../huaweicloud/vodResponses';
import type { VodAccountConfig, VodConfig } from './config';
import { VodConfigError } from './config';

/** Why an account cannot reach VOD at the moment; shown by `GET /accounts`. */
export interface AccountProblem {
  code: string;
  message: string;
  since: number;
}

/**
 * The account problem a refusal of its call means: VOD's clock far from ours (the client has
 * learnt the offset from the refusal), or credentials VOD or IAM refused.
 */
export function refusalProblem(error: VodRequestError): string {
  if (error.clockSkew) return 'VOD_CLOCK_SKEW';
  return error.service === 'iam'
    ? 'IAM_CREDENTIALS_REFUSED'
    : 'VOD_CREDENTIALS_REFUSED';
}

/** A configured account and its client. */
export interface VodAccount {
  config: VodAccountConfig;
  client: VodClient;
}

export interface VodAccountsDeps {
  logger: {
    debug(message: string): void;
    info(message: string): void;
    warn(message: string): void;
    error(message: string): void;
  };
  clock?: LimiterClock;
  /** Holds an account's rate across replicas (see VodClientOptions.sharedRate). */
  sharedRate?: (
    account: string,
    operation: VodOperation,
    local: RateLimiter,
  ) => CallRate;
  /** For tests: the HTTP dispatcher every client uses. */
  httpDispatcher?: HttpDispatcher;
}

/**
 * The configured VOD accounts, each with one client (one connection pool, one rate limiter pair),
 * and what is known of their health. `applyConfig` takes a changed config without a restart:
 * credentials (AK/SK keys, security tokens, IAM passwords), daily quotas and URL allow-lists;
 * any other change needs one.
 */
export class VodAccounts {
  private readonly byName = new Map<string, VodAccount>();
  private readonly iam = new Map<string, IamTokenProvider>();
  private credentials = new Map<string, SigningCredentials>();
  private readonly problems = new Map<string, AccountProblem>();

  private constructor(
    config: VodConfig,
    private readonly deps: VodAccountsDeps,
    readonly defaultAccount: string = config.defaultAccount,
  ) {
    this.credentials = akskCredentials(config);
    for (const account of config.accounts) {
      let auth: VodAuth;
      if (account.auth.type === 'aksk') {
        auth = {
          type: 'aksk',
          credentials: () => this.credentials.get(account.name)!,
        };
      } else {
        const tokens = IamTokenProvider.create({
          credentials: { ...account.auth.iam, projectId: account.projectId },
          timeouts: config.timeouts,
          dispatcher: deps.httpDispatcher,
          now: deps.clock?.now,
        });
        this.iam.set(account.name, tokens);
        auth = { type: 'token', tokens };
      }
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
        sharedRate:
          deps.sharedRate &&
          ((operation, local) =>
            deps.sharedRate!(account.name, operation, local)),
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

  /**
   * Takes a changed config: credentials, daily quotas and URL allow-lists. It is taken whole or
   * not at all: if anything else changed (an account added, removed, moved to another endpoint
   * or project, switched between AK/SK and IAM, or given other rate limits), it throws and the
   * config in use stays.
   */
  applyConfig(config: VodConfig): void {
    const next = new Map(config.accounts.map(a => [a.name, a]));
    for (const [name, { config: current }] of this.byName) {
      const what = beyondCredentials(current, next.get(name));
      if (what) {
        throw new VodConfigError(
          'vod.accounts',
          `account ${name} ${what}; only credentials, daily quotas and URL allow-lists change without a restart`,
        );
      }
    }
    const added = config.accounts.find(a => !this.byName.has(a.name));
    if (added) {
      throw new VodConfigError(
        'vod.accounts',
        `account ${added.name} is new; adding accounts needs a restart`,
      );
    }
    this.credentials = akskCredentials(config);
    for (const account of config.accounts) {
      const entry = this.byName.get(account.name)!;
      if (
        account.auth.type === 'token' &&
        JSON.stringify(entry.config.auth) !== JSON.stringify(account.auth)
      ) {
        this.iam.get(account.name)!.updateCredentials({
          ...account.auth.iam,
          projectId: account.projectId,
        });
      }
      entry.config = account;
    }
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

  /**
   * Records that an account cannot reach VOD (e.g. its credentials are refused). Logged once
   * when it starts or changes, not for every task that runs into it.
   */
  reportProblem(name: string, code: string, message: string, now: number) {
    const current = this.problems.get(name);
    if (current?.code === code && current.message === message) return;
    this.problems.set(name, { code, message, since: current?.since ?? now });
    this.deps.logger.error(
      `VOD account ${name} cannot be used: ${message} (${code}); its prefetches wait in the queue until this is fixed`,
    );
  }

  /** Records that an account works (again). */
  reportWorking(name: string) {
    if (this.problems.delete(name)) {
      this.deps.logger.info(
        `VOD account ${name} works again; its queued prefetches are being sent`,
      );
    }
  }

  problemOf(name: string): AccountProblem | undefined {
    return this.problems.get(name);
  }

  /** Names, project ids and health only: never a credential. */
  summaries(): AccountSummary[] {
    return [...this.byName.values()].map(({ config }) => {
      const problem = this.problems.get(config.name);
      return {
        name: config.name,
        projectId: config.projectId,
        isDefault: config.name === this.defaultAccount,
        ...(problem && {
          problem: {
            code: problem.code,
            message: problem.message,
            since: new Date(problem.since).toISOString(),
          },
        }),
      };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.byName.values()].map(a => a.client.close()));
  }
}

function akskCredentials(config: VodConfig): Map<string, SigningCredentials> {
  const out = new Map<string, SigningCredentials>();
  for (const account of config.accounts) {
    if (account.auth.type === 'aksk') {
      out.set(account.name, account.auth.credentials);
    }
  }
  return out;
}

function authName(account: VodAccountConfig): string {
  return account.auth.type === 'aksk' ? 'AK/SK' : 'IAM';
}

/** What changed about an account besides its credentials, if anything. */
function beyondCredentials(
  current: VodAccountConfig,
  changed: VodAccountConfig | undefined,
): string | undefined {
  if (!changed) return 'was removed';
  if (
    changed.endpoint !== current.endpoint ||
    changed.projectId !== current.projectId
  ) {
    return 'has a new endpoint or project';
  }
  if (changed.auth.type !== current.auth.type) {
    return `switched from ${authName(current)} to ${authName(changed)}`;
  }
  if (
    changed.auth.type === 'token' &&
    current.auth.type === 'token' &&
    changed.auth.iam.endpoint !== current.auth.iam.endpoint
  ) {
    return 'has a new IAM endpoint';
  }
  if (
    changed.createsPerMinute !== current.createsPerMinute ||
    changed.queriesPerMinute !== current.queriesPerMinute
  ) {
    return 'has new rate limits';
  }
  return undefined;
}
