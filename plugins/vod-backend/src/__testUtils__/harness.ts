import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import type { Entity } from '@backstage/catalog-model';
import {
  AuthorizeResult,
  isResourcePermission,
} from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import type {
  BackendFeature,
  BackstageCredentials,
} from '@backstage/backend-plugin-api';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import {
  SimulatedAccount,
  startVodSimulator,
  VodSimulator,
} from '@mediaops/vod-simulator';
import request from 'supertest';
import vodPlugin from '..';
import { AK, PROJECT, SK } from './vodAccount';

export { AK, PROJECT, SK };
export const TRAILER_ASSET = 'f488337c31c8e4622f1590735b134c65';
export const DOC_ASSET = '9db42f5e08c15edecd99a98da241994a';
/** Published in VOD but named by no catalog entity. */
export const LOOSE_ASSET = '3c5b0f1e7a2d4b6c8e9f0a1b2c3d4e5f';

/** Who may do what in these tests. */
export const users = {
  /** Allowed everything. */
  allowed: 'user:default/allowed',
  /** Denied everything. */
  denied: 'user:default/denied',
  /** May prefetch and read the trailer entity only: no other entity, nothing ad hoc. */
  trailerOwner: 'user:default/trailer-owner',
  /** Allowed everything except seeing catalog entities (catalog.entity.read). */
  blind: 'user:default/blind',
  /** May prefetch what belongs to no entity, and nothing else: reads only their own. */
  adhocOnly: 'user:default/adhoc-only',
};

const header = (user: string) => ({
  Authorization: mockCredentials.user.header(user),
});

export const auth = {
  none: {},
  allowed: header(users.allowed),
  denied: header(users.denied),
  trailerOwner: header(users.trailerOwner),
  blind: header(users.blind),
  adhocOnly: header(users.adhocOnly),
  service: { Authorization: mockCredentials.service.header() },
};

/** A media-asset Resource in the default namespace, naming `assetId` (if any) by annotation. */
export function mediaEntity(
  name: string,
  owner: string,
  assetId?: string,
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name,
      namespace: 'default',
      ...(assetId && {
        annotations: { 'vod.huaweicloud.com/asset-id': assetId },
      }),
    },
    spec: { type: 'media-asset', owner },
  };
}

export const entities: Entity[] = [
  mediaEntity('trailer', 'group:default/media', TRAILER_ASSET),
  mediaEntity('documentary', 'group:default/content', DOC_ASSET),
  mediaEntity('draft', 'group:default/media'),
];

const { ALLOW, DENY, CONDITIONAL } = AuthorizeResult;

/**
 * A permission policy keyed on the user, resource-aware for the vod resource permissions.
 * Everyone but `blind` sees every catalog entity and everyone runs templates; anyone not listed
 * (services) may do anything.
 */
function decide(
  user: string | undefined,
  permission: string,
  resourceRef?: string,
): AuthorizeResult.ALLOW | AuthorizeResult.DENY {
  if (permission === 'catalog.entity.read') {
    return user === users.blind ? DENY : ALLOW;
  }
  // Everyone may run templates; what a template's steps may do is their own business.
  if (permission.startsWith('scaffolder.')) return ALLOW;
  switch (user) {
    case users.denied:
      return DENY;
    case users.trailerOwner:
      return resourceRef === 'resource:default/trailer' ? ALLOW : DENY;
    case users.adhocOnly:
      return permission === 'vod.prefetch.adhoc.create' ? ALLOW : DENY;
    default:
      return ALLOW;
  }
}

/** The same policy asked without a resource: the trailer owner's rights depend on the entity. */
function decideConditional(
  user: string | undefined,
  permission: string,
): AuthorizeResult {
  if (user === users.trailerOwner && permission.startsWith('vod.')) {
    return CONDITIONAL;
  }
  return decide(user, permission, 'resource:default/any');
}

/** Every decision asked, as "<user> <permission>" (resource-less ones prefixed "conditional"). */
export const permissionChecks: string[] = [];
const authService = mockServices.auth();
const userOf = (credentials: BackstageCredentials) =>
  authService.isPrincipal(credentials, 'user')
    ? credentials.principal.userEntityRef
    : undefined;
const permissions = mockServices.permissions.mock({
  authorize: async (requests, options) => {
    const user = userOf(options.credentials);
    return requests.map(req => {
      permissionChecks.push(`${user} ${req.permission.name}`);
      const resourceRef = isResourcePermission(req.permission)
        ? (req as { resourceRef?: string }).resourceRef
        : undefined;
      return { result: decide(user, req.permission.name, resourceRef) };
    });
  },
  authorizeConditional: async (requests, options) => {
    const user = userOf(options.credentials);
    return requests.map(req => {
      permissionChecks.push(`${user} conditional ${req.permission.name}`);
      const result = decideConditional(user, req.permission.name);
      return (
        result === CONDITIONAL
          ? {
              result,
              pluginId: 'catalog',
              resourceType: 'catalog-entity',
              conditions: {
                rule: 'IS_ENTITY_OWNER',
                resourceType: 'catalog-entity',
                params: {},
              },
            }
          : { result }
      ) as any;
    });
  },
});

export interface Harness {
  sim: VodSimulator;
  server: Parameters<typeof request>[0];
  http: () => ReturnType<typeof request>;
  /** POST /api/vod/prefetches with `body`, sent with `headers` (one of `auth`). */
  createPrefetch(headers: Record<string, string>, body: object): request.Test;
  /** Waits until the prefetch's status satisfies `done`. */
  waitFor(id: string, done: (status: string) => boolean): Promise<any>;
  stop(): Promise<void>;
}

/**
 * The harness of the calling `describe` (or file): started in its `beforeAll`, stopped in its
 * `afterAll`. Its members are for the tests and the hooks that run after that start.
 */
export function useHarness(
  options?: Parameters<typeof startHarness>[0],
): Harness {
  let started: Harness | undefined;
  const harness = () => {
    if (!started) throw new Error('the harness starts in beforeAll');
    return started;
  };
  beforeAll(async () => {
    started = await startHarness(options);
  });
  afterAll(() => started?.stop());
  return {
    get sim() {
      return harness().sim;
    },
    get server() {
      return harness().server;
    },
    http: () => harness().http(),
    createPrefetch: (headers, body) => harness().createPrefetch(headers, body),
    waitFor: (id, done) => harness().waitFor(id, done),
    stop: () => harness().stop(),
  };
}

export async function startHarness(
  options: {
    vod?: Record<string, unknown>;
    account?: Record<string, unknown>;
    /** Changes to the simulator's account. */
    simAccount?: Partial<SimulatedAccount>;
    /** Catalog entities besides the standard ones. */
    extraEntities?: Entity[];
    /** Authenticate with this IAM user (the simulator knows it) instead of AK/SK. */
    iamUser?: { domain: string; name: string; password: string };
    extraFeatures?: BackendFeature[];
    /** How long the simulator takes to warm a URL (default 300 ms). */
    processingMs?: number;
    /** Config besides `vod` (e.g. `app.baseUrl` for the scaffolder module). */
    config?: Record<string, unknown>;
  } = {},
): Promise<Harness> {
  const sim = await startVodSimulator({
    accounts: [
      {
        projectId: PROJECT,
        accessKeyId: AK,
        secretAccessKey: SK,
        ...(options.iamUser && { iamUsers: [options.iamUser] }),
        ...options.simAccount,
      },
    ],
    assets: { [TRAILER_ASSET]: {}, [DOC_ASSET]: {}, [LOOSE_ASSET]: {} },
    processingMs: options.processingMs ?? 300,
    createsPerMinute: 10_000,
    queriesPerMinute: 10_000,
  });
  const backend = await startTestBackend({
    features: [
      vodPlugin,
      mockServices.rootConfig.factory({
        data: {
          ...options.config,
          vod: {
            accounts: [
              {
                name: 'main',
                endpoint: sim.url,
                projectId: PROJECT,
                ...(options.iamUser
                  ? {
                      iam: {
                        endpoint: sim.url,
                        domainName: options.iamUser.domain,
                        userName: options.iamUser.name,
                        password: options.iamUser.password,
                      },
                    }
                  : { accessKeyId: AK, secretAccessKey: SK }),
                allowedUrlPrefixes: [
                  'https://example.com/asset/',
                  'https://cdn.example.com/',
                ],
                rateLimit: {
                  createsPerMinute: 10_000,
                  queriesPerMinute: 10_000,
                },
                ...options.account,
              },
            ],
            polling: {
              frequency: '200ms',
              initialDelay: '100ms',
              maxDelay: '200ms',
            },
            timeouts: { headers: '2s', body: '2s' },
            ...options.vod,
          },
        },
      }),
      mockServices.httpAuth.factory({
        defaultCredentials: mockCredentials.none(),
      }),
      catalogServiceMock.factory({
        entities: [...entities, ...(options.extraEntities ?? [])],
      }),
      permissions.factory,
      // The real scheduler: the mock one runs each task once, and the poller must run repeatedly.
      schedulerServiceFactory,
      ...(options.extraFeatures ?? []),
    ],
  });
  const { server } = backend;
  const http = () => request(server);
  return {
    sim,
    server,
    http,
    createPrefetch: (headers, body) =>
      http().post('/api/vod/prefetches').set(headers).send(body),
    async waitFor(id, done) {
      const deadline = Date.now() + 15_000;
      for (;;) {
        const res = await http()
          .get(`/api/vod/prefetches/${id}`)
          .set(auth.allowed);
        if (done(res.body.status) || Date.now() > deadline) return res.body;
        await new Promise(resolve => setTimeout(resolve, 100));
      }
    },
    async stop() {
      await backend.stop();
      await sim.close();
    },
  };
}
