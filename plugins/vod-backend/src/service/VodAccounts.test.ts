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
    accounts.updateCredentials(config('AK2', 'new-secret'));
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
});
