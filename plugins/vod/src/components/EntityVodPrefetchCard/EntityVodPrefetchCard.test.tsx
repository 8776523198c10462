import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  ASSET,
  entity,
  fakeApi,
  never,
  prefetch,
  quota,
  renderCard,
} from './__testUtils__/cardHarness';

// What the card shows; the dialog and prefetching are in EntityVodPrefetchCard.prefetch.test.tsx.
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
