import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import { Faults, faultOptionsSchema, queuedFaultSchema } from './faults';
import { json, parseJson, Simulated } from './http';
import type { FaultOptions, QueuedFault } from './options';

/** What the admin routes (and a test, directly) can do to a running simulator. */
export interface Control {
  reset(): void;
  setFaults(faults: FaultOptions): void;
  queueFault(...faults: QueuedFault[]): void;
  advance(ms: number): void;
}

/** `/health` and `/admin/*`: recorded calls and tasks, faults, reset, the clock. */
export async function admin(
  { state, faults, control }: Simulated & { faults: Faults; control: Control },
  method: string,
  path: string,
  body: Buffer | 'too-large',
  res: ServerResponse,
) {
  const parsed = parseJson(body);
  const bad = (message: string) => json(res, 400, { error: message });
  if (path === '/health') return json(res, 200, { status: 'ok' });
  if (method === 'GET' && path === '/admin/calls')
    return json(res, 200, { calls: state.calls });
  if (method === 'GET' && path === '/admin/tasks')
    return json(res, 200, { tasks: [...state.tasks.values()] });
  if (method === 'POST' && path === '/admin/reset') {
    control.reset();
    return json(res, 200, { reset: true });
  }
  if (method === 'GET' && path === '/admin/faults')
    return json(res, 200, { faults: faults.current, queued: faults.queued });
  if (method === 'PUT' && path === '/admin/faults') {
    const result = faultOptionsSchema.safeParse(
      parsed.ok ? parsed.value : undefined,
    );
    if (!result.success) return bad(z.prettifyError(result.error));
    control.setFaults(result.data as FaultOptions);
    return json(res, 200, { faults: faults.current });
  }
  if (method === 'POST' && path === '/admin/faults/queue') {
    const result = z
      .array(queuedFaultSchema)
      .safeParse(parsed.ok ? [parsed.value].flat() : undefined);
    if (!result.success) return bad(z.prettifyError(result.error));
    control.queueFault(...(result.data as QueuedFault[]));
    return json(res, 200, { queued: faults.queued });
  }
  if (method === 'POST' && path === '/admin/advance') {
    const result = z
      .object({ ms: z.number().int().nonnegative() })
      .safeParse(parsed.ok ? parsed.value : undefined);
    if (!result.success) return bad(z.prettifyError(result.error));
    control.advance(result.data.ms);
    return json(res, 200, { now: new Date(state.now()).toISOString() });
  }
  return json(res, 404, { error: `no admin route ${method} ${path}` });
}
