import express from 'express';
import request from 'supertest';
import { VodRequestError } from '../huaweicloud/VodRequestError';
import { sendSeedError } from './seedRouter';

/** How the seed routes answer an error thrown on their way, in VOD's shape. */
async function answerTo(error: unknown) {
  const app = express();
  app.get('/', (_req, res) => sendSeedError(res, error));
  const res = await request(app).get('/');
  return { status: res.status, ...res.body };
}

describe('sendSeedError', () => {
  it.each([
    [
      'a 2xx from VOD that is not the documented body with 502, not 200',
      new VodRequestError({
        kind: 'invalid-response',
        httpStatus: 200,
        message:
          'VOD prefetch query answered 200 with a body that is not the documented one',
        mayHaveReachedVod: true,
      }),
      {
        status: 502,
        error_code: 'PORTAL.0502',
        error_msg: 'VOD did not answer as expected (invalid-response 200)',
      },
    ],
    [
      "VOD's own refusal of the request by passing it through",
      new VodRequestError({
        kind: 'http',
        httpStatus: 404,
        errorCode: 'VOD.10064',
        errorMessage: 'The task does not exist.',
        message: 'refused',
        mayHaveReachedVod: true,
      }),
      {
        status: 404,
        error_code: 'VOD.10064',
        error_msg: 'The task does not exist.',
      },
    ],
    [
      'anything unknown with 500 and no detail',
      new TypeError('secret detail'),
      { status: 500, error_code: 'PORTAL.0500', error_msg: 'Internal error' },
    ],
  ])('answers %s', async (_what, error, answer) => {
    expect(await answerTo(error)).toEqual(answer);
  });

  it("answers IAM's or VOD's refusal of the portal's credentials with 502, not the caller's 401", async () => {
    for (const service of ['iam', 'vod'] as const) {
      const refused = new VodRequestError({
        kind: 'http',
        httpStatus: 401,
        errorMessage: 'The username or password is wrong.',
        message: 'refused',
        mayHaveReachedVod: false,
        service,
      });
      const answer = await answerTo(refused);
      expect(answer).toMatchObject({ status: 502, error_code: 'PORTAL.0502' });
      expect(answer.error_msg).toContain("refused this portal's credentials");
    }
  });
});
