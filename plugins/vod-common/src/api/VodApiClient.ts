import { ResponseError } from '@backstage/errors';
import type {
  AccountSummary,
  CreatePrefetchRequest,
  Prefetch,
  PrefetchList,
  PrefetchPlan,
  PrefetchStatus,
  Quota,
} from '../types';

/**
 * Where the vod backend is: Backstage's discovery, or anything with the same method.
 *
 * @public
 */
export interface VodDiscovery {
  /** The base URL of a plugin's API, e.g. `http://localhost:7007/api/vod`. */
  getBaseUrl(pluginId: string): Promise<string>;
}

/**
 * Per-call options: a Backstage token (omit when `fetchApi` adds one itself); an abort signal.
 *
 * @public
 */
export interface VodRequestOptions {
  /** A Backstage token, sent as the bearer. */
  token?: string;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/**
 * Which prefetches `listPrefetches` returns: every filter given must match; newest first.
 *
 * @public
 */
export interface ListPrefetchesQuery {
  /** Only those of this catalog entity. */
  entityRef?: string;
  /** Only those of this VOD asset. */
  assetId?: string;
  /** Only those on this VOD account of the portal. */
  account?: string;
  /** Only those in this state. */
  status?: PrefetchStatus;
  /** Only those started by this user or service, e.g. `user:default/guest`. */
  createdBy?: string;
  /** How many, 1 to 100 (default 20). */
  limit?: number;
  /** `nextCursor` of the previous page, for the next one. */
  cursor?: string;
}

/**
 * The vod backend's HTTP API for browsers and Node alike. Failures throw `ResponseError` with
 * the backend's error (its message names what was wrong).
 *
 * @public
 */
export class VodApiClient {
  private readonly discovery: VodDiscovery;
  private readonly fetchImpl: typeof fetch;

  constructor(options: {
    discoveryApi: VodDiscovery;
    fetchApi?: { fetch: typeof fetch };
  }) {
    this.discovery = options.discoveryApi;
    this.fetchImpl =
      options.fetchApi?.fetch ?? ((input, init) => fetch(input, init));
  }

  /**
   * Records a prefetch (202): the backend checks it, spends its quota and sends it to VOD. The
   * same `idempotencyKey` with the same request returns the first prefetch.
   */
  createPrefetch(
    request: CreatePrefetchRequest,
    options: VodRequestOptions & { idempotencyKey?: string } = {},
  ): Promise<Prefetch> {
    return this.request<Prefetch>('/prefetches', options, {
      method: 'POST',
      body: JSON.stringify(request),
      headers: options.idempotencyKey
        ? { 'Idempotency-Key': options.idempotencyKey }
        : undefined,
    });
  }

  /** What `createPrefetch` would do, checked as it would be, recording nothing. */
  planPrefetch(
    request: CreatePrefetchRequest,
    options: VodRequestOptions = {},
  ): Promise<PrefetchPlan> {
    return this.request<PrefetchPlan>('/prefetches?dryRun=true', options, {
      method: 'POST',
      body: JSON.stringify(request),
    });
  }

  /**
   * A prefetch. With `changedFrom` (a `prefetchFingerprint`), the backend answers once the
   * prefetch shows something else, at once when it has ended, and otherwise after
   * `timeoutSeconds` (5 to 30, default 25) with it as it is.
   */
  getPrefetch(
    id: string,
    options: VodRequestOptions & {
      changedFrom?: string;
      timeoutSeconds?: number;
    } = {},
  ): Promise<Prefetch> {
    const { changedFrom, timeoutSeconds } = options;
    return this.request<Prefetch>(
      `/prefetches/${encodeURIComponent(id)}${searchOf({
        changedFrom,
        timeoutSeconds,
      })}`,
      options,
    );
  }

  /** A page of the prefetches the caller may read (`nextCursor` for the next one). */
  listPrefetches(
    query: ListPrefetchesQuery = {},
    options: VodRequestOptions = {},
  ): Promise<PrefetchList> {
    return this.request<PrefetchList>(`/prefetches${searchOf(query)}`, options);
  }

  /** An account's quota day: of `account`, of the entity's account, or of the default one. */
  getQuota(
    of: { account?: string; entityRef?: string } = {},
    options: VodRequestOptions = {},
  ): Promise<Quota> {
    return this.request<Quota>(`/quota${searchOf(of)}`, options);
  }

  /** The portal's VOD accounts (names, project ids, problems), never credentials. */
  getAccounts(options: VodRequestOptions = {}): Promise<AccountSummary[]> {
    return this.request<AccountSummary[]>('/accounts', options);
  }

  private async request<T>(
    path: string,
    options: VodRequestOptions,
    init: {
      method?: string;
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<T> {
    const baseUrl = await this.discovery.getBaseUrl('vod');
    const headers: Record<string, string> = { ...init.headers };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (options.token) headers.Authorization = `Bearer ${options.token}`;
    const res = await this.fetchImpl(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      body: init.body,
      headers,
      signal: options.signal,
    });
    if (!res.ok) {
      const error = await ResponseError.fromResponse(res);
      // Say what the backend said (e.g. which field or permission), not only the status.
      const detail = error.body?.error?.message;
      if (detail) error.message = `${error.message}: ${detail}`;
      throw error;
    }
    return (await res.json()) as T;
  }
}

/** `?a=1&b=2` of the defined values, or nothing. */
function searchOf(query: object): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `?${search}` : '';
}
