import { mockServices } from '@backstage/backend-test-utils';
import {
  auth,
  Harness,
  startHarness,
  TRAILER_ASSET,
  SK,
  AK,
} from './__testUtils__/harness';

describe('auditing and logging', () => {
  let h: Harness;
  const auditor = mockServices.auditor.mock();
  const lines: string[] = [];
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

  it('records who prefetched what with which account, and the outcome', async () => {
    const ok = await h
      .http()
      .post('/api/vod/prefetches')
      .set(auth.allowed)
      .send({ entityRef: 'resource:default/trailer' });
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
    auditor.createEvent.mockClear();
    event.fail.mockClear();
    event.success.mockClear();
    const refused = await h
      .http()
      .post('/api/vod/prefetches')
      .set(auth.denied)
      .send({ assetId: TRAILER_ASSET });
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
        message: 'You may not prefetch resource:default/trailer (vod.prefetch.create)',
      }),
      meta: { reason: 'NotAllowedError' },
    });
    expect(event.success).not.toHaveBeenCalled();
  });

  it('never writes the credentials to the log, even at debug level', async () => {
    // The mock root logger writes through console.*; keep everything it writes.
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map(
      method =>
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          lines.push(args.map(String).join(' '));
        }),
    );
    try {
      h.sim.queueFault({ kind: 'reset-after', route: 'create' });
      const res = await h
        .http()
        .post('/api/vod/prefetches')
        .set(auth.allowed)
        .send({ assetId: TRAILER_ASSET });
      await h.waitFor(res.body.id, s => s === 'succeeded');
    } finally {
      spies.forEach(spy => spy.mockRestore());
    }
    const log = lines.join('\n');
    expect(log).toContain('may or may not have reached VOD'); // the log was captured
    expect(log).not.toContain(SK);
    expect(log).not.toContain('Signature=');
    expect(log).not.toContain(`Access=${AK}`);
  });
});
