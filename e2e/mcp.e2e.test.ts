import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { BACKEND_URL, guestToken, SIMULATOR_URL } from './browser';

// An MCP client (the SDK's own) against the demo portal's MCP server
// (@backstage/plugin-mcp-actions-backend), reaching the vod actions with a Backstage token:
// the guest's (a user, judged by the demo's permission policy) and the static external-access
// tokens scripts/e2e.sh configures (services, limited by their access restrictions).

const TRAILER = 'resource:default/winter-launch-trailer-2026';
/** Owned by content-operations: the guest (media-platform) may read it but not prefetch it. */
const EPISODE = 'resource:default/coastlines-s01e01';

function staticToken(name: string): string {
  const token = process.env[name];
  if (!token) {
    throw new Error(
      `${name} is not set: run the e2e tests with scripts/e2e.sh, which configures the token`,
    );
  }
  return token;
}

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'vod-e2e', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(
      new URL(`${BACKEND_URL}/api/mcp-actions/v1`),
      { requestInit: { headers: { Authorization: `Bearer ${token}` } } },
    ),
  );
  return client;
}

type ToolResult = {
  isError?: boolean;
  content: Array<{ type: string; text?: string }>;
  structuredContent?: any;
};

async function call(
  client: Client,
  name: string,
  args: Record<string, unknown>,
) {
  return (await client.callTool({ name, arguments: args })) as ToolResult;
}

const text = (result: ToolResult) =>
  result.content.map(part => part.text ?? '').join('\n');

/** The prefetches of an entity, read over the vod API as the guest. */
async function recordedFor(entityRef: string): Promise<string[]> {
  const res = await fetch(
    `${BACKEND_URL}/api/vod/prefetches?entityRef=${encodeURIComponent(
      entityRef,
    )}`,
    { headers: { Authorization: `Bearer ${await guestToken()}` } },
  );
  expect(res.status).toBe(200);
  return (await res.json()).items.map((p: { id: string }) => p.id);
}

async function simulatorCreates(): Promise<number> {
  const { calls } = await (await fetch(`${SIMULATOR_URL}/admin/calls`)).json();
  return calls.filter((c: { route: string }) => c.route === 'create').length;
}

/** Follows a prefetch with vod.prefetch-get until it ends. */
async function followToEnd(client: Client, id: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const got = await call(client, 'vod.prefetch-get', { id });
    expect(got.isError).toBeFalsy();
    const { prefetch } = got.structuredContent;
    if (
      ['succeeded', 'failed', 'partially_failed', 'expired'].includes(
        prefetch.status,
      ) ||
      Date.now() > deadline
    ) {
      return prefetch;
    }
    await new Promise(resolve => setTimeout(resolve, 1000));
  }
}

describe('the vod actions over MCP', () => {
  let client: Client | undefined;
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('lists the vod tools, described for a model, with their hints', async () => {
    client = await connect(await guestToken());
    const { tools } = await client.listTools();
    const vod = Object.fromEntries(
      tools.filter(t => t.name.startsWith('vod.')).map(t => [t.name, t]),
    );
    expect(Object.keys(vod).sort()).toEqual([
      'vod.prefetch-create',
      'vod.prefetch-get',
      'vod.prefetch-list',
    ]);
    expect(vod['vod.prefetch-create'].annotations).toMatchObject({
      destructiveHint: false,
      idempotentHint: true,
      readOnlyHint: false,
    });
    expect(vod['vod.prefetch-get'].annotations?.readOnlyHint).toBe(true);
    expect(vod['vod.prefetch-list'].annotations?.readOnlyHint).toBe(true);
    expect(vod['vod.prefetch-create'].description).toMatch(/daily/);
    expect(
      Object.keys(vod['vod.prefetch-create'].inputSchema.properties ?? {}),
    ).toEqual(
      expect.arrayContaining([
        'entityRef',
        'assetId',
        'urls',
        'idempotencyKey',
      ]),
    );
  });

  it('prefetches as the guest: recorded as theirs, sent to VOD, read back to the end', async () => {
    client = await connect(await guestToken());
    const createsBefore = await simulatorCreates();

    const created = await call(client, 'vod.prefetch-create', {
      entityRef: TRAILER,
      idempotencyKey: randomUUID(),
    });
    expect(text(created)).not.toMatch(/Error/);
    const { prefetch } = created.structuredContent;
    expect(prefetch).toMatchObject({
      entityRef: TRAILER,
      createdBy: 'user:default/guest',
    });
    expect(['pending', 'processing']).toContain(prefetch.status);
    expect(await recordedFor(TRAILER)).toContain(prefetch.id);

    const ended = await followToEnd(client, prefetch.id);
    expect(ended.status).toBe('succeeded');
    expect(await simulatorCreates()).toBe(createsBefore + 1);

    const listed = await call(client, 'vod.prefetch-list', {
      entityRef: TRAILER,
    });
    expect(
      listed.structuredContent.items.map((p: { id: string }) => p.id),
    ).toContain(prefetch.id);
  });

  it("refuses the guest a prefetch of another team's entity, naming the permission, and records nothing", async () => {
    client = await connect(await guestToken());
    const before = await recordedFor(EPISODE);
    const createsBefore = await simulatorCreates();

    const refused = await call(client, 'vod.prefetch-create', {
      entityRef: EPISODE,
      idempotencyKey: randomUUID(),
    });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toMatch(/NotAllowedError/);
    expect(text(refused)).toContain('vod.prefetch.create');
    expect(text(refused)).toContain(EPISODE);

    expect(await recordedFor(EPISODE)).toEqual(before);
    expect(await simulatorCreates()).toBe(createsBefore);
  });

  it('a static token for automation (mcp-actions and vod, unrestricted) prefetches, recorded as the MCP plugin', async () => {
    client = await connect(staticToken('E2E_AUTOMATION_TOKEN'));
    const planned = await call(client, 'vod.prefetch-create', {
      entityRef: TRAILER,
      dryRun: true,
    });
    expect(text(planned)).not.toMatch(/Error/);
    expect(planned.structuredContent.plan).toMatchObject({
      entityRef: TRAILER,
      units: 1,
      vodCalls: 1,
    });
    const created = await call(client, 'vod.prefetch-create', {
      entityRef: TRAILER,
      idempotencyKey: randomUUID(),
    });
    expect(text(created)).not.toMatch(/Error/);
    // Backstage hands a service's call on as the MCP plugin's own: the token's subject is lost.
    expect(created.structuredContent.prefetch.createdBy).toBe(
      'plugin:mcp-actions',
    );
  });

  it('a static token whose vod access is restricted cannot use it through MCP (Backstage does not delegate restricted access)', async () => {
    client = await connect(staticToken('E2E_READER_TOKEN'));
    const read = await call(client, 'vod.prefetch-list', {});
    expect(read.isError).toBe(true);
    expect(text(read)).toMatch(
      /NotFoundError: Action "vod.prefetch-list" not found/,
    );
  });
});

describe('static external-access tokens on the vod API', () => {
  async function vod(path: string, tokenName: string, init: RequestInit = {}) {
    const res = await fetch(`${BACKEND_URL}/api/vod${path}`, {
      ...init,
      headers: {
        Authorization: `Bearer ${staticToken(tokenName)}`,
        'Content-Type': 'application/json',
      },
    });
    return { status: res.status, body: await res.json() };
  }

  it('a read-only token (permissionAttribute action: read) reads but may not prefetch', async () => {
    const list = await vod('/prefetches', 'E2E_READER_TOKEN');
    expect(list.status).toBe(200);
    const createsBefore = await simulatorCreates();
    const refused = await vod('/prefetches', 'E2E_READER_TOKEN', {
      method: 'POST',
      body: JSON.stringify({ entityRef: TRAILER }),
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toContain('vod.prefetch.create');
    expect(await simulatorCreates()).toBe(createsBefore);
  });

  it('a token that may create prefetches, recorded under its subject', async () => {
    const created = await vod('/prefetches', 'E2E_AUTOMATION_TOKEN', {
      method: 'POST',
      body: JSON.stringify({ entityRef: TRAILER }),
    });
    expect(created.status).toBe(202);
    expect(created.body.createdBy).toBe('e2e-automation');
  });
});
