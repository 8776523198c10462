import {
  AuthService,
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import {
  CreatePrefetchRequest,
  ListPrefetchesQuery,
  Prefetch,
  PrefetchList,
  VodApiClient,
} from '@mediaops/backstage-plugin-vod-common';

/**
 * Prefetch through the vod backend as the user (or service) a plugin acts for: the vod plugin's
 * permissions, allow-list and quota apply to them, and the prefetch is recorded as theirs.
 *
 * @public
 */
export interface VodPrefetchService {
  createPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials; idempotencyKey?: string },
  ): Promise<Prefetch>;
  getPrefetch(
    id: string,
    options: { credentials: BackstageCredentials },
  ): Promise<Prefetch>;
  listPrefetches(
    query: ListPrefetchesQuery,
    options: { credentials: BackstageCredentials },
  ): Promise<PrefetchList>;
}

class HttpVodPrefetchService implements VodPrefetchService {
  private readonly client: VodApiClient;

  constructor(discovery: DiscoveryService, private readonly auth: AuthService) {
    this.client = new VodApiClient({ discoveryApi: discovery });
  }

  async createPrefetch(
    request: CreatePrefetchRequest,
    options: { credentials: BackstageCredentials; idempotencyKey?: string },
  ) {
    return this.client.createPrefetch(request, {
      token: await this.tokenFor(options.credentials),
      idempotencyKey: options.idempotencyKey,
    });
  }

  async getPrefetch(
    id: string,
    options: { credentials: BackstageCredentials },
  ) {
    return this.client.getPrefetch(id, {
      token: await this.tokenFor(options.credentials),
    });
  }

  async listPrefetches(
    query: ListPrefetchesQuery,
    options: { credentials: BackstageCredentials },
  ) {
    return this.client.listPrefetches(query, {
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
