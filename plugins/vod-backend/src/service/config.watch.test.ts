import { mockServices } from '@backstage/backend-test-utils';
import { configuredAccount } from '../__testUtils__/vodAccount';
import { readVodConfig, VodConfig, watchVodConfig } from './config';

// watchVodConfig as plugin.ts wires it: a new config goes to the accounts, or is rejected whole.

const account = configuredAccount('https://vod.cn-north-4.myhuaweicloud.com');

/** A root config that tells its subscribers of every change, as a reloading config source does. */
function changingConfig(vod: object) {
  const root = mockServices.rootConfig({ data: { vod } });
  return {
    root,
    change: (next: object) => root.update({ data: { vod: next } }),
  };
}

describe('watchVodConfig', () => {
  it('hands a new config over and names the keys that wait for a restart', () => {
    const { root, change } = changingConfig({ accounts: [account] });
    const current = readVodConfig(root);
    const applied: VodConfig[] = [];
    const logger = { warn: jest.fn(), error: jest.fn() };
    watchVodConfig(root, current, { apply: c => applied.push(c), logger });

    change({ accounts: [{ ...account, dailyQuota: 5 }] });
    expect(applied.map(c => c.accounts[0].dailyQuota)).toEqual([5]);
    expect(logger.warn).not.toHaveBeenCalled();

    change({
      accounts: [account],
      maxUrlsPerPrefetch: 7,
      cacheTtl: '1s',
      timeouts: { connect: '1s' },
    });
    expect(applied).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      'new config taken for the accounts; vod.maxUrlsPerPrefetch, vod.cacheTtl, vod.timeouts.connect apply after a restart',
    );
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('rejects a config it cannot read, or one the accounts refuse, keeping the one in use', () => {
    const { root, change } = changingConfig({ accounts: [account] });
    const logger = { warn: jest.fn(), error: jest.fn() };
    watchVodConfig(root, readVodConfig(root), {
      apply: () => {
        throw new Error('an account was added');
      },
      logger,
    });

    change({ accounts: [] });
    change({
      accounts: [account, { ...account, name: 'eu', projectId: 'p2' }],
    });
    expect(logger.error.mock.calls.map(([message]) => message)).toEqual([
      "new config rejected, keeping the one in use: VodConfigError: Invalid config at 'vod.accounts': at least one account is needed",
      'new config rejected, keeping the one in use: Error: an account was added',
    ]);
    expect(logger.warn).not.toHaveBeenCalled();
  });
});
