// The vod actions in Backstage's actions registry (the real one, over its HTTP routes, as MCP
// clients reach it through the actions service): listed with their schemas, and run as the
// caller with the same checks as the API.
import { actionsRegistryServiceFactory } from '@backstage/backend-defaults/alpha';
import { auth, Harness, startHarness, users } from './__testUtils__/harness';

jest.setTimeout(30_000);

describe('the vod actions', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      extraFeatures: [actionsRegistryServiceFactory],
      config: { backend: { actions: { pluginSources: ['vod'] } } },
    });
  });
  afterAll(() => h?.stop());

  const invoke = (who: Record<string, string>, name: string, input: object) =>
    h
      .http()
      .post(`/api/vod/.backstage/actions/v1/actions/vod:${name}/invoke`)
      .set(who)
      .send(input);

  it('are listed with schemas, examples and what they touch', async () => {
    const res = await h
      .http()
      .get('/api/vod/.backstage/actions/v1/actions')
      .set(auth.allowed);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(
      res.body.actions.map((a: any) => [a.id, a]),
    );
    expect(Object.keys(byId).sort()).toEqual([
      'vod:prefetch-create',
      'vod:prefetch-get',
      'vod:prefetch-list',
    ]);
    expect(byId['vod:prefetch-create'].attributes).toEqual({
      destructive: false,
      idempotent: true,
      readOnly: false,
    });
    expect(byId['vod:prefetch-get'].attributes.readOnly).toBe(true);
    expect(byId['vod:prefetch-list'].attributes.readOnly).toBe(true);
    expect(
      Object.keys(byId['vod:prefetch-create'].schema.input.properties),
    ).toEqual([
      'entityRef',
      'assetId',
      'urls',
      'account',
      'idempotencyKey',
      'dryRun',
    ]);
    expect(byId['vod:prefetch-create'].examples.length).toBeGreaterThan(0);
  });

  it('create as the caller, once per key, and read it back', async () => {
    const first = await invoke(auth.trailerOwner, 'prefetch-create', {
      entityRef: 'resource:default/trailer',
      idempotencyKey: 'mcp-1',
    });
    expect(first.status).toBe(200);
    const { prefetch } = first.body.output;
    expect(prefetch).toMatchObject({
      status: 'pending',
      createdBy: users.trailerOwner,
      entityRef: 'resource:default/trailer',
    });
    const again = await invoke(auth.trailerOwner, 'prefetch-create', {
      entityRef: 'resource:default/trailer',
      idempotencyKey: 'mcp-1',
    });
    expect(again.body.output.prefetch.id).toBe(prefetch.id);

    await h.waitFor(prefetch.id, s => s === 'succeeded');
    const got = await invoke(auth.trailerOwner, 'prefetch-get', {
      id: prefetch.id,
    });
    expect(got.body.output.prefetch).toMatchObject({
      id: prefetch.id,
      status: 'succeeded',
      tasks: [{ status: 'succeeded' }],
    });
    const list = await invoke(auth.trailerOwner, 'prefetch-list', {
      entityRef: 'resource:default/trailer',
    });
    expect(list.body.output.items.map((p: any) => p.id)).toEqual([prefetch.id]);
  });

  it('refuse a caller without the right, naming the permission, and record nothing', async () => {
    const res = await invoke(auth.trailerOwner, 'prefetch-create', {
      entityRef: 'resource:default/documentary',
      idempotencyKey: 'mcp-refused',
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(
      /resource:default\/documentary.*vod\.prefetch\.create|vod\.prefetch\.create.*resource:default\/documentary/,
    );
    const list = await invoke(auth.allowed, 'prefetch-list', {
      entityRef: 'resource:default/documentary',
    });
    expect(list.body.output.items).toEqual([]);

    // A prefetch of an entity the caller may not see is not there for them; one they see but
    // may not read is refused.
    const made = await invoke(auth.allowed, 'prefetch-create', {
      entityRef: 'resource:default/trailer',
      idempotencyKey: 'mcp-read-rights',
    });
    const { id } = made.body.output.prefetch;
    expect((await invoke(auth.blind, 'prefetch-get', { id })).status).toBe(404);
    const denied = await invoke(auth.denied, 'prefetch-get', { id });
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toMatch(/vod\.prefetch\.read/);
  });

  it('check input as the API does, and plan without prefetching', async () => {
    const bad = await invoke(auth.allowed, 'prefetch-create', {
      urls: ['ftp://example.com/a.mp4'],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/urls\[0\]/);
    const plan = await invoke(auth.allowed, 'prefetch-create', {
      urls: ['https://cdn.example.com/a.mp4', 'https://cdn.example.com/b.mp4'],
      dryRun: true,
    });
    expect(plan.body.output).toEqual({
      plan: expect.objectContaining({ units: 2, vodCalls: 1, account: 'main' }),
    });
    const badId = await invoke(auth.allowed, 'prefetch-get', { id: 'nope' });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toMatch(/^id: must be a prefetch id/);
    const noKey = await invoke(auth.allowed, 'prefetch-create', {
      entityRef: 'resource:default/trailer',
    });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.message).toMatch(/^idempotencyKey: required/);
    const badCreatedBy = await invoke(auth.allowed, 'prefetch-list', {
      createdBy: '',
    });
    expect(badCreatedBy.status).toBe(400);
    expect(badCreatedBy.body.error.message).toMatch(/^createdBy: /);
  });
});
