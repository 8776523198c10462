import { ConfigReader } from '@backstage/config';
import { startVodSimulator, VodSimulator } from '@mediaops/vod-simulator';
import {
  ASSET,
  configuredAccount,
  PROJECT,
  SIMULATED_ACCOUNT,
} from '../__testUtils__/vodAccount';
import { readVodConfig } from './config';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import { refusalProblem, VodAccounts } from './VodAccounts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
/** Keys the simulator refuses. */
const OLD_KEYS = { accessKeyId: 'AK1', secretAccessKey: 'old-secret' };
/** A second account, never called. */
const EU = {
  name: 'eu',
  endpoint: 'https://vod.eu.example.com',
  projectId: 'p-eu',
  accessKeyId: 'x',
  secretAccessKey: 'y',
};
const iam = (endpoint: string) => ({
  accessKeyId: undefined,
  secretAccessKey: undefined,
  iam: { endpoint, domainName: 'd', userName: 'u', password: 'p' },
});

describe('VodAccounts', () => {
  let sim: VodSimulator;
  beforeAll(async () => {
    sim = await startVodSimulator({
      accounts: [SIMULATED_ACCOUNT],
      assets: { [ASSET]: {} },
    });
  });
  afterAll(() => sim.close());

  /**
   * `vod.*`: the simulator's account as `main`, with `changes`, and `eu`, the default account;
   * `others` instead of `eu`.
   */
  const config = (changes: object = {}, others: object[] = [EU]) =>
    readVodConfig(
      new ConfigReader({
        vod: {
          accounts: [{ ...configuredAccount(sim.url), ...changes }, ...others],
          defaultAccount: others.length > 0 ? 'eu' : undefined,
        },
      }),
    );

  it('rotates AK/SK without a new client', async () => {
    const accounts = VodAccounts.fromConfig(config(OLD_KEYS), { logger });
    const client = accounts.get('main')!.client;
    await expect(
      client.createPrefetch({ assetId: ASSET }),
    ).rejects.toMatchObject({ httpStatus: 401 });
    accounts.applyConfig(config());
    await expect(
      client.createPrefetch({ assetId: ASSET }),
    ).resolves.toHaveProperty('taskId');
    await accounts.close();
  });

  it('summarises accounts without credentials, and finds them by project', async () => {
    const accounts = VodAccounts.fromConfig(config(OLD_KEYS), { logger });
    expect(accounts.summaries()).toEqual([
      { name: 'main', projectId: PROJECT, isDefault: false },
      { name: 'eu', projectId: 'p-eu', isDefault: true },
    ]);
    expect(accounts.byProjectId('p-eu')?.config.name).toBe('eu');
    expect(accounts.byProjectId('nope')).toBeUndefined();
    await accounts.close();
  });

  // Nothing undefined, nothing half-applied: the rejected change rotated no key.
  it.each([
    [
      'switches an account to IAM',
      () => config(iam(sim.url)),
      "Invalid config at 'vod.accounts': account main switched from AK/SK to IAM; only credentials, daily quotas and URL allow-lists change without a restart",
    ],
    [
      'removes an account',
      () => config({ accessKeyId: 'AK9', secretAccessKey: 'rotated' }, []),
      'account eu was removed',
    ],
    [
      'adds an account',
      () =>
        config({ accessKeyId: 'AK9', secretAccessKey: 'rotated' }, [
          EU,
          { ...EU, name: 'us', projectId: 'p-us' },
        ]),
      'account us is new; adding accounts needs a restart',
    ],
  ])(
    'refuses a new config that %s, keeping the keys in use',
    async (_change, next, refusal) => {
      const accounts = VodAccounts.fromConfig(config(), { logger });
      expect(() => accounts.applyConfig(next())).toThrow(refusal);
      await expect(
        accounts.get('main')!.client.createPrefetch({ assetId: ASSET }),
      ).resolves.toHaveProperty('taskId');
      await accounts.close();
    },
  );

  it('applies a new daily quota and URL allow-list at once, and refuses new rate limits whole', async () => {
    const accounts = VodAccounts.fromConfig(
      config({ allowedUrlPrefixes: ['https://cdn.example.com/'] }),
      { logger },
    );
    const allows = (url: string) =>
      accounts.get('main')!.config.allowedUrls.allows(new URL(url));
    expect(allows('https://cdn.example.com/private/a.mp4')).toBe(true);
    accounts.applyConfig(
      config({
        allowedUrlPrefixes: ['https://cdn.example.com/asset/'],
        dailyQuota: 5,
      }),
    );
    expect(allows('https://cdn.example.com/private/a.mp4')).toBe(false);
    expect(accounts.get('main')!.config.dailyQuota).toBe(5);
    expect(() =>
      accounts.applyConfig(
        config({
          dailyQuota: 7,
          rateLimit: { createsPerMinute: 20 },
        }),
      ),
    ).toThrow('account main has new rate limits');
    expect(accounts.get('main')!.config.dailyQuota).toBe(5);
    await accounts.close();
  });

  it('refuses a new IAM endpoint: the token requests would still go to the old one', async () => {
    const accounts = VodAccounts.fromConfig(config(iam(sim.url), []), {
      logger,
    });
    expect(() =>
      accounts.applyConfig(
        config(iam('https://iam.elsewhere.example.com'), []),
      ),
    ).toThrow('account main has a new IAM endpoint');
    await accounts.close();
  });
});

describe('refusalProblem', () => {
  const refusal = (
    overrides: Partial<ConstructorParameters<typeof VodRequestError>[0]>,
  ) =>
    new VodRequestError({
      kind: 'http',
      message: 'refused',
      httpStatus: 401,
      mayHaveReachedVod: false,
      ...overrides,
    });

  it('names a skewed clock, refused VOD credentials and refused IAM credentials apart', () => {
    expect(
      refusalProblem(
        refusal({ clockSkew: { serverTime: 1, localTime: 2, offsetMs: -1 } }),
      ),
    ).toBe('VOD_CLOCK_SKEW');
    expect(refusalProblem(refusal({}))).toBe('VOD_CREDENTIALS_REFUSED');
    expect(refusalProblem(refusal({ service: 'iam' }))).toBe(
      'IAM_CREDENTIALS_REFUSED',
    );
  });
});
