import { TestApiProvider } from '@backstage/frontend-test-utils';
import { signalApiRef } from '@backstage/plugin-signals-react';
import type {
  ListPrefetchesQuery,
  Prefetch,
  PrefetchList,
  PrefetchStatus,
} from '@mediaops/backstage-plugin-vod-common';
import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { VodApi, vodApiRef } from '../api';
import { useLivePrefetches } from './useLivePrefetches';

const item = (
  id: string,
  status: PrefetchStatus,
  updatedAt = '2026-11-26T09:00:00.000Z',
): Prefetch => ({
  id,
  status,
  account: 'main',
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt,
  possibleDuplicate: false,
});

/** A backend whose prefetches the test moves along, counting what the hook asks. */
function backend(initial: Prefetch[], channel: string | null = 'chan') {
  let items = initial;
  let failing = false;
  const asked: string[] = [];
  const api = {
    listPrefetches: async (): Promise<PrefetchList> => {
      asked.push('list');
      if (failing) throw new Error('backend restarting');
      return { items, ...(channel && { channel }) };
    },
    getPrefetch: async (id: string) => {
      asked.push(`get ${id}`);
      return items.find(p => p.id === id)!;
    },
  } as unknown as VodApi;
  return {
    api,
    asked,
    set(next: Prefetch[]) {
      items = next;
    },
    fail(on: boolean) {
      failing = on;
    },
  };
}

/** A signal API that hands the test the subscriber's callback. */
function signals() {
  const listeners = new Map<string, (message: any) => void>();
  return {
    listeners,
    api: {
      subscribe: (channel: string, onMessage: (message: any) => void) => {
        listeners.set(channel, onMessage);
        return { unsubscribe: () => listeners.delete(channel) };
      },
    },
    send(channel: string, message: object) {
      act(() => listeners.get(channel)!(message));
    },
  };
}

function render(
  api: VodApi,
  bus?: ReturnType<typeof signals>,
  query: ListPrefetchesQuery = {},
) {
  return renderHook(
    (props: { query: ListPrefetchesQuery }) => useLivePrefetches(props.query),
    {
      initialProps: { query },
      wrapper: ({ children }: { children: ReactNode }) => (
        <TestApiProvider
          apis={
            (bus
              ? [
                  [vodApiRef, api],
                  [signalApiRef, bus.api],
                ]
              : [[vodApiRef, api]]) as any
          }
        >
          {children}
        </TestApiProvider>
      ),
    },
  );
}

const lists = (asked: string[]) => asked.filter(a => a === 'list').length;
const advance = async (ms: number) => {
  await act(async () => {
    jest.advanceTimersByTime(ms);
  });
};

describe('useLivePrefetches', () => {
  afterEach(() => jest.useRealTimers());

  it('follows the channel the list names: refetches only the prefetches a signal names, reloads for a new one', async () => {
    const server = backend([item('a', 'processing'), item('b', 'succeeded')]);
    const bus = signals();
    const { result } = render(server.api, bus);
    await waitFor(() => expect(result.current.items).toHaveLength(2));
    expect([...bus.listeners.keys()]).toEqual(['chan']);
    expect(server.asked).toEqual(['list']);

    server.set([
      item('a', 'succeeded', '2026-11-26T09:01:00.000Z'),
      item('b', 'succeeded'),
    ]);
    bus.send('chan', { prefetches: [{ id: 'a', status: 'succeeded' }] });
    await waitFor(() =>
      expect(result.current.items![0].status).toBe('succeeded'),
    );
    expect(server.asked).toEqual(['list', 'get a']);

    server.set([
      item('c', 'pending'),
      item('a', 'succeeded'),
      item('b', 'succeeded'),
    ]);
    bus.send('chan', { prefetches: [{ id: 'c', status: 'pending' }] });
    await waitFor(() => expect(result.current.items).toHaveLength(3));
    expect(server.asked).toEqual(['list', 'get a', 'list']);
  });

  it('reloads on a signal that names nothing, at most every 2 s', async () => {
    jest.useFakeTimers();
    const server = backend([item('a', 'succeeded')]);
    const bus = signals();
    const { result } = render(server.api, bus);
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    bus.send('chan', {});
    await advance(0);
    expect(lists(server.asked)).toBe(2);
    bus.send('chan', {});
    bus.send('chan', {});
    await advance(1_500);
    expect(lists(server.asked)).toBe(2);
    await advance(500);
    expect(lists(server.asked)).toBe(3);
  });

  it('keeps a refetched prefetch when an older list answer comes after it', async () => {
    const server = backend([item('a', 'processing')]);
    const bus = signals();
    const { result } = render(server.api, bus);
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    server.set([item('a', 'succeeded', '2026-11-26T09:05:00.000Z')]);
    bus.send('chan', { prefetches: [{ id: 'a', status: 'succeeded' }] });
    await waitFor(() =>
      expect(result.current.items![0].status).toBe('succeeded'),
    );
    server.set([item('a', 'processing')]); // a list read before that change
    act(() => result.current.reload());
    await waitFor(() => expect(lists(server.asked)).toBe(2));
    await act(async () => {});
    expect(result.current.items![0].status).toBe('succeeded');
  });

  it('subscribes to nothing when the list names no channel (the reader may not follow it)', async () => {
    const server = backend([item('a', 'succeeded')], null);
    const bus = signals();
    const { result } = render(server.api, bus);
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    expect(bus.listeners.size).toBe(0);
  });

  it("drops an older query's answer that comes after a newer one", async () => {
    const answers: Array<(list: PrefetchList) => void> = [];
    const api = {
      listPrefetches: () =>
        new Promise<PrefetchList>(resolve => answers.push(resolve)),
    } as unknown as VodApi;
    const { result, rerender } = render(api, undefined, { status: 'failed' });
    rerender({ query: { status: 'succeeded' } });
    await waitFor(() => expect(answers).toHaveLength(2));
    await act(async () => answers[1]({ items: [item('new', 'succeeded')] }));
    await act(async () => answers[0]({ items: [item('old', 'failed')] }));
    expect(result.current.items!.map(p => p.id)).toEqual(['new']);
  });

  it('with signals, still polls every 30 s while something moves, for a lost signal, and not at all once nothing does', async () => {
    jest.useFakeTimers();
    const server = backend([item('a', 'processing')]);
    const { result } = render(server.api, signals());
    await waitFor(() => expect(result.current.items).toHaveLength(1));
    await advance(29_000);
    expect(server.asked).toEqual(['list']);
    server.set([item('a', 'succeeded')]); // its signal never came
    await advance(1_000);
    await waitFor(() =>
      expect(result.current.items![0].status).toBe('succeeded'),
    );
    await advance(300_000);
    expect(server.asked).toEqual(['list', 'list']);
  });

  describe('without signals', () => {
    beforeEach(() => jest.useFakeTimers());

    it('polls with a growing pause while something moves, and stops once nothing does', async () => {
      const server = backend([item('a', 'pending')]);
      const { result } = render(server.api);
      await waitFor(() => expect(result.current.items).toHaveLength(1));
      expect(lists(server.asked)).toBe(1);
      await advance(2_000);
      expect(lists(server.asked)).toBe(2);
      await advance(2_000); // the pause has doubled to 4 s
      expect(lists(server.asked)).toBe(2);
      server.set([item('a', 'succeeded')]);
      await advance(2_000);
      expect(lists(server.asked)).toBe(3);
      await waitFor(() =>
        expect(result.current.items![0].status).toBe('succeeded'),
      );
      await advance(120_000);
      expect(lists(server.asked)).toBe(3);
    });

    it('keeps the list and polling through a failed reload', async () => {
      const server = backend([item('a', 'processing')]);
      const { result } = render(server.api);
      await waitFor(() => expect(result.current.items).toHaveLength(1));
      server.fail(true);
      await advance(2_000);
      await waitFor(() =>
        expect(result.current.error?.message).toBe('backend restarting'),
      );
      expect(result.current.items).toHaveLength(1);
      server.fail(false);
      server.set([item('a', 'succeeded')]);
      await advance(4_000);
      await waitFor(() =>
        expect(result.current.items![0].status).toBe('succeeded'),
      );
      expect(result.current.error).toBeUndefined();
    });

    it('does not poll while the tab is hidden, and catches up when it is shown', async () => {
      const server = backend([item('a', 'processing')]);
      let visibility: DocumentVisibilityState = 'hidden';
      const spy = jest
        .spyOn(document, 'visibilityState', 'get')
        .mockImplementation(() => visibility);
      try {
        const { result } = render(server.api);
        await waitFor(() => expect(result.current.items).toHaveLength(1));
        await advance(60_000);
        expect(lists(server.asked)).toBe(1);
        visibility = 'visible';
        act(() => {
          document.dispatchEvent(new Event('visibilitychange'));
        });
        await advance(0);
        expect(lists(server.asked)).toBe(2);
      } finally {
        spy.mockRestore();
      }
    });
  });
});
