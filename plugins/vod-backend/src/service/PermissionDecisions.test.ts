import type { PermissionsService } from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import { PermissionDecisions } from './PermissionDecisions';

const read = createPermission({ name: 'x.read', attributes: {} });
const create = createPermission({
  name: 'x.create',
  attributes: {},
  resourceType: 'catalog-entity',
});

/** A permission service that allows what `allowed` names and records every round trip. */
function recordingPermissions(allowed: Set<string>) {
  const calls: string[][] = [];
  const service = {
    authorize: jest.fn(async (requests: any[]) => {
      calls.push(
        requests.map(r => `${r.permission.name} ${r.resourceRef ?? ''}`.trim()),
      );
      return requests.map(r => ({
        result: allowed.has(r.permission.name)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.DENY,
      }));
    }),
    authorizeConditional: jest.fn(async (requests: any[]) => {
      calls.push(requests.map(r => `conditional ${r.permission.name}`));
      return requests.map(r => ({
        result: allowed.has(r.permission.name)
          ? AuthorizeResult.ALLOW
          : AuthorizeResult.CONDITIONAL,
      }));
    }),
  } as unknown as PermissionsService;
  return { service, calls };
}

const authService = mockServices.auth();

describe('PermissionDecisions', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000;
  });
  const alice = mockCredentials.user('user:default/alice');
  const bob = mockCredentials.user('user:default/bob');
  /** Decisions kept `ttlMs` on the test clock, asking a service that allows what `allowed` names. */
  const decisionsOn = (allowed = ['x.read'], ttlMs = 5_000) => {
    const { service, calls } = recordingPermissions(new Set(allowed));
    const decisions = new PermissionDecisions(service, authService, {
      ttlMs,
      now: clock,
    });
    return { decisions, service, calls };
  };

  it('asks once per user, permission and resource within the TTL', async () => {
    const { decisions, calls } = decisionsOn();
    expect(await decisions.authorize([{ permission: read }], alice)).toEqual([
      AuthorizeResult.ALLOW,
    ]);
    expect(await decisions.authorize([{ permission: read }], alice)).toEqual([
      AuthorizeResult.ALLOW,
    ]);
    await decisions.authorize([{ permission: read }], bob);
    await decisions.authorize(
      [{ permission: create, resourceRef: 'resource:default/a' }],
      alice,
    );
    await decisions.authorize(
      [{ permission: create, resourceRef: 'resource:default/b' }],
      alice,
    );
    expect(calls).toEqual([
      ['x.read'],
      ['x.read'],
      ['x.create resource:default/a'],
      ['x.create resource:default/b'],
    ]);
    now += 5_000;
    await decisions.authorize([{ permission: read }], alice);
    expect(calls).toHaveLength(5);
  });

  it('asks only what it does not know, in one round trip, and keeps the order', async () => {
    const { decisions, calls } = decisionsOn();
    await decisions.authorize(
      [{ permission: create, resourceRef: 'resource:default/a' }],
      alice,
    );
    expect(
      await decisions.authorize(
        [
          { permission: read },
          { permission: create, resourceRef: 'resource:default/a' },
          { permission: create, resourceRef: 'resource:default/b' },
        ],
        alice,
      ),
    ).toEqual([
      AuthorizeResult.ALLOW,
      AuthorizeResult.DENY,
      AuthorizeResult.DENY,
    ]);
    expect(calls).toEqual([
      ['x.create resource:default/a'],
      ['x.read', 'x.create resource:default/b'],
    ]);
  });

  it('shares one round trip among concurrent identical checks', async () => {
    const { decisions, calls } = decisionsOn();
    await Promise.all(
      Array.from({ length: 20 }, () =>
        decisions.authorize([{ permission: read }], alice),
      ),
    );
    expect(calls).toHaveLength(1);
  });

  it('asks every time with a zero TTL, and never keeps a failed round trip', async () => {
    const { decisions, calls } = decisionsOn(['x.read'], 0);
    await decisions.authorize([{ permission: read }], alice);
    await decisions.authorize([{ permission: read }], alice);
    expect(calls).toHaveLength(2);

    const failing = decisionsOn();
    (failing.service.authorize as jest.Mock).mockRejectedValueOnce(
      new Error('permission backend down'),
    );
    const cached = failing.decisions;
    await expect(
      cached.authorize([{ permission: read }], alice),
    ).rejects.toThrow('permission backend down');
    expect(await cached.authorize([{ permission: read }], alice)).toEqual([
      AuthorizeResult.ALLOW,
    ]);
  });

  it('passes services through: Backstage decides them without a round trip', async () => {
    const { decisions, calls } = decisionsOn([]);
    const plugin = mockCredentials.service('plugin:scaffolder');
    await decisions.authorize([{ permission: read }], plugin);
    await decisions.authorize([{ permission: read }], plugin);
    expect(calls).toHaveLength(2);
  });

  it('keeps sessions apart: a new sign-in of the same user is asked again', async () => {
    const { decisions, calls } = decisionsOn();
    const session = (expiresAt: number) => ({
      ...alice,
      expiresAt: new Date(expiresAt),
    });
    await decisions.authorize([{ permission: read }], session(3_600_000));
    await decisions.authorize([{ permission: read }], session(3_600_000));
    await decisions.authorize([{ permission: read }], session(7_200_000));
    expect(calls).toHaveLength(2);
  });

  it('caches conditional decisions apart from definitive ones', async () => {
    const view = createPermission({
      name: 'x.view',
      attributes: {},
      resourceType: 'catalog-entity',
    });
    const { decisions, calls } = decisionsOn(['x.view']);
    expect(await decisions.authorizeConditional([view, create], alice)).toEqual(
      [AuthorizeResult.ALLOW, AuthorizeResult.CONDITIONAL],
    );
    await decisions.authorizeConditional([create], alice);
    await decisions.authorize(
      [{ permission: create, resourceRef: 'resource:default/a' }],
      alice,
    );
    expect(calls).toEqual([
      ['conditional x.view', 'conditional x.create'],
      ['x.create resource:default/a'],
    ]);
  });
});
