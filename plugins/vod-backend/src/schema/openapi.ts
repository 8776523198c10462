// The vod backend's API, spec first: the router is typed from this document and every request
// is validated against it. Kept by hand as a TypeScript `as const` object (the OpenAPI code
// generator needs a download that this project cannot rely on).
export const spec = {
  openapi: '3.1.0',
  info: {
    title: 'vod',
    version: '1',
    description:
      'Huawei Cloud VOD CDN prefetch behind Backstage authentication.',
    license: { name: 'UNLICENSED' },
    contact: {},
  },
  servers: [{ url: '/' }],
  components: {
    examples: {},
    headers: {},
    parameters: {},
    requestBodies: {},
    responses: {},
    schemas: {
      Health: {
        type: 'object',
        properties: { status: { type: 'string', enum: ['ok'] } },
        required: ['status'],
        additionalProperties: false,
      },
    },
    securitySchemes: {},
  },
  paths: {
    '/health': {
      get: {
        operationId: 'GetHealth',
        description: 'Liveness of the vod plugin; needs no authentication.',
        responses: {
          '200': {
            description: 'The plugin is up.',
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Health' },
              },
            },
          },
        },
      },
    },
  },
} as const;
