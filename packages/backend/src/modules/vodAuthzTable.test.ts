// Who may call what on the vod plugin: every route and action, asked by every kind of caller,
// in a backend put together like the demo portal's: the real vod plugin, the scaffolder with
// vod:preheat, the catalog reading the demo catalog, the permission backend with the demo policy
// (VodDemoPolicy, which is why this lives here and not in the plugin), the VOD simulator over
// HTTP in its own process. Only identities are mocked: Backstage's mock tokens, and the ownership
// claims a sign-in would give. The policy gets one rule the demo lacks, to hide media entities
// from one user.
//
// The table is the authorization reference: "this request, from this caller, is answered with
// this status". Services are not judged by the permission policy: what a static token may do is
// limited by its `accessRestrictions` (vod README); another plugin's token may do anything, as
// Backstage trusts its own plugins.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import {
  BackstageCredentials,
  BackstagePrincipalAccessRestrictions,
  coreServices,
  createBackendModule,
  createServiceFactory,
  HttpAuthService,
} from '@backstage/backend-plugin-api';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { actionsRegistryServiceFactory } from '@backstage/backend-defaults/alpha';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import { schedulerServiceFactory } from '@backstage/backend-defaults/scheduler';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import permissionPlugin from '@backstage/plugin-permission-backend';
import { isResourcePermission } from '@backstage/plugin-permission-common';
import type {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import scaffolderModuleVod from '@mediaops/backstage-plugin-scaffolder-backend-module-vod';
import vodPlugin from '@mediaops/backstage-plugin-vod-backend';
import request from 'supertest';
import { VodDemoPolicy } from './vodDemoPolicy';

jest.setTimeout(120_000);

/** Who calls. */
const callers = [
  'anonymous',
  'allowed user',
  'user denied by the demo policy',
  'owner, allowed only by the conditional owner rule',
  'user who may not see the entity',
  'static token restricted to reading',
  'static token for automation',
  "another plugin's token",
] as const;
type Caller = (typeof callers)[number];
const BLIND: Caller = 'user who may not see the entity';

/**
 * An HTTP status. Besides: `200 []`, a 200 whose list leaves out the entity's prefetch; for the
 * template, how its task ends: `completed`, or `failed 403`/`failed 404` when vod:preheat is
 * refused as the API would refuse it.
 */
type Outcome = number | '200 []' | 'completed' | 'failed 403' | 'failed 404';

// Every row is about one entity of the demo catalog (examples/media.yaml):
// resource:default/coastlines-s01e01, owned by group:default/content-operations, annotated with
// VOD asset 9db42f5e08c15edecd99a98da241994a. "its prefetch" and "an ad-hoc prefetch" were made by
// a service, none of the callers. Columns: the callers above, in that order.
// prettier-ignore
const table = [
  // request                                             anon  allowed      denied        owner        blind         reader  automation  plugin
  ['GET /health',                                        200,  200,         200,          200,         200,          200,    200,        200],
  ['GET /accounts',                                      401,  200,         200,          200,         200,          200,    200,        200],
  ['GET /quota',                                         401,  200,         200,          200,         200,          200,    200,        200],
  ['GET /quota?entityRef',                               401,  200,         200,          200,         404,          200,    200,        200],
  ['POST /prefetches {entityRef}',                       401,  202,         403,          202,         404,          403,    202,        202],
  ['POST /prefetches?dryRun=true {entityRef}',           401,  200,         403,          200,         404,          403,    200,        200],
  ["POST /prefetches {assetId} (the entity's asset)",    401,  202,         403,          202,         403,          403,    202,        202],
  ['POST /prefetches {urls} (ad hoc)',                   401,  202,         403,          403,         202,          403,    202,        202],
  ['GET /prefetches',                                    401,  200,         200,          200,         '200 []',     200,    200,        200],
  ['GET /prefetches?entityRef',                          401,  200,         200,          200,         '200 []',     200,    200,        200],
  ['GET /prefetches/:id (its prefetch)',                 401,  200,         200,          200,         404,          200,    200,        200],
  ['GET /prefetches/:id?changedFrom (waiting read)',     401,  200,         200,          200,         404,          200,    200,        200],
  ['GET /prefetches/:id (an ad-hoc prefetch)',           401,  200,         200,          200,         200,          200,    200,        200],
  ['POST /v1.0/:projectId/asset/preheating {asset_id}',  401,  202,         403,          202,         403,          403,    202,        202],
  ['GET /v1.0/:projectId/asset/preheating?task_id',      401,  200,         200,          200,         404,          200,    200,        200],
  ['GET /.backstage/actions/v1/actions',                 401,  200,         200,          200,         200,          200,    200,        200],
  ['action vod:prefetch-create {entityRef}',             401,  200,         403,          200,         404,          403,    200,        200],
  ['action vod:prefetch-create {entityRef, dryRun}',     401,  200,         403,          200,         404,          403,    200,        200],
  ['action vod:prefetch-get (its prefetch)',             401,  200,         200,          200,         404,          200,    200,        200],
  ['action vod:prefetch-list {entityRef}',               401,  200,         200,          200,         '200 []',     200,    200,        200],
  ['template with vod:preheat {entityRef}',              401,  'completed', 'failed 403', 'completed', 'failed 404', 403,    403,        'completed'],
] as const satisfies ReadonlyArray<readonly [string, ...Outcome[]]>;
type Row = (typeof table)[number][0];

const ENTITY = 'resource:default/coastlines-s01e01';
const ASSET = '9db42f5e08c15edecd99a98da241994a';
// Made-up credentials the simulator and the backend share.
const PROJECT = '0123456789abcdef0123456789abcdef';
const AK = 'QTWAOYTTINDUT2QVKYUC';
const SK = 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc';

const users = {
  /** In media-platform (ad-hoc prefetches) and content-operations (owns the entity). */
  allowed: 'user:default/allowed',
  /** In no group: the demo policy lets them read, and prefetch nothing. */
  denied: 'user:default/outsider',
  /** In content-operations, as examples/org.yaml has it: the owner rule is all they have. */
  owner: 'user:default/amara.okafor',
  /** Like the allowed user, but the policy hides media entities (catalog.entity.read) from them. */
  blind: 'user:default/blind',
};

/** Sign-in ownership claims, as a sign-in resolver would put them in the token. */
const ownership: Record<string, string[]> = {
  [users.allowed]: [
    users.allowed,
    'group:default/media-platform',
    'group:default/content-operations',
  ],
  [users.denied]: [users.denied],
  [users.owner]: [users.owner, 'group:default/content-operations'],
  [users.blind]: [
    users.blind,
    'group:default/media-platform',
    'group:default/content-operations',
  ],
};

/** The vod README's two static external-access tokens (`backend.auth.externalAccess`). */
const staticTokens: Record<
  string,
  {
    subject: string;
    accessRestrictions: Record<string, BackstagePrincipalAccessRestrictions>;
  }
> = {
  'vod-reader-token': {
    subject: 'vod-dashboard',
    accessRestrictions: {
      vod: { permissionAttributes: { action: ['read'] } },
    },
  },
  'vod-automation-token': {
    subject: 'release-pipeline',
    accessRestrictions: { 'mcp-actions': {}, vod: {} },
  },
};

/** The Authorization header a caller sends to a plugin. */
function headersOf(caller: Caller, pluginId: string): Record<string, string> {
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
  switch (caller) {
    case 'anonymous':
      return {};
    case 'allowed user':
      return bearer(mockCredentials.user.token(users.allowed));
    case 'user denied by the demo policy':
      return bearer(mockCredentials.user.token(users.denied));
    case 'owner, allowed only by the conditional owner rule':
      return bearer(mockCredentials.user.token(users.owner));
    case 'user who may not see the entity':
      return bearer(mockCredentials.user.token(users.blind));
    case 'static token restricted to reading':
      return bearer('vod-reader-token');
    case 'static token for automation':
      return bearer('vod-automation-token');
    case "another plugin's token":
      return bearer(
        mockCredentials.service.token({
          onBehalfOf: mockCredentials.service('plugin:catalog'),
          targetPluginId: pluginId,
        }),
      );
    default:
      throw new Error(`no caller ${caller}`);
  }
}

/**
 * The demo policy, plus the one rule it does not have: the blind user may see every catalog
 * entity but media ones (a conditional decision the catalog applies, as a real policy would).
 */
class DemoPolicyHidingMediaFromOne implements PermissionPolicy {
  private readonly demo = new VodDemoPolicy();

  async handle(query: PolicyQuery, user?: PolicyQueryUser) {
    if (
      isResourcePermission(query.permission, 'catalog-entity') &&
      query.permission.name === 'catalog.entity.read' &&
      user?.info.userEntityRef === users.blind
    ) {
      return createCatalogConditionalDecision(query.permission, {
        not: catalogConditions.isEntityKind({ kinds: ['Resource'] }),
      });
    }
    return this.demo.handle(query, user);
  }
}

const policyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'vod-authz-table-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new DemoPolicyHidingMediaFromOne());
      },
    });
  },
});

/**
 * Backstage's mock auth, except that a plugin's token on a user's behalf names the plugin as its
 * actor and one on a service's behalf is the plugin's own, as real tokens do (the permission
 * backend answers a resource-less question only for such a caller).
 */
const authAsReal = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const pluginId = plugin.getId();
    const auth = mockServices.auth({ pluginId });
    return Object.assign(Object.create(auth), {
      async getPluginRequestToken(options: {
        onBehalfOf: BackstageCredentials;
        targetPluginId: string;
      }) {
        const { onBehalfOf, targetPluginId } = options;
        if (auth.isPrincipal(onBehalfOf, 'user')) {
          return {
            token: mockCredentials.user.token(
              onBehalfOf.principal.userEntityRef,
              { actor: { subject: `plugin:${pluginId}` } },
            ),
          };
        }
        if (auth.isPrincipal(onBehalfOf, 'service')) {
          return {
            token: mockCredentials.service.token({
              onBehalfOf: mockCredentials.service(`plugin:${pluginId}`),
              targetPluginId,
            }),
          };
        }
        return auth.getPluginRequestToken(options);
      },
    });
  },
});

/** A 403 as Backstage's error handler answers a NotAllowedError (@backstage/errors). */
const notAllowed = (message: string) =>
  Object.assign(new Error(message), { name: 'NotAllowedError' });

/**
 * Backstage's mock HTTP auth (no token: no credentials), which also knows the static tokens as
 * Backstage's static external-access handler treats them: refused by a plugin their restrictions
 * do not list, a service with that plugin's restrictions elsewhere.
 */
const httpAuthWithStaticTokens = createServiceFactory({
  service: coreServices.httpAuth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const pluginId = plugin.getId();
    const httpAuth = mockServices.httpAuth({
      pluginId,
      defaultCredentials: mockCredentials.none(),
    });
    const credentials: HttpAuthService['credentials'] = async (
      req,
      options,
    ) => {
      const token = /^Bearer (\S+)$/i.exec(
        req.headers.authorization ?? '',
      )?.[1];
      const known = token ? staticTokens[token] : undefined;
      if (!known) return httpAuth.credentials(req, options);
      const restrictions = known.accessRestrictions[pluginId];
      if (!restrictions) {
        throw notAllowed(
          `This token's access is restricted to plugin(s) ${Object.keys(
            known.accessRestrictions,
          ).join(', ')}`,
        );
      }
      if (options?.allow && !(options.allow as string[]).includes('service')) {
        throw notAllowed("This endpoint does not allow 'service' credentials");
      }
      return mockCredentials.service(known.subject, restrictions) as any;
    };
    return {
      credentials,
      issueUserCookie: (res, options) => httpAuth.issueUserCookie(res, options),
    };
  },
});

const examples = (file: string) =>
  resolve(__dirname, '../../../../examples', file);

/** The demo's VOD simulator (packages/vod-simulator), as `./dev start` runs it: its own process. */
async function startSimulator(configFile: string) {
  const child = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli/config/nodeTransform.cjs'),
      resolve(__dirname, '../../../vod-simulator/src/main.ts'),
    ],
    {
      env: {
        ...process.env,
        VOD_SIMULATOR_PORT: '0',
        VOD_PROJECT_ID: PROJECT,
        VOD_ACCESS_KEY_ID: AK,
        VOD_SECRET_ACCESS_KEY: SK,
        VOD_SIMULATOR_CONFIG: configFile,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the simulator did not start: ${output}`)),
      30_000,
    );
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('exit', code => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited (${code}): ${output}`));
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>(done => {
        if (child.exitCode !== null) {
          done();
          return;
        }
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

describe('who may call what on the vod plugin (the demo portal)', () => {
  let server: Parameters<typeof request>[0];
  let stopAll: (() => Promise<void>) | undefined;
  /** Prefetches to read: one of the entity, one ad hoc. */
  const made = { entityPrefetch: '', adhocPrefetch: '', taskId: '' };

  beforeAll(async () => {
    const dir = createMockDirectory();
    dir.setContent({
      'simulator.json': JSON.stringify({
        processingMs: 200,
        createsPerMinute: 100_000,
        queriesPerMinute: 100_000,
      }),
    });
    const sim = await startSimulator(dir.resolve('simulator.json'));
    const backend = await startTestBackend({
      features: [
        vodPlugin,
        scaffolderPlugin,
        scaffolderModuleVod,
        catalogPlugin,
        catalogModuleScaffolderEntityModel,
        permissionPlugin,
        policyModule,
        authAsReal,
        httpAuthWithStaticTokens,
        permissionsServiceFactory,
        actionsRegistryServiceFactory,
        schedulerServiceFactory,
        mockServices.userInfo.mock({
          getUserInfo: async credentials => {
            const user = (credentials.principal as { userEntityRef: string })
              .userEntityRef;
            return {
              userEntityRef: user,
              ownershipEntityRefs: ownership[user] ?? [user],
            };
          },
        }).factory,
        mockServices.rootConfig.factory({
          data: {
            app: { baseUrl: 'http://portal.example' },
            backend: { actions: { pluginSources: ['vod'] } },
            permission: { enabled: true },
            catalog: {
              rules: [
                { allow: ['Resource', 'System', 'Group', 'User', 'Template'] },
              ],
              locations: [
                { type: 'file', target: examples('org.yaml') },
                { type: 'file', target: examples('media.yaml') },
                {
                  type: 'file',
                  target: examples('templates/warm-media-asset.yaml'),
                },
              ],
            },
            vod: {
              accounts: [
                {
                  name: 'main',
                  endpoint: sim.url,
                  projectId: PROJECT,
                  accessKeyId: AK,
                  secretAccessKey: SK,
                  allowedUrlPrefixes: ['https://cdn.example.com/asset/'],
                  rateLimit: {
                    createsPerMinute: 100_000,
                    queriesPerMinute: 100_000,
                  },
                },
              ],
              polling: {
                frequency: '200ms',
                initialDelay: '100ms',
                maxDelay: '200ms',
              },
            },
          },
        }),
      ],
    });
    server = backend.server;
    stopAll = async () => {
      await backend.stop();
      await sim.stop();
    };

    const http = () => request(server);
    // Made by a service, so that no caller in the table reads them as the one who started them.
    const asService = { Authorization: mockCredentials.service.header() };
    // The catalog reads the demo files in the background: wait for the entity and the template.
    for (let i = 0; ; i++) {
      const [entity, template] = await Promise.all(
        [
          'resource/default/coastlines-s01e01',
          'template/default/warm-media-asset',
        ].map(path =>
          http()
            .get(`/api/catalog/entities/by-name/${path}`)
            .set('Authorization', mockCredentials.service.header()),
        ),
      );
      if (entity.status === 200 && template.status === 200) break;
      if (i > 150) {
        throw new Error(
          `the catalog never read the demo files: ${entity.text} ${template.text}`,
        );
      }
      await new Promise(r => setTimeout(r, 200));
    }
    const entityPrefetch = await http()
      .post('/api/vod/prefetches')
      .set(asService)
      .send({ entityRef: ENTITY });
    const adhocPrefetch = await http()
      .post('/api/vod/prefetches')
      .set(asService)
      .send({ urls: ['https://cdn.example.com/asset/launch/720p.m3u8'] });
    if (entityPrefetch.status !== 202 || adhocPrefetch.status !== 202) {
      throw new Error(
        `no prefetches: ${entityPrefetch.text} ${adhocPrefetch.text}`,
      );
    }
    made.entityPrefetch = entityPrefetch.body.id;
    made.adhocPrefetch = adhocPrefetch.body.id;
    // Ended, so that a waiting read answers at once, and sent, for its VOD task id.
    for (let i = 0; ; i++) {
      const res = await http()
        .get(`/api/vod/prefetches/${made.entityPrefetch}`)
        .set(asService);
      if (res.body.status === 'succeeded') {
        made.taskId = res.body.tasks[0].taskId;
        break;
      }
      if (i > 100) throw new Error(`the prefetch did not end: ${res.text}`);
      await new Promise(r => setTimeout(r, 100));
    }
  });

  afterAll(() => stopAll?.());

  const http = () => request(server);
  const vod = (caller: Caller) => headersOf(caller, 'vod');
  const answer = (res: request.Response) => ({
    outcome: res.status as Outcome,
    text: res.text,
  });
  /** A list's answer: `200 []` if it leaves out the entity's prefetch. */
  const listed = (res: request.Response, items?: Array<{ id: string }>) => ({
    outcome:
      res.status === 200 && !items?.some(p => p.id === made.entityPrefetch)
        ? ('200 []' as const)
        : res.status,
    text: res.text,
  });
  const invoke = (caller: Caller, action: string, input: object) =>
    http()
      .post(`/api/vod/.backstage/actions/v1/actions/vod:${action}/invoke`)
      .set(vod(caller))
      .send(input);
  const seedPath = `/api/vod/v1.0/${PROJECT}/asset/preheating`;
  /** How a template task ended: refused steps by the status the API would have answered. */
  const taskEnd = async (
    id: string,
  ): Promise<{ outcome: Outcome; text: string }> => {
    const asService = { Authorization: mockCredentials.service.header() };
    for (let i = 0; i < 300; i++) {
      const task = await http()
        .get(`/api/scaffolder/v2/tasks/${id}`)
        .set(asService);
      if (task.body.status === 'completed' || task.body.status === 'failed') {
        const events = await http()
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set(asService);
        if (task.body.status === 'completed') {
          return { outcome: 'completed', text: events.text };
        }
        const refusal = /(NotAllowedError|NotFoundError):/.exec(events.text);
        const outcomes = {
          NotAllowedError: 'failed 403',
          NotFoundError: 'failed 404',
        } as const;
        if (!refusal) throw new Error(`task ${id} failed: ${events.text}`);
        return {
          outcome: outcomes[refusal[1] as keyof typeof outcomes],
          text: events.text,
        };
      }
      await new Promise(r => setTimeout(r, 100));
    }
    throw new Error(`task ${id} did not end`);
  };

  /** Each row's request, as `caller` sends it (about `entityRef`, where it names one). */
  const send: Record<
    Row,
    (
      caller: Caller,
      entityRef: string,
    ) => Promise<{ outcome: Outcome; text: string }>
  > = {
    'GET /health': async caller =>
      answer(await http().get('/api/vod/health').set(vod(caller))),
    'GET /accounts': async caller =>
      answer(await http().get('/api/vod/accounts').set(vod(caller))),
    'GET /quota': async caller =>
      answer(await http().get('/api/vod/quota').set(vod(caller))),
    'GET /quota?entityRef': async (caller, entityRef) =>
      answer(
        await http()
          .get('/api/vod/quota')
          .query({ entityRef })
          .set(vod(caller)),
      ),
    'POST /prefetches {entityRef}': async (caller, entityRef) =>
      answer(
        await http()
          .post('/api/vod/prefetches')
          .set(vod(caller))
          .send({ entityRef }),
      ),
    'POST /prefetches?dryRun=true {entityRef}': async (caller, entityRef) =>
      answer(
        await http()
          .post('/api/vod/prefetches?dryRun=true')
          .set(vod(caller))
          .send({ entityRef }),
      ),
    "POST /prefetches {assetId} (the entity's asset)": async caller =>
      answer(
        await http()
          .post('/api/vod/prefetches')
          .set(vod(caller))
          .send({ assetId: ASSET }),
      ),
    'POST /prefetches {urls} (ad hoc)': async caller =>
      answer(
        await http()
          .post('/api/vod/prefetches')
          .set(vod(caller))
          .send({ urls: ['https://cdn.example.com/asset/launch/1080p.m3u8'] }),
      ),
    'GET /prefetches': async caller => {
      const res = await http()
        .get('/api/vod/prefetches')
        .query({ limit: 100 })
        .set(vod(caller));
      return listed(res, res.body.items);
    },
    'GET /prefetches?entityRef': async (caller, entityRef) => {
      const res = await http()
        .get('/api/vod/prefetches')
        .query({ entityRef })
        .set(vod(caller));
      return listed(res, res.body.items);
    },
    'GET /prefetches/:id (its prefetch)': async caller =>
      answer(
        await http()
          .get(`/api/vod/prefetches/${made.entityPrefetch}`)
          .set(vod(caller)),
      ),
    // The prefetch has ended, so a waiting read answers at once.
    'GET /prefetches/:id?changedFrom (waiting read)': async caller =>
      answer(
        await http()
          .get(`/api/vod/prefetches/${made.entityPrefetch}`)
          .query({ changedFrom: 'pending:0:0:0' })
          .set(vod(caller)),
      ),
    'GET /prefetches/:id (an ad-hoc prefetch)': async caller =>
      answer(
        await http()
          .get(`/api/vod/prefetches/${made.adhocPrefetch}`)
          .set(vod(caller)),
      ),
    'POST /v1.0/:projectId/asset/preheating {asset_id}': async caller =>
      answer(
        await http()
          .post(seedPath)
          .set(vod(caller))
          .set('Content-Type', 'application/json')
          .send(JSON.stringify({ asset_id: ASSET })),
      ),
    'GET /v1.0/:projectId/asset/preheating?task_id': async caller =>
      answer(
        await http()
          .get(seedPath)
          .query({ task_id: made.taskId })
          .set(vod(caller)),
      ),
    'GET /.backstage/actions/v1/actions': async caller =>
      answer(
        await http()
          .get('/api/vod/.backstage/actions/v1/actions')
          .set(vod(caller)),
      ),
    'action vod:prefetch-create {entityRef}': async (caller, entityRef) =>
      answer(
        await invoke(caller, 'prefetch-create', {
          entityRef,
          idempotencyKey: `authz-table-${callers.indexOf(caller)}`,
        }),
      ),
    'action vod:prefetch-create {entityRef, dryRun}': async (
      caller,
      entityRef,
    ) =>
      answer(
        await invoke(caller, 'prefetch-create', { entityRef, dryRun: true }),
      ),
    'action vod:prefetch-get (its prefetch)': async caller =>
      answer(await invoke(caller, 'prefetch-get', { id: made.entityPrefetch })),
    'action vod:prefetch-list {entityRef}': async (caller, entityRef) => {
      const res = await invoke(caller, 'prefetch-list', { entityRef });
      return listed(res, res.body.output?.items);
    },
    'template with vod:preheat {entityRef}': async (caller, entityRef) => {
      const res = await http()
        .post('/api/scaffolder/v2/tasks')
        .set(headersOf(caller, 'scaffolder'))
        .send({
          templateRef: 'template:default/warm-media-asset',
          values: { entityRef, wait: false },
        });
      return res.status === 201 ? taskEnd(res.body.id) : answer(res);
    },
  };

  it('has a status for every caller in every row', () => {
    for (const [what, ...outcomes] of table) {
      expect([what, outcomes.length]).toEqual([what, callers.length]);
    }
  });

  const cases = table.flatMap(([what, ...outcomes]) =>
    outcomes.map((expected, i) => ({ what, caller: callers[i], expected })),
  );

  it.each(cases)(
    '$what as "$caller" → $expected',
    async ({ what, caller, expected }) => {
      const { outcome, text } = await send[what](caller, ENTITY);
      // Nobody learns of an entity they may not see, unless they named it themselves.
      const namesHiddenEntity =
        caller === BLIND &&
        !what.includes('entityRef') &&
        text.includes('coastlines');
      // The text too, so that a failure shows what the caller was told.
      expect({ outcome, namesHiddenEntity, text }).toEqual({
        outcome: expected,
        namesHiddenEntity: false,
        text,
      });
    },
  );

  // A hidden entity answers as a missing one, so that no answer tells whether it exists.
  const naming = table
    .map(([what]) => what)
    .filter(what => what.includes('entityRef'));
  it.each(naming)(
    '%s as "user who may not see the entity" answers as if it did not exist',
    async what => {
      const missing = 'resource:default/no-such-media';
      const [hidden, absent] = await Promise.all([
        send[what](BLIND, ENTITY),
        send[what](BLIND, missing),
      ]);
      /** What the caller was told, as an error (of the API, or in the task's log), if any. */
      const told = ({ outcome, text }: { outcome: Outcome; text: string }) => ({
        outcome,
        error: (
          /"message":"(\w+Error: [^"]*)"/.exec(text)?.[1] ??
          JSON.parse(text).error?.message
        )?.replaceAll(missing, ENTITY),
      });
      expect(told(hidden)).toEqual(told(absent));
    },
  );
});
