import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiRef, entityRouteRef } from '@backstage/plugin-catalog-react';
import type {
  ListPrefetchesQuery,
  Prefetch,
} from '@mediaops/backstage-plugin-vod-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { VodApi, vodApiRef } from '../../api';
import { VodPrefetchPage } from './VodPrefetchPage';

const prefetch = (id: string, over: Partial<Prefetch> = {}): Prefetch => ({
  id,
  status: 'succeeded',
  account: 'main',
  entityRef: 'resource:default/trailer',
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:01:00.000Z',
  possibleDuplicate: false,
  ...over,
});

function fakeApi() {
  const queries: ListPrefetchesQuery[] = [];
  const api: VodApi = {
    listPrefetches: async (query = {}) => {
      queries.push(query);
      return query.cursor
        ? {
            items: [
              prefetch('p3', { entityRef: undefined, urls: ['https://x'] }),
            ],
          }
        : {
            items: [prefetch('p1'), prefetch('p2', { status: 'failed' })],
            nextCursor: 'c1',
          };
    },
    getPrefetch: async id => ({
      ...prefetch(id),
      tasks: [
        {
          taskId: 'vodtask-9',
          status: 'succeeded',
          results: [
            { url: 'https://vod.example.com/asset/a/1.mp4', status: 'succeed' },
          ],
        },
      ],
    }),
    getQuota: async () => ({
      account: 'main',
      limit: 1000,
      used: 7,
      remaining: 993,
      resetsAt: '2026-11-26T16:00:00.000Z',
      queued: 2,
    }),
    getAccounts: async () => [
      {
        name: 'main',
        projectId: 'p',
        isDefault: true,
        problem: {
          code: 'IAM_CREDENTIALS_REFUSED',
          message: 'wrong password',
          since: '',
        },
      },
    ],
    createPrefetch: async () => {
      throw new Error('not used');
    },
  };
  return { api, queries };
}

async function renderPage(api: VodApi, url = '/vod') {
  await renderInTestApp(<VodPrefetchPage />, {
    apis: [
      [vodApiRef, api],
      mockApis.permission(),
      [
        catalogApiRef,
        { getEntitiesByRefs: async () => ({ items: [] }) } as any,
      ],
    ],
    initialRouteEntries: [url],
    mountPath: '/vod',
    mountedRoutes: { '/catalog/:namespace/:kind/:name': entityRouteRef },
  });
}

describe('VodPrefetchPage', () => {
  it('takes its filters from the URL, so a link shows the same list', async () => {
    const { api, queries } = fakeApi();
    await renderPage(
      api,
      '/vod?entityRef=resource%3Adefault%2Ftrailer&status=failed',
    );
    await screen.findByText('Cache warm');
    expect(queries[0]).toEqual({
      limit: 20,
      entityRef: 'resource:default/trailer',
      status: 'failed',
    });
    expect(screen.getByLabelText('Entity')).toHaveValue(
      'resource:default/trailer',
    );
  });

  it("shows each account's quota, its queue and whether it can reach VOD", async () => {
    await renderPage(fakeApi().api);
    expect(
      await screen.findByText(/7 of 1000 used, 993 left/),
    ).toBeInTheDocument();
    expect(screen.getByText(/2 call\(s\) waiting for VOD/)).toBeInTheDocument();
    expect(
      screen.getByText('Cannot reach VOD: wrong password'),
    ).toBeInTheDocument();
  });

  it('lists the prefetches, opens a row on its results, and pages on with the cursor', async () => {
    const { api, queries } = fakeApi();
    await renderPage(api);
    const rows = await screen.findAllByRole('row');
    expect(rows).toHaveLength(1 + 2); // a header and two prefetches; closed details rows are hidden
    await userEvent.click(
      within(rows[1]).getByRole('button', { name: 'Details' }),
    );
    expect(
      await screen.findByText('warm: https://vod.example.com/asset/a/1.mp4'),
    ).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    expect(await screen.findByText('1 URL(s)')).toBeInTheDocument();
    expect(queries[queries.length - 1]).toMatchObject({ cursor: 'c1' });
    await userEvent.click(screen.getByRole('button', { name: 'Newest' }));
    await waitFor(() =>
      expect(screen.getAllByText('Cache warm').length).toBeGreaterThan(0),
    );
  });

  it('applies filters through the URL, starting again from the newest', async () => {
    const { api, queries } = fakeApi();
    await renderPage(api);
    await screen.findAllByText('Cache warm');
    await userEvent.click(screen.getByRole('button', { name: 'Older' }));
    await screen.findByText('1 URL(s)');
    expect(queries[queries.length - 1]).toMatchObject({ cursor: 'c1' });

    await userEvent.type(
      screen.getByLabelText('Started by'),
      'user:default/guest',
    );
    await userEvent.click(screen.getByRole('button', { name: 'Apply' }));
    await waitFor(() =>
      expect(queries[queries.length - 1]).toEqual({
        limit: 20,
        createdBy: 'user:default/guest',
      }),
    );
    expect(screen.getByLabelText('Started by')).toHaveValue(
      'user:default/guest',
    );
  });

  it('shows one prefetch by its id, opened, and follows it with waiting reads', async () => {
    const { api } = fakeApi();
    const asked: Array<string | undefined> = [];
    api.getPrefetch = async (id, options) => {
      asked.push(options?.changedFrom);
      // The backend holds a waiting read until the prefetch changes.
      if (options?.changedFrom) await new Promise(r => setTimeout(r, 300));
      return {
        ...prefetch(id, {
          status: options?.changedFrom ? 'succeeded' : 'processing',
        }),
        tasks: [],
      };
    };
    await renderPage(api, '/vod?id=p9');
    expect(
      await screen.findByText('Accepted by VOD, warming the cache'),
    ).toBeInTheDocument();
    expect(await screen.findByText('Cache warm')).toBeInTheDocument();
    expect(asked[0]).toBeUndefined();
    expect(asked).toContain('processing:0:0:0');
    expect(
      screen.getByRole('button', { name: 'Hide details' }),
    ).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'All prefetches' }),
    ).toBeInTheDocument();
  });

  it('keeps showing the prefetch when a waiting read fails, and asks again', async () => {
    jest.useFakeTimers({ advanceTimers: true });
    try {
      const { api } = fakeApi();
      let reads = 0;
      api.getPrefetch = async id => {
        reads++;
        if (reads === 2) throw new TypeError('Failed to fetch');
        return {
          ...prefetch(id, { status: reads === 1 ? 'processing' : 'succeeded' }),
          tasks: [],
        };
      };
      await renderPage(api, '/vod?id=p9');
      expect(
        await screen.findByText('Accepted by VOD, warming the cache'),
      ).toBeInTheDocument();
      await act(async () => {
        await jest.advanceTimersByTimeAsync(5_000);
      });
      expect(await screen.findByText('Cache warm')).toBeInTheDocument();
      expect(screen.queryByText(/Failed to fetch/)).not.toBeInTheDocument();
    } finally {
      jest.useRealTimers();
    }
  });

  it('shows a refusal that comes while following, instead of the prefetch', async () => {
    const { api } = fakeApi();
    let reads = 0;
    api.getPrefetch = async id => {
      reads++;
      if (reads === 2) {
        throw Object.assign(new Error('You may not see the prefetches'), {
          statusCode: 403,
        });
      }
      return { ...prefetch(id, { status: 'processing' }), tasks: [] };
    };
    await renderPage(api, '/vod?id=p9');
    expect(
      await screen.findByText(/You may not see the prefetches/),
    ).toBeInTheDocument();
    expect(reads).toBe(2);
  });
});
