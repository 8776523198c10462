import { Config, readDurationFromConfig } from '@backstage/config';
import { durationToMilliseconds } from '@backstage/types';
import type { HttpTimeouts } from '../huaweicloud/http';
import type { SigningCredentials } from '../huaweicloud/signer';

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
  allowedUrlPrefixes: string[];
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
  timeouts: HttpTimeouts;
  retryAttempts: number;
  polling: {
    frequencyMs: number;
    initialDelayMs: number;
    maxDelayMs: number;
    expireAfterMs: number;
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
    timeouts: {
      connectMs: duration(config, 'timeouts.connect', 5_000),
      headersMs: duration(config, 'timeouts.headers', 15_000),
      bodyMs: duration(config, 'timeouts.body', 15_000),
    },
    polling: {
      frequencyMs: duration(config, 'polling.frequency', 10_000),
      initialDelayMs: duration(config, 'polling.initialDelay', 5_000),
      maxDelayMs: duration(config, 'polling.maxDelay', 300_000),
      expireAfterMs: duration(config, 'polling.expireAfter', 24 * 3600_000),
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
  const iam = config.getOptionalConfig('iam');
  let auth: VodAccountConfig['auth'];
  if (iam && (accessKeyId || secretAccessKey)) {
    throw new VodConfigError(
      key,
      'give either accessKeyId/secretAccessKey or iam, not both',
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
        securityToken: config.getOptionalString('securityToken') || undefined,
      },
    };
  } else {
    throw new VodConfigError(
      accessKeyId ? `${key}.secretAccessKey` : `${key}.accessKeyId`,
      'AK/SK credentials need both accessKeyId and secretAccessKey (or configure iam instead)',
    );
  }

  const prefixes = config.getOptionalStringArray('allowedUrlPrefixes') ?? [];
  prefixes.forEach((prefix, i) =>
    url(prefix, `${key}.allowedUrlPrefixes[${i}]`),
  );

  return {
    name,
    endpoint,
    projectId,
    auth,
    dailyQuota: positiveInt(config, 'dailyQuota', `${key}.dailyQuota`, 1000),
    allowedUrlPrefixes: prefixes,
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
