/** One tenant (project) the simulator knows, with the credentials it accepts. */
export interface SimulatedAccount {
  projectId: string;
  /** The project name IAM scopes may use instead of the id. */
  projectName?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, AK/SK calls must carry (and sign) this `X-Security-Token`: temporary credentials. */
  securityToken?: string;
  /** IAM users who may obtain a token scoped to this project (password method). */
  iamUsers?: Array<{ domain: string; name: string; password: string }>;
}

/** Faults to inject, each checked (in this order) on every VOD and IAM call. */
export interface FaultOptions {
  /** Probability (0–1) of answering 503 before the call is processed. */
  rate5xx?: number;
  /** Probability (0–1) of answering 429 APIGW.0308 before the call is processed. */
  rate429?: number;
  /** Probability (0–1) of destroying the connection before the call is processed. */
  resetRate?: number;
  /**
   * Probability (0–1) of processing the call (a create does create its task) and holding the
   * answer for `timeoutMs` (default 30 s): longer than a client waits.
   */
  timeoutRate?: number;
  timeoutMs?: number;
  /** Extra delay before the response headers, in ms: a fixed value or a [min, max] range. */
  latencyMs?: number | [number, number];
  /** When > 0, the body is sent in two halves this many ms apart. */
  slowBodyMs?: number;
  /** Which calls the probabilistic faults apply to; default all. */
  routes?: Array<'create' | 'query' | 'iam'>;
}

/**
 * A one-shot fault for the next matching call, for tests that need one exact failure:
 * `reset-before` drops the connection without processing the call, `reset-after` processes it
 * (a create does create its task) and then drops the connection before answering.
 */
export interface QueuedFault {
  kind:
    | '500'
    | '503'
    | '429'
    | 'reset-before'
    | 'reset-after'
    | 'slow-body'
    | 'timeout';
  route?: 'create' | 'query' | 'iam';
  /**
   * Only a create of this asset (its body's `asset_id`) takes the fault, so that tests sharing a
   * simulator each fault their own calls.
   */
  assetId?: string;
  /** For `slow-body`: ms between the two halves of the body. */
  delayMs?: number;
}

export interface SimulatorOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Address to listen on; default 127.0.0.1. */
  host?: string;
  accounts: SimulatedAccount[];
  /**
   * Published assets by id, each with the streaming URLs a prefetch of it warms. An asset
   * listed with no URLs gets three generated renditions. Unknown assets are refused.
   */
  assets?: Record<string, { urls?: string[] }>;
  /** Prefetched assets (or URLs) per project per quota day; default 1,000. */
  dailyQuota?: number;
  /** Offset of the quota day's time zone from UTC, in minutes; default +480 (GMT+08:00). */
  quotaUtcOffsetMinutes?: number;
  /** Create calls per rolling minute per project; default 10. */
  createsPerMinute?: number;
  /** Query calls per rolling minute per project; default 100. */
  queriesPerMinute?: number;
  /** How long a URL stays `processing`, in ms: fixed or a [min, max] range; default [2000, 8000]. */
  processingMs?: number | [number, number];
  /** URLs containing any of these strings end `failed` instead of `succeed`. */
  failingUrlPatterns?: string[];
  /** Largest clock skew accepted on signed calls; default 15 minutes. */
  maxClockSkewMs?: number;
  /** Lifetime of issued IAM tokens; default 24 hours. */
  tokenTtlMs?: number;
  /** Largest request body accepted, in bytes; default 64 KiB (413 beyond). */
  maxBodyBytes?: number;
  faults?: FaultOptions;
  /** Calls kept for `GET /admin/calls`, the newest; default 10,000. */
  maxRecordedCalls?: number;
  /** Seed of the random choices (faults, processing times, ids); default 1. */
  seed?: number;
  /** The simulator's clock; default Date.now. Admin `POST /admin/advance` moves it forward. */
  now?: () => number;
}

/** The options with every default filled in. */
export type ResolvedOptions = Required<
  Omit<SimulatorOptions, 'faults' | 'now'>
> & { faults: FaultOptions; now: () => number };

export function resolveOptions(options: SimulatorOptions): ResolvedOptions {
  if (!options.accounts?.length) {
    throw new Error('the VOD simulator needs at least one account');
  }
  return {
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    accounts: options.accounts,
    assets: options.assets ?? {},
    dailyQuota: options.dailyQuota ?? 1000,
    quotaUtcOffsetMinutes: options.quotaUtcOffsetMinutes ?? 480,
    createsPerMinute: options.createsPerMinute ?? 10,
    queriesPerMinute: options.queriesPerMinute ?? 100,
    processingMs: options.processingMs ?? [2000, 8000],
    failingUrlPatterns: options.failingUrlPatterns ?? [],
    maxClockSkewMs: options.maxClockSkewMs ?? 15 * 60_000,
    tokenTtlMs: options.tokenTtlMs ?? 24 * 3600_000,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024,
    faults: options.faults ?? {},
    maxRecordedCalls: options.maxRecordedCalls ?? 10_000,
    seed: options.seed ?? 1,
    now: options.now ?? Date.now,
  };
}
