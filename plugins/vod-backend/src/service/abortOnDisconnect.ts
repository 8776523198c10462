import type { Response } from 'express';

/** A signal that aborts when the caller goes away before its answer was sent. */
export function abortOnDisconnect(res: Response): AbortSignal {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) {
      controller.abort(new Error('the caller disconnected'));
    }
  });
  return controller.signal;
}
