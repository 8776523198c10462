import { TestDatabases } from '@backstage/backend-test-utils';
import { startVodSimulator } from '@mediaops/vod-simulator';
import { isUrlOfAsset } from '@mediaops/backstage-plugin-vod-common';
import { DatabaseVodStore } from '../database/DatabaseVodStore';
import { IamTokenProvider } from '../huaweicloud/IamTokenProvider';

jest.setTimeout(60_000);
const PROJECT = '0123456789abcdef0123456789abcdef';
const A = 'f488337c31c8e4622f1590735b134c65';
const B = '9db42f5e08c15edecd99a98da241994a';

describe('review probes', () => {
  it("PROBE 4: isUrlOfAsset accepts another asset's path that merely contains /asset/<id>/ deeper", () => {
    const url = new URL(`https://cdn.example.com/asset/${B}/asset/${A}/x.mp4`);
    // eslint-disable-next-line no-console
    console.log(
      'PROBE4',
      isUrlOfAsset(url, A),
      isUrlOfAsset(new URL(`https://cdn.example.com/other/asset/${A}/x`), A),
    );
    expect(isUrlOfAsset(url, A)).toBe(true);
  });

  it('PROBE 5: one caller aborting the shared IAM token fetch fails every other waiter', async () => {
    const sim = await startVodSimulator({
      accounts: [
        {
          projectId: PROJECT,
          accessKeyId: 'AK',
          secretAccessKey: 'SK',
          iamUsers: [{ domain: 'd', name: 'u', password: 'p' }],
        },
      ],
      assets: {},
    });
    try {
      sim.setFaults({ latencyMs: 500, routes: ['iam'] });
      const tokens = IamTokenProvider.create({
        credentials: {
          endpoint: sim.url,
          domainName: 'd',
          userName: 'u',
          password: 'p',
          projectId: PROJECT,
        },
      });
      const reader = new AbortController();
      const first = tokens.getToken(reader.signal).catch(e => `first: ${e}`);
      const dispatcher = tokens.getToken().catch(e => `second: ${e}`);
      setTimeout(() => reader.abort(new Error('seed reader left')), 50);
      const [r1, r2] = await Promise.all([first, dispatcher]);
      // eslint-disable-next-line no-console
      console.log('PROBE5', r1, '|', r2);
      expect(String(r2)).toContain('second:');
    } finally {
      await sim.close();
    }
  });

  describe.each(['MYSQL_8'] as const)('on %s', id => {
    const databases = TestDatabases.create({ ids: [id] });
    it('PROBE 6: a URL list within the 100 kB body limit overflows the urls TEXT column (a 500)', async () => {
      const knex = await databases.init(id);
      const store = await DatabaseVodStore.fromKnex(knex);
      const urls = Array.from(
        { length: 40 },
        (_, i) => `https://cdn.example.com/asset/${i}/${'a'.repeat(1990)}`,
      );
      const body = JSON.stringify({ urls });
      let error: unknown;
      try {
        await store.createPrefetch({
          id: '00000000-0000-4000-8000-000000000001',
          account: 'main',
          projectId: PROJECT,
          urls,
          createdBy: 'user:default/x',
          now: Date.now(),
          quotaDay: '2026-11-26',
          quotaLimit: 1000,
          tasks: [0, 1, 2, 3].map(k => ({
            urls: urls.slice(k * 10, k * 10 + 10),
            units: 10,
          })),
        });
      } catch (e) {
        error = e;
      }
      // eslint-disable-next-line no-console
      console.log(
        'PROBE6 body bytes',
        body.length,
        'error',
        String(error).slice(0, 200),
      );
      expect(body.length).toBeLessThan(100 * 1024);
      expect(String(error)).toMatch(/too long|Data too long/i);
    });
  });
});
