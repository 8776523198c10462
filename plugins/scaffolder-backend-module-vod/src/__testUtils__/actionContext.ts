import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import type { ActionContext } from '@backstage/plugin-scaffolder-node';
import type { JsonObject, JsonValue } from '@backstage/types';

/**
 * A scaffolder action context for unit tests, as the scaffolder builds one: the initiator's
 * credentials, outputs and log lines recorded, and checkpoints kept in `checkpoints` so that a
 * second run with the same map is a resumed step. (`@backstage/plugin-scaffolder-node-test-utils`
 * has no release for scaffolder-node 1.0 on the registry this repo installs from.)
 */
export function actionContext<TInput extends JsonObject>(options: {
  input: TInput;
  checkpoints?: Map<string, JsonValue>;
  isDryRun?: boolean;
  signal?: AbortSignal;
  user?: string;
  each?: JsonObject;
}) {
  const outputs: Record<string, JsonValue> = {};
  const logs: string[] = [];
  const logger = mockServices.logger.mock();
  logger.info.mockImplementation((message: string) => {
    logs.push(message);
  });
  const checkpoints = options.checkpoints ?? new Map<string, JsonValue>();
  const ctx: ActionContext<TInput, any> = {
    input: options.input,
    logger,
    workspacePath: '/tmp/vod-action-test',
    task: { id: 'task-1' },
    step: { id: 'preheat', name: 'Preheat' },
    isDryRun: options.isDryRun,
    signal: options.signal,
    each: options.each,
    output: (name, value) => {
      outputs[name as string] = value as JsonValue;
    },
    checkpoint: async ({ key, fn }) => {
      if (!checkpoints.has(key))
        checkpoints.set(key, (await fn()) as JsonValue);
      return checkpoints.get(key) as any;
    },
    createTemporaryDirectory: async () => '/tmp/vod-action-test',
    getInitiatorCredentials: async () =>
      mockCredentials.user(options.user ?? 'user:default/guest'),
  };
  return { ctx, outputs, logs, checkpoints };
}
