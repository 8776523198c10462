import { ConfigReader } from '@backstage/config';
import { AK, configuredAccount, SK } from '../__testUtils__/vodAccount';
import { keysNeedingRestart, readVodConfig } from './config';

const account = configuredAccount('https://vod.cn-north-4.myhuaweicloud.com');
const read = (vod: object) => () => readVodConfig(new ConfigReader({ vod }));

describe('readVodConfig', () => {
  it('fills in the defaults', () => {
    const config = read({ accounts: [account] })();
    expect(config).toMatchObject({
      defaultAccount: 'main',
      quotaTimeZone: 'Asia/Shanghai',
      maxUrlsPerPrefetch: 100,
      retryAttempts: 3,
      cacheTtlMs: 5000,
      timeouts: { connectMs: 5000, headersMs: 15000, bodyMs: 15000 },
      polling: {
        frequencyMs: 10000,
        initialDelayMs: 5000,
        maxDelayMs: 300000,
        expireAfterMs: 86400000,
      },
    });
    expect(config.accounts[0]).toMatchObject({
      dailyQuota: 1000,
      createsPerMinute: 10,
      queriesPerMinute: 100,
      auth: {
        type: 'aksk',
        credentials: { accessKeyId: AK, secretAccessKey: SK },
      },
    });
    expect(config.accounts[0].allowedUrls.isEmpty).toBe(true);
    expect(config).toMatchObject({
      lookupTimeoutMs: 10_000,
      // one call's timeouts and a 5 s margin
      claimLeaseMs: 40_000,
      queueTimeoutMs: 86_400_000,
      idempotencyKeyTtlMs: 86_400_000,
      retentionMs: undefined,
      seedRoutes: {
        maxWaitMs: 10_000,
        queryMaxAgeMs: 10_000,
        retryWindowMs: 600_000,
      },
    });
  });

  it('reads durations in the forms Backstage accepts', () => {
    const config = read({
      accounts: [account],
      timeouts: { connect: '2s', headers: { seconds: 3 } },
      polling: { frequency: 'PT30S', expireAfter: '2h' },
    })();
    expect(config.timeouts.connectMs).toBe(2000);
    expect(config.timeouts.headersMs).toBe(3000);
    expect(config.polling.frequencyMs).toBe(30000);
    expect(config.polling.expireAfterMs).toBe(7200000);
    expect(read({ accounts: [account], cacheTtl: '2s' })().cacheTtlMs).toBe(
      2000,
    );
    expect(
      read({ accounts: [account], cacheTtl: { seconds: 0 } })().cacheTtlMs,
    ).toBe(0);
  });

  it('reads IAM token credentials', () => {
    const { accessKeyId, secretAccessKey, ...rest } = account;
    const config = read({
      accounts: [
        {
          ...rest,
          iam: {
            endpoint: 'https://iam.example.com',
            domainName: 'd',
            userName: 'u',
            password: 'p',
          },
        },
      ],
    })();
    expect(config.accounts[0].auth).toEqual({
      type: 'token',
      iam: {
        endpoint: 'https://iam.example.com',
        domainName: 'd',
        userName: 'u',
        password: 'p',
      },
    });
  });

  it.each([
    ['no accounts', {}, "Missing required config value at 'vod.accounts'"],
    [
      'an endpoint that is no URL',
      { accounts: [{ ...account, endpoint: 'vod' }] },
      "Invalid config at 'vod.accounts[0].endpoint'",
    ],
    [
      'an AK without SK',
      { accounts: [{ ...account, secretAccessKey: undefined }] },
      "Invalid config at 'vod.accounts[0].secretAccessKey'",
    ],
    [
      'a default account that does not exist',
      { accounts: [account], defaultAccount: 'eu' },
      'Invalid config at \'vod.defaultAccount\': no account is named "eu"',
    ],
    [
      'two accounts of one name',
      { accounts: [account, { ...account, projectId: 'p2' }] },
      "Invalid config at 'vod.accounts[1].name'",
    ],
    [
      'a zero quota',
      { accounts: [{ ...account, dailyQuota: 0 }] },
      "Invalid config at 'vod.accounts[0].dailyQuota'",
    ],
    [
      'a negative cache TTL',
      { accounts: [account], cacheTtl: { seconds: -1 } },
      "Invalid config at 'vod.cacheTtl': must be a duration, zero or more",
    ],
    [
      'a URL prefix without a scheme',
      { accounts: [{ ...account, allowedUrlPrefixes: ['cdn'] }] },
      "Invalid config at 'vod.accounts[0].allowedUrlPrefixes[0]'",
    ],
    [
      'a URL prefix with a user name',
      {
        accounts: [
          {
            ...account,
            allowedUrlPrefixes: [
              'https://cdn.example.com/',
              'https://cdn.example.com@evil.net/',
            ],
          },
        ],
      },
      'Invalid config at \'vod.accounts[0].allowedUrlPrefixes[1]\': "https://cdn.example.com@evil.net/" must not contain a user name or password',
    ],
    [
      'a URL prefix with a query',
      {
        accounts: [
          { ...account, allowedUrlPrefixes: ['https://cdn.example.com/?a=1'] },
        ],
      },
      'Invalid config at \'vod.accounts[0].allowedUrlPrefixes[0]\': "https://cdn.example.com/?a=1" must not have a query string',
    ],
    [
      'a zero retention',
      { accounts: [account], retention: { days: 0 } },
      "Invalid config at 'vod.retention': must be a positive duration",
    ],
    [
      'an unknown time zone',
      { accounts: [account], quotaTimeZone: 'Mars/Olympus' },
      "Invalid config at 'vod.quotaTimeZone'",
    ],
  ])('fails start-up on %s, naming the key', (_name, vod, message) => {
    expect(read(vod)).toThrow(message);
  });
});

describe('keysNeedingRestart', () => {
  it('names the keys outside the accounts whose new value waits for a restart', () => {
    const before = read({ accounts: [account] })();
    const after = read({
      accounts: [{ ...account, dailyQuota: 5 }],
      polling: { frequency: '30s' },
      defaultAccount: 'main',
    })();
    expect(keysNeedingRestart(before, after)).toEqual([
      'vod.polling.frequency',
    ]);
    expect(keysNeedingRestart(before, before)).toEqual([]);
  });

  it('names each as config.d.ts does, not by the field it is read into', () => {
    const before = read({ accounts: [account] })();
    const after = read({
      accounts: [account, { ...account, name: 'eu', projectId: 'p2' }],
      defaultAccount: 'eu',
      quotaTimeZone: 'Europe/Paris',
      maxUrlsPerPrefetch: 7,
      cacheTtl: '1s',
      lookupTimeout: '1s',
      timeouts: { connect: '1s', headers: '1s', body: '1s' },
      retryAttempts: 1,
      queueTimeout: '1h',
      idempotencyKeyTtl: '1h',
      retention: { days: 30 },
      seedRoutes: { maxWait: '1s', queryMaxAge: '1s', retryWindow: '1m' },
      polling: {
        frequency: '1s',
        initialDelay: '1s',
        maxDelay: '1m',
        expireAfter: '1h',
      },
    })();
    expect(keysNeedingRestart(before, after)).toEqual([
      'vod.defaultAccount',
      'vod.quotaTimeZone',
      'vod.maxUrlsPerPrefetch',
      'vod.cacheTtl',
      'vod.lookupTimeout',
      'vod.timeouts.connect',
      'vod.timeouts.headers',
      'vod.timeouts.body',
      'vod.retryAttempts',
      'vod.queueTimeout',
      'vod.idempotencyKeyTtl',
      'vod.retention',
      'vod.seedRoutes.maxWait',
      'vod.seedRoutes.queryMaxAge',
      'vod.seedRoutes.retryWindow',
      'vod.polling.frequency',
      'vod.polling.initialDelay',
      'vod.polling.maxDelay',
      'vod.polling.expireAfter',
    ]);
    // and none is left out: every value read outside the accounts changed above (all but the
    // claim lease, which follows the timeouts)
    const { accounts: _a, claimLeaseMs: _c, ...values } = after;
    const leaves = Object.values(values).flatMap(value =>
      typeof value === 'object' ? Object.values(value) : [value],
    );
    expect(leaves).toHaveLength(keysNeedingRestart(before, after).length);
  });
});
