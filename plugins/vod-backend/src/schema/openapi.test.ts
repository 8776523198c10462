// The OpenAPI document is kept by hand beside vod-common's zod schemas, which the code parses and
// answers with: this holds the two together (field names, required fields, enums), so that the
// spec cannot drift from what the API does.
import {
  accountSummarySchema,
  createPrefetchRequestSchema,
  prefetchListSchema,
  prefetchPlanSchema,
  prefetchSchema,
  prefetchStatusSchema,
  prefetchTaskSchema,
  prefetchUrlResultSchema,
  quotaSchema,
} from '@mediaops/backstage-plugin-vod-common';
import { z } from 'zod';
import { spec } from './openapi';

type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  $ref?: string;
  items?: JsonSchema;
};

const components = spec.components.schemas as unknown as Record<
  string,
  JsonSchema
>;

/** A spec schema with its references resolved. */
function resolve(schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  return resolve(components[schema.$ref.replace('#/components/schemas/', '')]);
}

/** The zod schema as JSON Schema: as it parses a request, or as an answer comes out of it. */
function fromZod(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
}

const pairs: Array<[string, z.ZodType, 'input' | 'output']> = [
  ['CreatePrefetchRequest', createPrefetchRequestSchema, 'input'],
  ['UrlResult', prefetchUrlResultSchema, 'output'],
  ['Task', prefetchTaskSchema, 'output'],
  ['Prefetch', prefetchSchema, 'output'],
  ['PrefetchList', prefetchListSchema, 'output'],
  ['PrefetchPlan', prefetchPlanSchema, 'output'],
  ['Quota', quotaSchema, 'output'],
  ['Account', accountSummarySchema, 'output'],
];

describe('the OpenAPI document and the zod schemas', () => {
  it.each(pairs)(
    '%s has the same fields, required fields and enums',
    (name, zod, io) => {
      const documented = resolve(components[name]);
      const parsed = fromZod(zod, io);
      expect(Object.keys(documented.properties ?? {}).sort()).toEqual(
        Object.keys(parsed.properties ?? {}).sort(),
      );
      expect([...(documented.required ?? [])].sort()).toEqual(
        [...(parsed.required ?? [])].sort(),
      );
      for (const [field, schema] of Object.entries(parsed.properties ?? {})) {
        const doc = resolve(documented.properties![field]);
        const enumOf = (s: JsonSchema) =>
          s.enum ?? (s.items ? resolve(s.items).enum : undefined);
        expect([field, enumOf(doc)?.slice().sort()]).toEqual([
          field,
          enumOf(schema)?.slice().sort(),
        ]);
      }
    },
  );

  it('names every status the code knows', () => {
    expect(components.PrefetchStatus.enum).toEqual(
      prefetchStatusSchema.options,
    );
  });
});
