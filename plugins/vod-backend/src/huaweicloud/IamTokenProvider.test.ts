import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VodSimulator } from '@mediaops/vod-simulator';
import { IamTokenProvider } from './IamTokenProvider';
import { VodRequestError } from './VodRequestError';
import {
  ASSET,
  failure,
  PROJECT,
  useSimulatedVod,
} from './__testUtils__/simulatedVod';

// IamTokenProvider's recovery paths: IAM failing while a token is still good, and IAM answering
// in a way the provider cannot use. VOD is the simulator throughout; IAM is the simulator's own
// IAM route (with its faults), or a small local server for answers the simulator never gives.

const HOUR = 3600_000;

/** What the local IAM stand-in answers to every token request. */
interface IamAnswer {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** A local IAM that answers whatever the test set last. */
async function startFakeIam() {
  let answer: IamAnswer = { status: 500, body: '' };
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, {
        'Content-Type': 'application/json',
        ...answer.headers,
      });
      res.end(answer.body);
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    answer: (next: IamAnswer) => {
      answer = next;
    },
    requests: () => requests,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A token body as Keystone writes it, expiring `inMs` from now. */
const tokenBody = (inMs = 24 * HOUR) =>
  JSON.stringify({
    token: {
      methods: ['password'],
      expires_at: new Date(Date.now() + inMs).toISOString(),
    },
  });

describe('IamTokenProvider', () => {
  let sim: VodSimulator;
  const vodSim = useSimulatedVod();
  const { client, creates } = vodSim;
  beforeAll(() => {
    sim = vodSim.sim;
  });
  const iamCalls = () => sim.calls().filter(c => c.route === 'iam');

  let iam: Awaited<ReturnType<typeof startFakeIam>>;
  beforeAll(async () => {
    iam = await startFakeIam();
  });
  afterAll(() => iam.close());

  /** A provider of the simulator's IAM user, or of `endpoint`'s. */
  const provider = (now?: () => number, endpoint = sim.url) =>
    IamTokenProvider.create({
      credentials: {
        endpoint,
        domainName: 'mediaops',
        userName: 'svc',
        password: 'pw',
        projectId: PROJECT,
      },
      now,
    });

  it('keeps using a still-valid token while IAM fails its early renewal, and stops at its real expiry', async () => {
    let now = Date.now();
    const later = (ms: number) => {
      now += ms;
      sim.advance(ms);
    };
    const tokens = provider(() => now);
    const vod = client({ auth: { type: 'token', tokens } });
    await vod.createPrefetch({ assetId: ASSET });
    const issued = tokens.currentToken;

    sim.setFaults({ rate5xx: 1, routes: ['iam'] }); // IAM down from here on
    later(23.5 * HOUR); // inside the last hour: a renewal is due
    await vod.createPrefetch({ assetId: ASSET });
    later(20 * 60_000); // past the failure's backoff: IAM asked again, fails again
    await vod.createPrefetch({ assetId: ASSET });
    expect(tokens.currentToken).toBe(issued);
    expect(creates().map(c => [c.auth, c.status])).toEqual([
      ['token', 202],
      ['token', 202],
      ['token', 202],
    ]);
    // One token issued, so the accepted calls all carried it.
    expect(iamCalls().map(c => c.status)).toEqual([201, 503, 503]);

    later(20 * 60_000); // 24 h 10 min: the token has really expired
    const error = await failure(vod.createPrefetch({ assetId: ASSET }));
    expect(error).toMatchObject({
      service: 'iam',
      httpStatus: 503,
      mayHaveReachedVod: false,
    });
    expect(creates()).toHaveLength(3); // nothing sent with the expired token

    sim.setFaults({});
    later(60_000); // past the (doubled) backoff
    await vod.createPrefetch({ assetId: ASSET });
    expect(tokens.currentToken).not.toBe(issued);
    expect(creates().map(c => c.status)).toEqual([202, 202, 202, 202]);
  });

  it.each<[string, IamAnswer]>([
    ['no X-Subject-Token header', { status: 201, body: tokenBody() }],
    [
      'an empty X-Subject-Token header',
      { status: 201, headers: { 'X-Subject-Token': '' }, body: tokenBody() },
    ],
    [
      'no token.expires_at',
      {
        status: 201,
        headers: { 'X-Subject-Token': 'MIIfake' },
        body: JSON.stringify({ token: { methods: ['password'] } }),
      },
    ],
    [
      'a token.expires_at that is no time',
      {
        status: 201,
        headers: { 'X-Subject-Token': 'MIIfake' },
        body: JSON.stringify({ token: { expires_at: 'tomorrow' } }),
      },
    ],
    [
      'a body that is not JSON',
      { status: 201, headers: { 'X-Subject-Token': 'MIIfake' }, body: 'ok' },
    ],
  ])(
    'refuses an IAM answer with %s clearly, and sends VOD nothing',
    async (_what, answer) => {
      iam.answer(answer);
      const tokens = provider(undefined, iam.url);
      const vod = client({ auth: { type: 'token', tokens } });
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({
        kind: 'invalid-response',
        service: 'iam',
        httpStatus: 201,
        mayHaveReachedVod: false,
        message:
          'IAM answered without an X-Subject-Token header or token.expires_at',
      });
      expect(tokens.currentToken).toBeUndefined();
      expect(creates()).toHaveLength(0);
      expect(sim.calls()).toHaveLength(0);
    },
  );

  it('takes a well-formed answer of the same server, so the refusals above are of the answer alone', async () => {
    iam.answer({
      status: 201,
      headers: { 'X-Subject-Token': 'MIIfake' },
      body: tokenBody(),
    });
    await expect(provider(undefined, iam.url).getToken()).resolves.toBe(
      'MIIfake',
    );
  });

  it.each<[string, IamAnswer, Partial<VodRequestError>]>([
    [
      "Keystone's error body",
      {
        status: 403,
        body: JSON.stringify({
          error: {
            code: 403,
            message: 'The user is locked out.',
            title: 'Forbidden',
          },
        }),
      },
      {
        httpStatus: 403,
        errorCode: '403',
        errorMessage: 'The user is locked out.',
        message:
          'IAM refused the token request with 403: The user is locked out.',
      },
    ],
    [
      "Huawei's error body",
      {
        status: 400,
        body: JSON.stringify({
          error_code: 'IAM.0006',
          error_msg: 'The project does not exist.',
        }),
      },
      {
        httpStatus: 400,
        errorCode: 'IAM.0006',
        errorMessage: 'The project does not exist.',
        message:
          'IAM refused the token request with 400: The project does not exist.',
      },
    ],
    [
      "a gateway's HTML page",
      { status: 502, body: '<html><body>Bad Gateway</body></html>' },
      {
        httpStatus: 502,
        errorCode: undefined,
        errorMessage: undefined,
        message: 'IAM refused the token request with 502',
      },
    ],
  ])(
    'turns %s into a plain refusal, sending VOD nothing',
    async (_what, answer, expected) => {
      iam.answer(answer);
      const vod = client({
        auth: { type: 'token', tokens: provider(undefined, iam.url) },
      });
      const error = await failure(vod.createPrefetch({ assetId: ASSET }));
      expect(error).toMatchObject({
        kind: 'http',
        service: 'iam',
        mayHaveReachedVod: false,
        ...expected,
      });
      expect(sim.calls()).toHaveLength(0);
    },
  );
});
