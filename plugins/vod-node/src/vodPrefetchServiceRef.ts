import {
  AuthService,
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  CreatePrefetchRequest,
  isPrefetchEnded,
  ListPrefetchesQuery,
  Prefetch,
  prefetchFingerprint,
  PrefetchList,
  PrefetchPlan,
  Quota,
  VodApiClient,
} from '@mediaops/backstage-plugin-vod-common';

/**
 * Prefetch through the vod backend as the user (or service) a plugin acts for: the vod plugin's
 * permissions, allow-list and quota apply to them, and the prefetch is recorded as theirs.
 *
 * @public
 */
export interface VodPrefetchService {
  /**
   * Records a prefetch as the caller: checked, its quota spent, sent to VOD. The same
   * `idempotencyKey` with the same request returns the first prefetch.
   */
  createPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials; idempotencyKey?: string },
  ): Promise<Prefetch>;
  /** What `createPrefetch` would do and cost, checked as it would be; nothing recorded or sent. */
  planPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials },
  ): Promise<PrefetchPlan>;
  /** One prefetch the caller may read, with its VOD tasks and per-URL results. */
  getPrefetch(
    id: string,
    options: { credentials: BackstageCredentials },
  ): Promise<Prefetch>;
  /**
   * Follows a prefetch until it ends, `timeoutMs` passes or `signal` aborts, calling `onChange`
   * with each new state or progress. It asks the backend at most every 5 s (each request waits
   * there for a change) and learns of the end within about a second. A backend that fails for a
   * while (5xx, 429, no connection) is asked again every 2 s; a refusal or any other error is
   * thrown.
   */
  waitFor(
    id: string,
    options: {
      credentials: BackstageCredentials;
      signal?: AbortSignal;
      timeoutMs?: number;
      onChange?: (prefetch: Prefetch) => void;
    },
  ): Promise<{ prefetch: Prefetch; outcome: 'ended' | 'timeout' | 'aborted' }>;
  /** A page of the prefetches the caller may read, newest first. */
  listPrefetches(
    query: ListPrefetchesQuery,
    options: { credentials: BackstageCredentials },
  ): Promise<PrefetchList>;
  /** An account's quota day: of the entity's account, of `account`, or of the default one. */
  getQuota(
    of: { entityRef?: string; account?: string },
    options: { credentials: BackstageCredentials },
  ): Promise<Quota>;
}

/** How long one waiting request may wait at the backend, and at least (the backend's bounds). */
const WAIT_SECONDS = 25;
const MIN_WAIT_SECONDS = 5;
/** How long to wait before asking a failing backend again. */
const RETRY_MS = 2_000;

/**
 * Whether a failed read is worth asking again: the backend or the network failing for a while
 * (5xx, 429, no connection), not a refusal or a bug.
 */
function passing(error: unknown): boolean {
  if (error instanceof ResponseError) {
    const status = error.statusCode;
    return status >= 500 || status === 429;
  }
  // fetch's own failure (no connection, reset): a TypeError "fetch failed" with the cause
  return error instanceof TypeError && error.message === 'fetch failed';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * The default implementation, on the vod backend's HTTP API: what `vodPrefetchServiceRef`
 * provides. Exported from `/alpha` for tools and benchmarks without a backend of their own;
 * plugins use `vodPrefetchServiceRef`.
 *
 * @alpha
 */
export class HttpVodPrefetchService implements VodPrefetchService {
  private readonly client: VodApiClient;

  constructor(discovery: DiscoveryService, private readonly auth: AuthService) {
    this.client = new VodApiClient({ discoveryApi: discovery });
  }

  /** {@inheritDoc VodPrefetchService.createPrefetch} */
  async createPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials; idempotencyKey?: string },
  ): Promise<Prefetch> {
    return this.client.createPrefetch(request, {
      token: await this.tokenFor(options.credentials),
      idempotencyKey: options.idempotencyKey,
    });
  }

  /** {@inheritDoc VodPrefetchService.getPrefetch} */
  async getPrefetch(
    id: string,
    options: { credentials: BackstageCredentials },
  ): Promise<Prefetch> {
    return this.client.getPrefetch(id, {
      token: await this.tokenFor(options.credentials),
    });
  }

  /** {@inheritDoc VodPrefetchService.planPrefetch} */
  async planPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials },
  ): Promise<PrefetchPlan> {
    return this.client.planPrefetch(request, {
      token: await this.tokenFor(options.credentials),
    });
  }

  /** {@inheritDoc VodPrefetchService.waitFor} */
  async waitFor(
    id: string,
    options: {
      credentials: BackstageCredentials;
      signal?: AbortSignal;
      timeoutMs?: number;
      onChange?: (prefetch: Prefetch) => void;
    },
  ): Promise<{ prefetch: Prefetch; outcome: 'ended' | 'timeout' | 'aborted' }> {
    const { signal } = options;
    const deadline = Date.now() + (options.timeoutMs ?? Infinity);
    // The first read answers at once; the next ones wait at the backend for a change, at least
    // its 5 s: when less is left, the last read comes once the time is up.
    let prefetch: Prefetch | undefined;
    for (;;) {
      let left = deadline - Date.now();
      if (prefetch) {
        if (isPrefetchEnded(prefetch.status))
          return { prefetch, outcome: 'ended' };
        if (signal?.aborted) return { prefetch, outcome: 'aborted' };
        if (left <= 0) return { prefetch, outcome: 'timeout' };
        if (left < MIN_WAIT_SECONDS * 1000) {
          await sleep(left, signal);
          if (signal?.aborted) return { prefetch, outcome: 'aborted' };
          left = 0;
        }
      }
      const waiting = prefetch && left > 0;
      let next: Prefetch;
      try {
        next = await this.client.getPrefetch(id, {
          token: await this.tokenFor(options.credentials),
          signal,
          ...(waiting && {
            changedFrom: prefetchFingerprint(prefetch!),
            timeoutSeconds: Math.min(WAIT_SECONDS, Math.ceil(left / 1000)),
          }),
        });
      } catch (error) {
        if (signal?.aborted) {
          if (prefetch) return { prefetch, outcome: 'aborted' };
          throw error;
        }
        if (!passing(error) || (!prefetch && left <= 0)) throw error;
        await sleep(Math.min(RETRY_MS, Math.max(0, left)), signal);
        continue;
      }
      if (
        !prefetch ||
        prefetchFingerprint(next) !== prefetchFingerprint(prefetch)
      ) {
        options.onChange?.(next);
      }
      prefetch = next;
    }
  }

  /** {@inheritDoc VodPrefetchService.listPrefetches} */
  async listPrefetches(
    query: ListPrefetchesQuery,
    options: { credentials: BackstageCredentials },
  ): Promise<PrefetchList> {
    return this.client.listPrefetches(query, {
      token: await this.tokenFor(options.credentials),
    });
  }

  /** {@inheritDoc VodPrefetchService.getQuota} */
  async getQuota(
    of: { entityRef?: string; account?: string },
    options: { credentials: BackstageCredentials },
  ): Promise<Quota> {
    return this.client.getQuota(of, {
      token: await this.tokenFor(options.credentials),
    });
  }

  private async tokenFor(credentials: BackstageCredentials): Promise<string> {
    const { token } = await this.auth.getPluginRequestToken({
      onBehalfOf: credentials,
      targetPluginId: 'vod',
    });
    return token;
  }
}

/**
 * The vod prefetch service, for other backend plugins. The default implementation calls the vod
 * backend's HTTP API (found through discovery) with a token on behalf of the given credentials.
 *
 * @public
 */
export const vodPrefetchServiceRef = createServiceRef<VodPrefetchService>({
  id: 'vod.prefetch',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: { discovery: coreServices.discovery, auth: coreServices.auth },
      factory: ({ discovery, auth }) =>
        new HttpVodPrefetchService(discovery, auth),
    }),
});
