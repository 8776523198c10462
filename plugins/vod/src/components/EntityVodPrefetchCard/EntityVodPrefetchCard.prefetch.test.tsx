import { ResponseError } from '@backstage/errors';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeApi, prefetch, renderCard } from './__testUtils__/cardHarness';

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

// The dialog and prefetching; what the card shows is in EntityVodPrefetchCard.test.tsx.
describe('EntityVodPrefetchCard', () => {
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
});
