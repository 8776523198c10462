import { ConfigReader } from '@backstage/config';
import { configuredAccount } from '../__testUtils__/vodAccount';
import { readVodConfig } from './config';

// How readVodConfig takes accounts whose credentials or projects clash: config.d.ts says "give
// either accessKeyId + secretAccessKey, or iam", and the seed routes find accounts by project.

const account = configuredAccount('https://vod.cn-north-4.myhuaweicloud.com');
const iam = {
  endpoint: 'https://iam.cn-north-4.myhuaweicloud.com',
  domainName: 'mediaops',
  userName: 'svc',
  password: 'pw',
};
const read = (accounts: object[]) => () =>
  readVodConfig(new ConfigReader({ vod: { accounts } }));

describe('readVodConfig with clashing accounts', () => {
  it.each([
    ['AK/SK and iam', { ...account, iam }],
    ['an accessKeyId and iam', { ...account, secretAccessKey: undefined, iam }],
    ['a secretAccessKey and iam', { ...account, accessKeyId: undefined, iam }],
    [
      'a securityToken and iam (the token would be ignored)',
      {
        ...account,
        accessKeyId: undefined,
        secretAccessKey: undefined,
        securityToken: 'sts',
        iam,
      },
    ],
  ])('refuses %s on one account, naming it', (_what, both) => {
    expect(read([both])).toThrow(
      "Invalid config at 'vod.accounts[0]': give either accessKeyId/secretAccessKey (and securityToken) or iam, not both",
    );
  });

  it('takes iam alone, and AK/SK with a security token alone', () => {
    const { accessKeyId, secretAccessKey, ...withoutKeys } = account;
    const config = read([
      { ...withoutKeys, iam },
      {
        ...account,
        name: 'sts',
        projectId: 'p-sts',
        securityToken: 'sts',
      },
    ])();
    expect(config.accounts.map(a => a.auth)).toEqual([
      { type: 'token', iam },
      {
        type: 'aksk',
        credentials: { accessKeyId, secretAccessKey, securityToken: 'sts' },
      },
    ]);
  });

  it('refuses two accounts of one project, naming the second', () => {
    expect(read([account, { ...account, name: 'eu' }])).toThrow(
      `Invalid config at 'vod.accounts[1].projectId': project "${account.projectId}" belongs to two accounts; the seed routes pick accounts by project`,
    );
    // Even when they reach VOD at different endpoints or with different keys.
    expect(
      read([
        account,
        {
          ...account,
          name: 'eu',
          endpoint: 'https://vod.eu.example.com',
          accessKeyId: 'AK2',
        },
      ]),
    ).toThrow("'vod.accounts[1].projectId'");
  });
});
