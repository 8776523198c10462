import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { convertLegacyRouteRef } from '@backstage/core-compat-api';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import type {
  Prefetch,
  PrefetchList,
  Quota,
} from '@mediaops/backstage-plugin-vod-common';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VodApi, vodApiRef } from '../../api';
import { rootRouteRef } from '../../routes';
import { EntityVodPrefetchCard } from './EntityVodPrefetchCard';

const ASSET = 'f488337c31c8e4622f1590735b134c65';
const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: {
    name: 'trailer',
    namespace: 'default',
    title: 'Winter trailer',
    annotations: { 'vod.huaweicloud.com/asset-id': ASSET },
  },
  spec: { type: 'media-asset', owner: 'group:default/content-operations' },
};

const quota = (over: Partial<Quota> = {}): Quota => ({
  account: 'main',
  limit: 1000,
  used: 12,
  remaining: 988,
  resetsAt: '2026-11-26T16:00:00.000Z',
  queued: 0,
  ...over,
});

let n = 0;
const prefetch = (over: Partial<Prefetch> = {}): Prefetch => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  status: 'succeeded',
  account: 'main',
  entityRef: 'resource:default/trailer',
  assetId: ASSET,
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:01:00.000Z',
  possibleDuplicate: false,
  ...over,
});

/** The vod API with canned answers, recording every call. */
function fakeApi(answers: {
  list?: () => Promise<PrefetchList>;
  quota?: () => Promise<Quota>;
  get?: (id: string) => Promise<Prefetch>;
  create?: () => Promise<Prefetch>;
}) {
  const calls: string[] = [];
  const keys: Array<string | undefined> = [];
  const api: VodApi = {
    listPrefetches: async query => {
      calls.push(`list ${JSON.stringify(query)}`);
      return (answers.list ?? (async () => ({ items: [] })))();
    },
    getQuota: async of => {
      calls.push(`quota ${JSON.stringify(of)}`);
      return (answers.quota ?? (async () => quota()))();
    },
    getPrefetch: async id => {
      calls.push(`get ${id}`);
      return answers.get!(id);
    },
    createPrefetch: async (request, options) => {
      calls.push(`create ${JSON.stringify(request)}`);
      keys.push(options?.idempotencyKey);
      return (
        answers.create ?? (async () => prefetch({ status: 'pending' }))
      )();
    },
    getAccounts: async () => [],
  };
  return { api, calls, keys };
}

async function renderCard(
  api: VodApi,
  options: { allowed?: boolean; readOnly?: boolean; entity?: Entity } = {},
) {
  await renderInTestApp(
    <EntityProvider entity={options.entity ?? entity}>
      <EntityVodPrefetchCard />
    </EntityProvider>,
    {
      apis: [
        [vodApiRef, api],
        mockApis.permission({
          authorize:
            options.allowed === false
              ? AuthorizeResult.DENY
              : AuthorizeResult.ALLOW,
        }),
      ],
      config: { vod: { frontend: { readOnly: options.readOnly ?? false } } },
      mountedRoutes: { '/vod': convertLegacyRouteRef(rootRouteRef) },
    },
  );
}

const never = () => new Promise<never>(() => {});

/** The backend's refusal as the API client throws it: `error`, and `more` of the body. */
const refusal = (
  status: number,
  error: { name: string; message: string },
  more: object = {},
) =>
  ResponseError.fromResponse(
    new Response(JSON.stringify({ error, ...more }), {
      status,
      headers: { 'Content-Type': 'application/json' },
    }),
  );

const dialogClosed = () =>
  waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

/** Opens the dialog with the card's button (once it is enabled) and confirms; the dialog. */
async function pressPrefetch() {
  const open = await screen.findByRole('button', { name: 'Prefetch to CDN' });
  await waitFor(() => expect(open).toBeEnabled());
  await userEvent.click(open);
  const dialog = await screen.findByRole('dialog');
  await userEvent.click(
    within(dialog).getByRole('button', { name: 'Prefetch' }),
  );
  return dialog;
}

describe('EntityVodPrefetchCard', () => {
  it('shows that it is loading', async () => {
    await renderCard(fakeApi({ list: never, quota: never }).api);
    expect(
      await screen.findByRole('heading', { name: 'CDN prefetch' }),
    ).toBeInTheDocument();
    expect(screen.getAllByText('Loading…').length).toBeGreaterThan(0);
  });

  it('shows the asset, the account and its quota, with two API calls', async () => {
    const { api, calls } = fakeApi({});
    await renderCard(api);
    expect(
      await screen.findByText('This asset has not been prefetched yet.'),
    ).toBeInTheDocument();
    expect(screen.getByText(ASSET)).toBeInTheDocument();
    expect(screen.getByText(/12 of 1000 used, 988 left/)).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', { name: /Quota today: 12 of 1000 used/ }),
    ).toHaveAttribute('value', '12');
    expect(screen.getByRole('link', { name: 'Full history' })).toHaveAttribute(
      'href',
      '/vod?entityRef=resource%3Adefault%2Ftrailer',
    );
    expect(calls.sort()).toEqual([
      'list {"entityRef":"resource:default/trailer","limit":5}',
      'quota {"entityRef":"resource:default/trailer"}',
    ]);
  });

  it('says a pending prefetch is queued in the portal, with its place in line', async () => {
    await renderCard(
      fakeApi({
        list: async () => ({
          items: [prefetch({ status: 'pending', queuePosition: 2 })],
        }),
      }).api,
    );
    expect(
      await screen.findByText('Queued in the portal: number 2 in line for VOD'),
    ).toBeInTheDocument();
  });

  it('says an accepted prefetch is not yet warm, with its progress as a bar and in words', async () => {
    await renderCard(
      fakeApi({
        list: async () => ({
          items: [
            prefetch({
              status: 'processing',
              progress: { total: 3, succeeded: 1, failed: 0 },
            }),
          ],
        }),
      }).api,
    );
    expect(
      await screen.findByText('Accepted by VOD, warming the cache'),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('progressbar', { name: '1 of 3 URLs done' }),
    ).toHaveAttribute('value', '1');
    expect(screen.queryByText('Cache warm')).not.toBeInTheDocument();
  });

  it('says a finished prefetch is warm, who started it and when', async () => {
    await renderCard(
      fakeApi({
        list: async () => ({
          items: [
            prefetch({ progress: { total: 3, succeeded: 3, failed: 0 } }),
          ],
        }),
      }).api,
    );
    expect(await screen.findByText('Cache warm')).toBeInTheDocument();
    expect(screen.getByText('3 of 3 URLs done')).toBeInTheDocument();
    expect(screen.getByText(/by user:default\/guest/)).toBeInTheDocument();
    expect(
      screen.queryByRole('progressbar', { name: /URLs done/ }),
    ).not.toBeInTheDocument();
  });

  it("shows a partial failure's failed URLs and VOD's reason on demand", async () => {
    const partial = prefetch({
      status: 'partially_failed',
      progress: { total: 2, succeeded: 1, failed: 1 },
    });
    const { api } = fakeApi({
      list: async () => ({ items: [partial] }),
      get: async () => ({
        ...partial,
        tasks: [
          {
            taskId: 'vodtask1',
            status: 'partially_failed',
            results: [
              {
                url: 'https://vod.example.com/asset/a/720.mp4',
                status: 'succeed',
              },
              {
                url: 'https://vod.example.com/asset/a/1080.mp4',
                status: 'failed',
              },
            ],
          },
          {
            status: 'failed',
            results: [],
            error: {
              code: 'VOD.10062',
              message: 'The media asset does not exist',
            },
          },
        ],
      }),
    });
    await renderCard(api);
    expect(await screen.findByText('Partly warm')).toBeInTheDocument();
    expect(screen.getByText('2 of 2 URLs done · 1 failed')).toBeInTheDocument();
    const details = screen.getByRole('button', { name: 'Details' });
    expect(details).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(details);
    expect(
      await screen.findByText(
        'failed: https://vod.example.com/asset/a/1080.mp4',
      ),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/VOD said VOD\.10062: The media asset does not exist/),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('button', { name: 'Hide details' }),
    ).toHaveAttribute('aria-expanded', 'true');
  });

  it('disables the button when the quota is used up, saying when it resets', async () => {
    await renderCard(
      fakeApi({ quota: async () => quota({ used: 1000, remaining: 0 }) }).api,
    );
    const button = await screen.findByRole('button', {
      name: 'Prefetch to CDN',
    });
    await waitFor(() => expect(button).toBeDisabled());
    const reason = screen.getByText(
      /^Today's quota of account main is used up\. It resets .*2026/,
    );
    expect(button).toHaveAttribute('aria-describedby', reason.id);
  });

  it('disables the button for a user who may not prefetch, saying who may', async () => {
    // Another entity: permission decisions are cached per entity for the page's life.
    const other = {
      ...entity,
      metadata: { ...entity.metadata, name: 'other' },
    };
    await renderCard(fakeApi({}).api, { allowed: false, entity: other });
    const button = await screen.findByRole('button', {
      name: 'Prefetch to CDN',
    });
    await waitFor(() => expect(button).toBeDisabled());
    expect(
      screen.getByText(
        'You may not prefetch this asset: only its owners may (group:default/content-operations).',
      ),
    ).toBeInTheDocument();
  });

  it('shows no button in read-only mode', async () => {
    await renderCard(fakeApi({}).api, { readOnly: true });
    expect(
      await screen.findByText(
        'Prefetching is switched off in this portal; history only.',
      ),
    ).toBeInTheDocument();
    expect(
      screen.queryByRole('button', { name: 'Prefetch to CDN' }),
    ).not.toBeInTheDocument();
  });

  it('says plainly when the prefetches cannot be loaded', async () => {
    await renderCard(
      fakeApi({ list: async () => Promise.reject(new Error('backend down')) })
        .api,
    );
    expect(
      await screen.findByText('Could not load prefetches: backend down'),
    ).toBeInTheDocument();
  });

  it('confirms what it prefetches and what it costs, and sends an Idempotency-Key', async () => {
    const { api, calls, keys } = fakeApi({});
    await renderCard(api);
    const open = await screen.findByRole('button', { name: 'Prefetch to CDN' });
    await waitFor(() => expect(open).toBeEnabled());
    await userEvent.click(open);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText(/Winter trailer/)).toBeInTheDocument();
    expect(
      within(dialog).getByText(
        'Costs 1 of the 988 prefetches left today on account main.',
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Prefetch' }),
    );
    await dialogClosed();
    expect(calls).toContain('create {"entityRef":"resource:default/trailer"}');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    // Focus goes back to the button that opened the dialog.
    await waitFor(() => expect(open).toHaveFocus());
  });

  it('keeps the dialog open on a refusal, in words; the retry is a new prefetch, as nothing was recorded', async () => {
    let attempt = 0;
    const { api, keys } = fakeApi({
      create: async () => {
        attempt++;
        if (attempt === 1) {
          throw await refusal(429, {
            name: 'QuotaExceededError',
            message:
              'The daily prefetch quota of account main is used up: 1000 of 1000 used, this prefetch needs 1. It resets at 2026-11-26T16:00:00.000Z.',
          });
        }
        return prefetch({ status: 'pending' });
      },
    });
    await renderCard(api);
    const dialog = await pressPrefetch();
    expect(
      await within(dialog).findByText(
        /^Today's quota is used up\. It resets .*2026/,
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Prefetch' }),
    );
    await dialogClosed();
    expect(keys).toHaveLength(2);
    expect(keys[1]).not.toBe(keys[0]);
  });

  it('sends the same key again after the dialog was closed on a lost answer, and a new one after a success', async () => {
    let attempt = 0;
    const { api, keys } = fakeApi({
      create: async () => {
        attempt++;
        if (attempt === 1) throw new TypeError('Failed to fetch');
        return prefetch({ status: 'pending' });
      },
    });
    await renderCard(api);
    const dialog = await pressPrefetch();
    expect(
      await within(dialog).findByText(
        'The prefetch could not be started: Failed to fetch',
      ),
    ).toBeInTheDocument();
    await userEvent.click(
      within(dialog).getByRole('button', { name: 'Cancel' }),
    );
    await dialogClosed();
    await pressPrefetch(); // VOD may have it: the same prefetch to the backend
    await dialogClosed();
    await pressPrefetch(); // a new prefetch
    await waitFor(() => expect(keys).toHaveLength(3));
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("puts the backend's refusal of the user in words", async () => {
    const { api } = fakeApi({
      create: async () => {
        throw await refusal(
          403,
          {
            name: 'NotAllowedError',
            message: 'You may not prefetch resource:default/trailer',
          },
          {
            request: { method: 'POST', url: '/api/vod/prefetches' },
            response: { statusCode: 403 },
          },
        );
      },
    });
    await renderCard(api);
    const dialog = await pressPrefetch();
    expect(
      await within(dialog).findByText(
        'Not allowed: You may not prefetch resource:default/trailer',
      ),
    ).toBeInTheDocument();
  });

  it('says when the quota cannot be loaded, and still shows the prefetches', async () => {
    await renderCard(
      fakeApi({
        quota: async () => {
          throw new Error('quota service down');
        },
        list: async () => ({ items: [prefetch()] }),
      }).api,
    );
    expect(
      await screen.findByText('Could not load the quota: quota service down'),
    ).toBeInTheDocument();
    expect(await screen.findByText('Cache warm')).toBeInTheDocument();
  });
});
