// The OpenAPI document is kept by hand beside vod-common's zod schemas, which the code parses and
// answers with: this holds the two together (field names, required fields, enums), so that the
// spec cannot drift from what the API does.
import {
  accountSummarySchema,
  createPrefetchRequestSchema,
  prefetchListSchema,
  prefetchPlanSchema,
  prefetchSchema,
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

/**
 * Differences between a documented schema and zod's, as `path: what`, down through nested objects
 * and array items.
 */
function differences(
  doc: JsonSchema,
  parsed: JsonSchema,
  path: string,
): string[] {
  const documented = resolve(doc);
  const found: string[] = [];
  const docEnum = documented.enum?.slice().sort();
  const zodEnum = parsed.enum?.slice().sort();
  if (JSON.stringify(docEnum) !== JSON.stringify(zodEnum)) {
    found.push(
      `${path}: enum ${JSON.stringify(docEnum)} vs ${JSON.stringify(zodEnum)}`,
    );
  }
  if (documented.items || parsed.items) {
    if (!documented.items || !parsed.items)
      found.push(`${path}: array on one side only`);
    else
      found.push(...differences(documented.items, parsed.items, `${path}[]`));
  }
  if (documented.properties || parsed.properties) {
    const docKeys = Object.keys(documented.properties ?? {}).sort();
    const zodKeys = Object.keys(parsed.properties ?? {}).sort();
    if (JSON.stringify(docKeys) !== JSON.stringify(zodKeys)) {
      found.push(`${path}: fields ${docKeys} vs ${zodKeys}`);
    }
    const docRequired = [...(documented.required ?? [])].sort();
    const zodRequired = [...(parsed.required ?? [])].sort();
    if (JSON.stringify(docRequired) !== JSON.stringify(zodRequired)) {
      found.push(`${path}: required ${docRequired} vs ${zodRequired}`);
    }
    for (const key of zodKeys.filter(k => docKeys.includes(k))) {
      found.push(
        ...differences(
          documented.properties![key],
          parsed.properties![key],
          `${path}.${key}`,
        ),
      );
    }
  }
  return found;
}

describe('the OpenAPI document and the zod schemas', () => {
  it.each(pairs)(
    '%s has the same fields, required fields and enums, nested ones too',
    (name, zod, io) => {
      expect(differences(components[name], fromZod(zod, io), name)).toEqual([]);
    },
  );

  it('documents the statuses a prefetch goes through', () => {
    expect(components.PrefetchStatus.enum).toEqual([
      'pending',
      'processing',
      'succeeded',
      'failed',
      'partially_failed',
      'expired',
    ]);
  });
});
