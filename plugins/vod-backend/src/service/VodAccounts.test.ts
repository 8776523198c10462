import { ConfigReader } from '@backstage/config';
import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import { readVodConfig } from './config';
import { VodAccounts } from './VodAccounts';

const PROJECT = '0123456789abcdef0123456789abcdef';
const ASSET = 'f488337c31c8e4622f1590735b134c65';

describe('VodAccounts', () => {
  let sim: VodSimulator;
  beforeAll(async () => {
    sim = await startVodSimulator({
      accounts: [
        {
          projectId: PROJECT,
          accessKeyId: 'AK2',
          secretAccessKey: 'new-secret',
        },
      ],
      assets: { [ASSET]: {} },
    });
  });
  afterAll(() => sim.close());

  const config = (accessKeyId: string, secretAccessKey: string) =>
    readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [
            {
              name: 'main',
              endpoint: sim.url,
              projectId: PROJECT,
              accessKeyId,
              secretAccessKey,
            },
            {
              name: 'eu',
              endpoint: 'https://vod.eu.example.com',
              projectId: 'p-eu',
              accessKeyId: 'x',
              secretAccessKey: 'y',
            },
          ],
          defaultAccount: 'eu',
        },
      }),
    );

  it('rotates AK/SK without a new client', async () => {
    const accounts = VodAccounts.fromConfig(config('AK1', 'old-secret'), {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const client = accounts.get('main')!.client;
    await expect(
      client.createPrefetch({ assetId: ASSET }),
    ).rejects.toMatchObject({ httpStatus: 401 });
    accounts.applyConfig(config('AK2', 'new-secret'));
    await expect(
      client.createPrefetch({ assetId: ASSET }),
    ).resolves.toHaveProperty('taskId');
    await accounts.close();
  });

  it('summarises accounts without credentials, and finds them by project', async () => {
    const accounts = VodAccounts.fromConfig(config('AK1', 'old-secret'), {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(accounts.summaries()).toEqual([
      { name: 'main', projectId: PROJECT, isDefault: false },
      { name: 'eu', projectId: 'p-eu', isDefault: true },
    ]);
    expect(accounts.byProjectId('p-eu')?.config.name).toBe('eu');
    expect(accounts.byProjectId('nope')).toBeUndefined();
    await accounts.close();
  });

  it('refuses a new config that switches an account to IAM, keeping the keys in use', async () => {
    const accounts = VodAccounts.fromConfig(config('AK2', 'new-secret'), {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const switched = readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [
            {
              name: 'main',
              endpoint: sim.url,
              projectId: PROJECT,
              iam: {
                endpoint: sim.url,
                domainName: 'd',
                userName: 'u',
                password: 'p',
              },
            },
            {
              name: 'eu',
              endpoint: 'https://vod.eu.example.com',
              projectId: 'p-eu',
              accessKeyId: 'x',
              secretAccessKey: 'y',
            },
          ],
        },
      }),
    );
    expect(() => accounts.applyConfig(switched)).toThrow(
      "Invalid config at 'vod.accounts': account main switched from AK/SK to IAM; only credentials, daily quotas and URL allow-lists change without a restart",
    );
    // Still signing with the keys it had: nothing undefined, nothing half-applied.
    await expect(
      accounts.get('main')!.client.createPrefetch({ assetId: ASSET }),
    ).resolves.toHaveProperty('taskId');
    await accounts.close();
  });

  it('refuses a new config that adds or removes an account as a whole', async () => {
    const accounts = VodAccounts.fromConfig(config('AK2', 'new-secret'), {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const only = (name: string) => {
      const full = config('AK9', 'rotated');
      return { ...full, accounts: full.accounts.filter(a => a.name === name) };
    };
    expect(() => accounts.applyConfig(only('main'))).toThrow(
      'account eu was removed',
    );
    // The rejected change rotated nothing.
    await expect(
      accounts.get('main')!.client.createPrefetch({ assetId: ASSET }),
    ).resolves.toHaveProperty('taskId');
    await accounts.close();
  });

  it('applies a new daily quota and URL allow-list at once, and refuses new rate limits whole', async () => {
    const withAccount = (changes: object) => {
      const base = config('AK2', 'new-secret');
      return readVodConfig(
        new ConfigReader({
          vod: {
            accounts: [
              {
                name: 'main',
                endpoint: sim.url,
                projectId: PROJECT,
                accessKeyId: 'AK2',
                secretAccessKey: 'new-secret',
                ...changes,
              },
              {
                name: 'eu',
                endpoint: 'https://vod.eu.example.com',
                projectId: 'p-eu',
                accessKeyId: 'x',
                secretAccessKey: 'y',
              },
            ],
            defaultAccount: base.defaultAccount,
          },
        }),
      );
    };
    const accounts = VodAccounts.fromConfig(
      withAccount({ allowedUrlPrefixes: ['https://cdn.example.com/'] }),
      { logger: { debug() {}, info() {}, warn() {}, error() {} } },
    );
    const allows = (url: string) =>
      accounts.get('main')!.config.allowedUrls.allows(new URL(url));
    expect(allows('https://cdn.example.com/private/a.mp4')).toBe(true);
    accounts.applyConfig(
      withAccount({
        allowedUrlPrefixes: ['https://cdn.example.com/asset/'],
        dailyQuota: 5,
      }),
    );
    expect(allows('https://cdn.example.com/private/a.mp4')).toBe(false);
    expect(accounts.get('main')!.config.dailyQuota).toBe(5);
    expect(() =>
      accounts.applyConfig(
        withAccount({
          dailyQuota: 7,
          rateLimit: { createsPerMinute: 20 },
        }),
      ),
    ).toThrow('account main has new rate limits');
    expect(accounts.get('main')!.config.dailyQuota).toBe(5);
    await accounts.close();
  });

  it('refuses a new IAM endpoint: the token requests would still go to the old one', async () => {
    const iamAccount = (endpoint: string) =>
      readVodConfig(
        new ConfigReader({
          vod: {
            accounts: [
              {
                name: 'main',
                endpoint: sim.url,
                projectId: PROJECT,
                iam: {
                  endpoint,
                  domainName: 'd',
                  userName: 'u',
                  password: 'p',
                },
              },
            ],
          },
        }),
      );
    const accounts = VodAccounts.fromConfig(iamAccount(sim.url), {
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    expect(() =>
      accounts.applyConfig(iamAccount('https://iam.elsewhere.example.com')),
    ).toThrow('account main has a new IAM endpoint');
    await accounts.close();
  });
});
