import type { LoggerService } from '@backstage/backend-plugin-api';
import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type { HttpTimeouts } from '../huaweicloud/http';
import type { SigningCredentials } from '../huaweicloud/signer';
import { UrlAllowList } from './UrlAllowList';

/** One configured VOD account. */
export interface VodAccountConfig {
  name: string;
  endpoint: string;
  projectId: string;
  auth:
    | { type: 'aksk'; credentials: SigningCredentials }
    | {
        type: 'token';
        iam: {
          endpoint: string;
          domainName: string;
          userName: string;
          password: string;
        };
      };
  dailyQuota: number;
  /** `allowedUrlPrefixes`, parsed; empty: assets only. */
  allowedUrls: UrlAllowList;
  createsPerMinute: number;
  queriesPerMinute: number;
}

export interface VodConfig {
  accounts: VodAccountConfig[];
  defaultAccount: string;
  quotaTimeZone: string;
  maxUrlsPerPrefetch: number;
  /** How long permission decisions and catalog lookups are reused; 0: not at all. */
  cacheTtlMs: number;
  /** How long a permission or catalog lookup may take before the request fails with 503. */
  lookupTimeoutMs: number;
  timeouts: HttpTimeouts;
  /**
   * How long a claim on a task covers its one VOD call: the call's own timeouts and a margin. A
   * claim older than that was interrupted (its process died) and is recovered.
   */
  claimLeaseMs: number;
  retryAttempts: number;
  /** A prefetch still queued (never accepted by VOD) this long after it was made is given up. */
  queueTimeoutMs: number;
  /** Idempotency keys are forgotten this long after their first use. */
  idempotencyKeyTtlMs: number;
  /** Ended prefetches older than this are deleted; undefined: kept. */
  retentionMs?: number;
  polling: {
    frequencyMs: number;
    initialDelayMs: number;
    maxDelayMs: number;
    expireAfterMs: number;
  };
  seedRoutes: {
    /** Longest a seed create's caller waits for it to be sent to VOD. */
    maxWaitMs: number;
    /** The seed query answers from the database while the task's data is younger. */
    queryMaxAgeMs: number;
    /** Identical seed calls by one caller within this window are one prefetch. */
    retryWindowMs: number;
  };
}

/** Thrown for a config the plugin cannot start with; the message names the key. */
export class VodConfigError extends Error {
  constructor(key: string, problem: string) {
    super(`Invalid config at '${key}': ${problem}`);
    this.name = 'VodConfigError';
  }
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

/**
 * Each key outside `vod.accounts`, as config.d.ts names it, with where `readVodConfig` puts its
 * value. `claimLeaseMs` is no key: it follows `vod.timeouts.*`.
 */
const KEYS_READ_AT_START: ReadonlyArray<
  readonly [key: string, value: (config: VodConfig) => unknown]
> = [
  ['vod.defaultAccount', c => c.defaultAccount],
  ['vod.quotaTimeZone', c => c.quotaTimeZone],
  ['vod.maxUrlsPerPrefetch', c => c.maxUrlsPerPrefetch],
  ['vod.cacheTtl', c => c.cacheTtlMs],
  ['vod.lookupTimeout', c => c.lookupTimeoutMs],
  ['vod.timeouts.connect', c => c.timeouts.connectMs],
  ['vod.timeouts.headers', c => c.timeouts.headersMs],
  ['vod.timeouts.body', c => c.timeouts.bodyMs],
  ['vod.retryAttempts', c => c.retryAttempts],
  ['vod.queueTimeout', c => c.queueTimeoutMs],
  ['vod.idempotencyKeyTtl', c => c.idempotencyKeyTtlMs],
  ['vod.retention', c => c.retentionMs],
  ['vod.seedRoutes.maxWait', c => c.seedRoutes.maxWaitMs],
  ['vod.seedRoutes.queryMaxAge', c => c.seedRoutes.queryMaxAgeMs],
  ['vod.seedRoutes.retryWindow', c => c.seedRoutes.retryWindowMs],
  ['vod.polling.frequency', c => c.polling.frequencyMs],
  ['vod.polling.initialDelay', c => c.polling.initialDelayMs],
  ['vod.polling.maxDelay', c => c.polling.maxDelayMs],
  ['vod.polling.expireAfter', c => c.polling.expireAfterMs],
];

/**
 * The config keys outside `vod.accounts` whose new value a running plugin does not take: they
 * are read once at start-up. Empty when nothing of the kind changed.
 */
export function keysNeedingRestart(
  current: VodConfig,
  next: VodConfig,
): string[] {
  return KEYS_READ_AT_START.filter(
    ([, value]) => value(current) !== value(next),
  ).map(([key]) => key);
}

/**
 * Follows changes of the config: each new `vod.*` is read and given to `apply`, which takes what
 * applies without a restart (the accounts' credentials, quotas and allow-lists) and throws on
 * more. A config that cannot be read or applied is rejected whole, and the one in use stays; the
 * keys whose new value waits for a restart are named.
 */
export function watchVodConfig(
  root: Config,
  current: VodConfig,
  options: {
    apply: (next: VodConfig) => void;
    logger: Pick<LoggerService, 'warn' | 'error'>;
  },
): void {
  const { apply, logger } = options;
  root.subscribe?.(() => {
    try {
      const next = readVodConfig(root);
      apply(next);
      const later = keysNeedingRestart(current, next);
      if (later.length > 0) {
        logger.warn(
          `new config taken for the accounts; ${later.join(
            ', ',
          )} apply after a restart`,
        );
      }
    } catch (error) {
      logger.error(`new config rejected, keeping the one in use: ${error}`);
    }
  });
}

/** Reads and checks `vod.*`. Missing or malformed keys fail start-up, naming the key. */
export function readVodConfig(root: Config): VodConfig {
  const config = root.getConfig('vod');
  const accounts = config
    .getConfigArray('accounts')
    .map((account, index) => readAccount(account, `vod.accounts[${index}]`));
  if (accounts.length === 0) {
    throw new VodConfigError('vod.accounts', 'at least one account is needed');
  }
  const names = new Set<string>();
  const projects = new Set<string>();
  accounts.forEach((account, index) => {
    if (names.has(account.name)) {
      throw new VodConfigError(
        `vod.accounts[${index}].name`,
        `"${account.name}" is used twice`,
      );
    }
    if (projects.has(account.projectId)) {
      throw new VodConfigError(
        `vod.accounts[${index}].projectId`,
        `project "${account.projectId}" belongs to two accounts; the seed routes pick accounts by project`,
      );
    }
    names.add(account.name);
    projects.add(account.projectId);
  });

  const defaultAccount =
    config.getOptionalString('defaultAccount') ?? accounts[0].name;
  if (!names.has(defaultAccount)) {
    throw new VodConfigError(
      'vod.defaultAccount',
      `no account is named "${defaultAccount}"`,
    );
  }

  const quotaTimeZone =
    config.getOptionalString('quotaTimeZone') ?? 'Asia/Shanghai';
  try {
    Intl.DateTimeFormat('en-US', { timeZone: quotaTimeZone });
  } catch {
    throw new VodConfigError(
      'vod.quotaTimeZone',
      `"${quotaTimeZone}" is not an IANA time zone`,
    );
  }

  const timeouts = {
    connectMs: duration(config, 'timeouts.connect', 5_000),
    headersMs: duration(config, 'timeouts.headers', 15_000),
    bodyMs: duration(config, 'timeouts.body', 15_000),
  };
  const retention = config.has('retention')
    ? duration(config, 'retention', 0)
    : undefined;
  return {
    accounts,
    defaultAccount,
    quotaTimeZone,
    maxUrlsPerPrefetch: positiveInt(
      config,
      'maxUrlsPerPrefetch',
      'vod.maxUrlsPerPrefetch',
      100,
    ),
    retryAttempts: positiveInt(config, 'retryAttempts', 'vod.retryAttempts', 3),
    cacheTtlMs: duration(config, 'cacheTtl', 5_000, { allowZero: true }),
    lookupTimeoutMs: duration(config, 'lookupTimeout', 10_000),
    timeouts,
    // One call is bounded by its timeouts (sendHttp enforces their sum); 5 s covers a paused
    // process and clocks a little apart between replicas.
    claimLeaseMs:
      timeouts.connectMs + timeouts.headersMs + timeouts.bodyMs + 5_000,
    queueTimeoutMs: duration(config, 'queueTimeout', 24 * 3600_000),
    idempotencyKeyTtlMs: duration(config, 'idempotencyKeyTtl', 24 * 3600_000),
    retentionMs: retention,
    polling: {
      frequencyMs: duration(config, 'polling.frequency', 10_000),
      initialDelayMs: duration(config, 'polling.initialDelay', 5_000),
      maxDelayMs: duration(config, 'polling.maxDelay', 300_000),
      expireAfterMs: duration(config, 'polling.expireAfter', 24 * 3600_000),
    },
    seedRoutes: {
      maxWaitMs: duration(config, 'seedRoutes.maxWait', 10_000, {
        allowZero: true,
      }),
      queryMaxAgeMs: duration(config, 'seedRoutes.queryMaxAge', 10_000, {
        allowZero: true,
      }),
      retryWindowMs: duration(config, 'seedRoutes.retryWindow', 600_000),
    },
  };
}

function readAccount(config: Config, key: string): VodAccountConfig {
  const name = config.getString('name');
  if (!NAME.test(name)) {
    throw new VodConfigError(
      `${key}.name`,
      'use letters, digits, "-" or "_" (at most 63)',
    );
  }
  const endpoint = url(config.getString('endpoint'), `${key}.endpoint`);
  const projectId = config.getString('projectId');

  const accessKeyId = config.getOptionalString('accessKeyId');
  const secretAccessKey = config.getOptionalString('secretAccessKey');
  const securityToken = config.getOptionalString('securityToken');
  const iam = config.getOptionalConfig('iam');
  let auth: VodAccountConfig['auth'];
  // A securityToken belongs to AK/SK: beside iam it would be ignored without a word.
  if (iam && (accessKeyId || secretAccessKey || securityToken)) {
    throw new VodConfigError(
      key,
      'give either accessKeyId/secretAccessKey (and securityToken) or iam, not both',
    );
  } else if (iam) {
    auth = {
      type: 'token',
      iam: {
        endpoint: url(iam.getString('endpoint'), `${key}.iam.endpoint`),
        domainName: iam.getString('domainName'),
        userName: iam.getString('userName'),
        password: iam.getString('password'),
      },
    };
  } else if (accessKeyId && secretAccessKey) {
    auth = {
      type: 'aksk',
      credentials: {
        accessKeyId,
        secretAccessKey,
        securityToken: securityToken || undefined,
      },
    };
  } else {
    throw new VodConfigError(
      accessKeyId ? `${key}.secretAccessKey` : `${key}.accessKeyId`,
      'AK/SK credentials need both accessKeyId and secretAccessKey (or configure iam instead)',
    );
  }

  const allowedUrls = UrlAllowList.parse(
    config.getOptionalStringArray('allowedUrlPrefixes') ?? [],
    (index, problem) =>
      new VodConfigError(`${key}.allowedUrlPrefixes[${index}]`, problem),
  );

  return {
    name,
    endpoint,
    projectId,
    auth,
    dailyQuota: positiveInt(config, 'dailyQuota', `${key}.dailyQuota`, 1000),
    allowedUrls,
    createsPerMinute: positiveInt(
      config,
      'rateLimit.createsPerMinute',
      `${key}.rateLimit.createsPerMinute`,
      10,
    ),
    queriesPerMinute: positiveInt(
      config,
      'rateLimit.queriesPerMinute',
      `${key}.rateLimit.queriesPerMinute`,
      100,
    ),
  };
}

function url(value: string, key: string): string {
  try {
    const parsed = new URL(value);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:')
      return value;
  } catch {
    // reported below
  }
  throw new VodConfigError(key, `"${value}" is not an http(s) URL`);
}

function positiveInt(
  config: Config,
  path: string,
  key: string,
  fallback: number,
): number {
  const value = config.getOptionalNumber(path) ?? fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new VodConfigError(
      key,
      `must be a positive whole number, got ${value}`,
    );
  }
  return value;
}

function duration(
  config: Config,
  path: string,
  fallbackMs: number,
  options: { allowZero?: boolean } = {},
): number {
  if (!config.has(path)) return fallbackMs;
  const ms = durationToMilliseconds(
    readDurationFromConfig(config, { key: path }),
  );
  if (options.allowZero ? !(ms >= 0) : !(ms > 0)) {
    throw new VodConfigError(
      `vod.${path}`,
      options.allowZero
        ? 'must be a duration, zero or more'
        : 'must be a positive duration',
    );
  }
  return ms;
}
