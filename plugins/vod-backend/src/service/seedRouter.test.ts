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
  it('answers a 2xx from VOD that is not the documented body with 502, not 200', async () => {
    const invalid = new VodRequestError({
      kind: 'invalid-response',
      httpStatus: 200,
      message:
        'VOD prefetch query answered 200 with a body that is not the documented one',
      mayHaveReachedVod: true,
    });
    expect(await answerTo(invalid)).toEqual({
      status: 502,
      error_code: 'PORTAL.0502',
      error_msg: 'VOD did not answer as expected (invalid-response 200)',
    });
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

  it("passes VOD's own refusal of the request through", async () => {
    const refused = new VodRequestError({
      kind: 'http',
      httpStatus: 404,
      errorCode: 'VOD.10064',
      errorMessage: 'The task does not exist.',
      message: 'refused',
      mayHaveReachedVod: true,
    });
    expect(await answerTo(refused)).toEqual({
      status: 404,
      error_code: 'VOD.10064',
      error_msg: 'The task does not exist.',
    });
  });

  it('answers anything unknown with 500 and no detail', async () => {
    expect(await answerTo(new TypeError('secret detail'))).toEqual({
      status: 500,
      error_code: 'PORTAL.0500',
      error_msg: 'Internal error',
    });
  });
});
