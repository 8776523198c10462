import { mockServices } from '@backstage/backend-test-utils';
import {
  auth,
  Harness,
  startHarness,
  TRAILER_ASSET,
  LOOSE_ASSET,
  SK,
  AK,
} from './__testUtils__/harness';
import { logOf } from './__testUtils__/logOf';

describe('auditing and logging', () => {
  let h: Harness;
  const auditor = mockServices.auditor.mock();
  const event = { success: jest.fn(), fail: jest.fn() };

  beforeAll(async () => {
    auditor.createEvent.mockResolvedValue(event);
    h = await startHarness({
      extraFeatures: [
        auditor.factory,
        mockServices.rootLogger.factory({ level: 'debug' }),
      ],
    });
  });
  afterAll(() => h?.stop());
  beforeEach(() => {
    auditor.createEvent.mockClear();
    event.fail.mockClear();
    event.success.mockClear();
  });

  it('records who prefetched what with which account, and the outcome', async () => {
    const ok = await h.createPrefetch(auth.allowed, {
      entityRef: 'resource:default/trailer',
    });
    expect(ok.status).toBe(202);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'prefetch-create',
        // The auditor finds the caller (and its address) in the request.
        request: expect.objectContaining({
          method: 'POST',
          originalUrl: '/api/vod/prefetches',
        }),
        meta: {
          actor: 'user:default/allowed',
          asked: {
            entityRef: 'resource:default/trailer',
            assetId: null,
            urls: null,
            account: null,
          },
        },
      }),
    );
    expect(event.success).toHaveBeenCalledWith({
      meta: {
        prefetchId: ok.body.id,
        replayed: false,
        entityRef: 'resource:default/trailer',
        account: 'main',
      },
    });

    const refused = await h
      .http()
      .post('/api/vod/prefetches')
      .set(auth.allowed)
      .set('Idempotency-Key', 'a')
      .send({ assetId: TRAILER_ASSET });
    const conflict = await h
      .http()
      .post('/api/vod/prefetches')
      .set(auth.allowed)
      .set('Idempotency-Key', 'a')
      .send({ urls: ['https://cdn.example.com/x'] });
    expect([refused.status, conflict.status]).toEqual([202, 409]);
    expect(event.fail).toHaveBeenCalledWith({
      error: expect.objectContaining({ name: 'ConflictError' }),
      meta: { reason: 'ConflictError' },
    });
  });

  it('records a refused create too: who asked for what, and why not', async () => {
    const refused = await h.createPrefetch(auth.denied, {
      assetId: TRAILER_ASSET,
    });
    expect(refused.status).toBe(403);
    expect(auditor.createEvent).toHaveBeenCalledWith(
      expect.objectContaining({
        eventId: 'prefetch-create',
        meta: {
          actor: 'user:default/denied',
          asked: {
            entityRef: null,
            assetId: TRAILER_ASSET,
            urls: null,
            account: null,
          },
        },
      }),
    );
    expect(event.fail).toHaveBeenCalledWith({
      error: expect.objectContaining({
        name: 'NotAllowedError',
        message:
          'You may not prefetch resource:default/trailer (vod.prefetch.create)',
      }),
      meta: { reason: 'NotAllowedError' },
    });
    expect(event.success).not.toHaveBeenCalled();
  });

  it('records dry runs, refused or not: they tell whether something may be prefetched', async () => {
    const refused = await h
      .http()
      .post('/api/vod/prefetches?dryRun=true')
      .set(auth.denied)
      .send({ assetId: TRAILER_ASSET });
    expect(refused.status).toBe(403);
    const planned = await h
      .http()
      .post('/api/vod/prefetches?dryRun=true')
      .set(auth.allowed)
      .send({ entityRef: 'resource:default/trailer' });
    expect(planned.status).toBe(200);
    expect(
      auditor.createEvent.mock.calls.map(([e]) => [
        e.eventId,
        e.severityLevel,
        (e.meta as { actor: string }).actor,
      ]),
    ).toEqual([
      ['prefetch-plan', 'low', 'user:default/denied'],
      ['prefetch-plan', 'low', 'user:default/allowed'],
    ]);
    expect(event.fail).toHaveBeenCalledWith(
      expect.objectContaining({ meta: { reason: 'NotAllowedError' } }),
    );
    expect(event.success).toHaveBeenCalledWith({
      meta: { account: 'main', units: 1 },
    });
  });

  it('never writes the credentials to the log, even at debug level', async () => {
    const log = await logOf(async () => {
      // An asset no other test here prefetches: the fault hits this test's create.
      h.sim.queueFault({
        kind: 'reset-after',
        route: 'create',
        assetId: LOOSE_ASSET,
      });
      const res = await h.createPrefetch(auth.allowed, {
        assetId: LOOSE_ASSET,
      });
      await h.waitFor(res.body.id, s => s === 'succeeded');
    });
    expect(log).toContain('may or may not have reached VOD'); // the log was captured
    expect(log).not.toContain(SK);
    expect(log).not.toContain('Signature=');
    expect(log).not.toContain(`Access=${AK}`);
  });
});

describe('credentials stay out of the log at debug level', () => {
  jest.setTimeout(30_000);
  const CANARY = {
    sk: 'canary-secret-access-key-0001',
    securityToken: 'canary-security-token-0002',
    password: 'canary-iam-password-0003',
  };

  it('redacts the security token API Gateway echoes in a signature refusal', async () => {
    const h = await startHarness({
      account: {
        secretAccessKey: CANARY.sk, // wrong: VOD answers APIGW.0301 with its canonical request
        securityToken: CANARY.securityToken,
      },
      extraFeatures: [mockServices.rootLogger.factory({ level: 'debug' })],
    });
    try {
      const log = await logOf(async () => {
        await h.createPrefetch(auth.allowed, { assetId: TRAILER_ASSET });
        while (!h.sim.calls().some(c => c.errorCode === 'APIGW.0301')) {
          await new Promise(resolve => setTimeout(resolve, 20));
        }
        await new Promise(resolve => setTimeout(resolve, 100));
      });
      expect(log).toContain('canonical'); // the echo was logged, at debug level
      expect(log).toContain('x-security-token:[redacted]');
      expect(log).not.toContain(CANARY.securityToken);
      expect(log).not.toContain(CANARY.sk);
      expect(log).not.toContain('Signature=');
    } finally {
      await h.stop();
    }
  });

  it('never logs the IAM password or an IAM token', async () => {
    const withIam = await startHarness({
      iamUser: { domain: 'mediaops', name: 'svc', password: CANARY.password },
      extraFeatures: [mockServices.rootLogger.factory({ level: 'debug' })],
    });
    try {
      const log = await logOf(async () => {
        const res = await withIam.createPrefetch(auth.allowed, {
          assetId: TRAILER_ASSET,
        });
        await withIam.waitFor(res.body.id, s => s === 'succeeded');
        withIam.sim.reset(); // VOD forgets the token: the next call is refused, then renewed
        withIam.sim.queueFault({ kind: 'reset-after', route: 'create' });
        const again = await withIam.createPrefetch(auth.allowed, {
          assetId: TRAILER_ASSET,
        });
        await withIam.waitFor(again.body.id, s => s === 'succeeded');
      });
      expect(withIam.sim.calls().some(c => c.auth === 'token')).toBe(true);
      expect(log).not.toContain(CANARY.password);
      expect(log).not.toMatch(/MIIsim[0-9a-f]/);
    } finally {
      await withIam.stop();
    }
  });
});
