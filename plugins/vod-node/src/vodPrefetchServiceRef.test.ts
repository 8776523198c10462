// waitFor when the backend fails: a stand-in backend over real HTTP answers the reads as scripted.
// (Following a prefetch through the real vod backend is tested in vod-backend's vodNode.test.ts.)
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
} from '@backstage/backend-plugin-api';
import type { Prefetch } from '@mediaops/backstage-plugin-vod-common';
import { HttpVodPrefetchService } from './vodPrefetchServiceRef';

const ID = '00000000-0000-4000-8000-000000000001';
const prefetch = (status: Prefetch['status']): Prefetch => ({
  id: ID,
  status,
  account: 'main',
  createdBy: 'user:default/guest',
  createdAt: '2026-11-26T09:00:00.000Z',
  updatedAt: '2026-11-26T09:00:00.000Z',
  possibleDuplicate: false,
});

/** Answers each read with the next status code (and, for 200, the next prefetch); 0 never answers. */
async function backend(script: Array<[number, Prefetch?]>) {
  const seen: string[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.url!);
    const [status, body] = script.shift() ?? [500];
    if (status === 0) return;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify(
        body ?? {
          error: { name: 'Error', message: `scripted ${status}` },
          response: { statusCode: status },
        },
      ),
    );
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const service = new HttpVodPrefetchService(
    { getBaseUrl: async () => url } as unknown as DiscoveryService,
    {
      getPluginRequestToken: async () => ({ token: 'token' }),
    } as unknown as AuthService,
  );
  return {
    service,
    seen,
    close: () => {
      server.closeAllConnections();
      return new Promise(resolve => server.close(resolve));
    },
  };
}

const credentials = {} as BackstageCredentials;

describe('waitFor', () => {
  it('asks again while the backend fails (5xx, 429), the first read included', async () => {
    const b = await backend([
      [503],
      [200, prefetch('processing')],
      [429],
      [502],
      [200, prefetch('succeeded')],
    ]);
    try {
      const seen: string[] = [];
      const waited = await b.service.waitFor(ID, {
        credentials,
        timeoutMs: 60_000,
        onChange: p => seen.push(p.status),
      });
      expect(waited).toMatchObject({
        outcome: 'ended',
        prefetch: { status: 'succeeded' },
      });
      expect(seen).toEqual(['processing', 'succeeded']);
      expect(b.seen).toHaveLength(5);
      // The first read answers at once; the others wait at the backend, at least 5 s.
      expect(b.seen[0]).toBe(`/prefetches/${ID}`);
      expect(b.seen[2]).toMatch(
        /changedFrom=processing%3A0%3A0%3A0&timeoutSeconds=25$/,
      );
    } finally {
      await b.close();
    }
  }, 20_000);

  it('passes a refusal on at once', async () => {
    const b = await backend([[200, prefetch('processing')], [403]]);
    try {
      await expect(
        b.service.waitFor(ID, { credentials, timeoutMs: 60_000 }),
      ).rejects.toMatchObject({ name: 'ResponseError', statusCode: 403 });
      expect(b.seen).toHaveLength(2);
    } finally {
      await b.close();
    }
  });

  it("keeps a timeout shorter than the backend's 5 s: one plain read once the time is up", async () => {
    const b = await backend([
      [200, prefetch('processing')],
      [200, prefetch('processing')],
    ]);
    try {
      const start = Date.now();
      const waited = await b.service.waitFor(ID, {
        credentials,
        timeoutMs: 1_500,
      });
      expect(waited.outcome).toBe('timeout');
      expect(Date.now() - start).toBeGreaterThanOrEqual(1_400);
      expect(Date.now() - start).toBeLessThan(3_000);
      expect(b.seen).toEqual([`/prefetches/${ID}`, `/prefetches/${ID}`]);
    } finally {
      await b.close();
    }
  });

  it('stops at once when cancelled during a waiting read, with the prefetch as last read', async () => {
    const b = await backend([[200, prefetch('processing')], [0]]);
    try {
      const cancel = new AbortController();
      setTimeout(() => cancel.abort(), 300);
      const start = Date.now();
      const waited = await b.service.waitFor(ID, {
        credentials,
        timeoutMs: 60_000,
        signal: cancel.signal,
      });
      expect(waited).toMatchObject({
        outcome: 'aborted',
        prefetch: { status: 'processing' },
      });
      expect(Date.now() - start).toBeLessThan(2_000);
      expect(b.seen[1]).toMatch(/changedFrom=/);
    } finally {
      await b.close();
    }
  });

  it('fails when the first read cannot be had before the timeout', async () => {
    const b = await backend([[503], [503]]);
    try {
      await expect(
        b.service.waitFor(ID, { credentials, timeoutMs: 1_000 }),
      ).rejects.toMatchObject({ statusCode: 503 });
      expect(b.seen).toHaveLength(2);
    } finally {
      await b.close();
    }
  });
});
