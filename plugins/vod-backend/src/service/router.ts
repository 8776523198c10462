import { createValidatedOpenApiRouter } from '@backstage/backend-openapi-utils';
import type express from 'express';
import { spec } from '../schema/openapi';

/** The vod plugin's HTTP API, validated against its OpenAPI document. */
export async function createRouter(): Promise<express.Router> {
  const router = createValidatedOpenApiRouter<typeof spec>(spec);

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  return router;
}
