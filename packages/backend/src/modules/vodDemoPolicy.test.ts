import { resolve } from 'node:path';
import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import {
  vodPermissions,
  vodPrefetchAdhocCreatePermission,
  vodPrefetchAdhocReadPermission,
  vodPrefetchCreatePermission,
  vodPrefetchReadPermission,
} from '@mediaops/backstage-plugin-vod-common';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import request from 'supertest';
import vodDemoPolicy from './vodDemoPolicy';

jest.setTimeout(60_000);

const examples = (file: string) =>
  resolve(__dirname, '../../../../examples', file);

// Who is in which group, as the catalog's demo organisation says (examples/org.yaml).
const ownership: Record<string, string[]> = {
  'user:default/guest': ['user:default/guest', 'group:default/media-platform'],
  'user:default/amara.okafor': [
    'user:default/amara.okafor',
    'group:default/content-operations',
  ],
};

/**
 * The mock auth service, except that a plugin's token on a user's behalf names the plugin as its
 * actor, as real tokens do: the catalog applies conditions only for such a caller.
 */
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }) {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    return Object.assign(Object.create(auth), {
      async getPluginRequestToken(options: {
        onBehalfOf: BackstageCredentials;
        targetPluginId: string;
      }) {
        const { principal } = options.onBehalfOf;
        if (!auth.isPrincipal(options.onBehalfOf, 'user')) {
          return auth.getPluginRequestToken(options);
        }
        return {
          token: mockCredentials.user.token(
            (principal as { userEntityRef: string }).userEntityRef,
            { actor: { subject: `plugin:${plugin.getId()}` } },
          ),
        };
      },
    });
  },
});

const TRAILER = 'resource:default/winter-launch-trailer-2026'; // owned by media-platform
const COASTLINES = 'resource:default/coastlines-s01e01'; // owned by content-operations

describe('the demo permission policy, through the real permission and catalog backends', () => {
  let server: any;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const backend = await startTestBackend({
      features: [
        permissionPlugin,
        catalogPlugin,
        vodDemoPolicy,
        authWithActors,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            catalog: {
              rules: [{ allow: ['Resource', 'Group', 'User', 'System'] }],
              locations: [
                { type: 'file', target: examples('org.yaml') },
                { type: 'file', target: examples('media.yaml') },
              ],
            },
          },
        }),
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
      ],
    });
    server = backend.server;
    stop = () => backend.stop();
    // The catalog reads the demo files in the background: wait for the media entities.
    for (let i = 0; i < 100; i++) {
      const res = await request(server)
        .get('/api/catalog/entities/by-name/resource/default/coastlines-s01e01')
        .set('Authorization', mockCredentials.service.header());
      if (res.status === 200) return;
      await new Promise(r => setTimeout(r, 200));
    }
    throw new Error('the catalog never read the demo entities');
  });
  afterAll(() => stop?.());

  /** A user's token as the vod plugin sends it to the permission backend. */
  const asVod = (user: string) =>
    `Bearer ${mockCredentials.user.token(user, {
      actor: { subject: 'plugin:vod' },
    })}`;

  /** The permission backend's answers for one user, as a table. */
  async function decisions(
    user: string,
    asks: Array<{
      permission: (typeof vodPermissions)[number];
      resourceRef?: string;
    }>,
  ) {
    const res = await request(server)
      .post('/api/permission/authorize')
      .set('Authorization', asVod(user))
      .send({
        items: asks.map((ask, i) => ({
          id: String(i),
          permission: ask.permission,
          ...(ask.resourceRef && { resourceRef: ask.resourceRef }),
        })),
      });
    expect(res.status).toBe(200);
    return res.body.items.map((item: { result: string }, i: number) =>
      `${asks[i].permission.name} ${asks[i].resourceRef ?? ''}: ${
        item.result
      }`.replace(' :', ':'),
    );
  }

  const asks = [
    { permission: vodPrefetchCreatePermission, resourceRef: TRAILER },
    { permission: vodPrefetchCreatePermission, resourceRef: COASTLINES },
    { permission: vodPrefetchAdhocCreatePermission },
    { permission: vodPrefetchReadPermission, resourceRef: COASTLINES },
    { permission: vodPrefetchAdhocReadPermission },
  ];

  it.each([
    [
      "the guest prefetch what the guest's group owns, and what belongs to no entity",
      'user:default/guest',
      [
        `vod.prefetch.create ${TRAILER}: ALLOW`,
        `vod.prefetch.create ${COASTLINES}: DENY`,
        'vod.prefetch.adhoc.create: ALLOW',
        `vod.prefetch.read ${COASTLINES}: ALLOW`,
        'vod.prefetch.adhoc.read: ALLOW',
      ],
    ],
    [
      "another team's member prefetch their own entities only",
      'user:default/amara.okafor',
      [
        `vod.prefetch.create ${TRAILER}: DENY`,
        `vod.prefetch.create ${COASTLINES}: ALLOW`,
        'vod.prefetch.adhoc.create: DENY',
        `vod.prefetch.read ${COASTLINES}: ALLOW`,
        'vod.prefetch.adhoc.read: ALLOW',
      ],
    ],
  ])('lets %s', async (_who, user, expected) => {
    expect(await decisions(user, asks)).toEqual(expected);
  });

  it('answers a create asked without an entity with the conditions, for a caller to apply', async () => {
    const res = await request(server)
      .post('/api/permission/authorize')
      .set('Authorization', asVod('user:default/guest'))
      .send({ items: [{ id: '1', permission: vodPrefetchCreatePermission }] });
    expect(res.body.items[0]).toMatchObject({
      result: 'CONDITIONAL',
      pluginId: 'catalog',
      resourceType: 'catalog-entity',
      conditions: {
        rule: 'IS_ENTITY_OWNER',
        params: { claims: ownership['user:default/guest'] },
      },
    });
  });
});
