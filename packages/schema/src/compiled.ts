/**
 * A fast checker compiled from a zod schema, for the hub's hottest boundary: agents' frames, a thousand a second.
 *
 * The zod schema stays the one definition. This module turns it into JSON Schema (`z.toJSONSchema`) and compiles that
 * with Ajv into plain JavaScript, which checks a parsed frame in place instead of building a validated copy of it:
 * about a quarter of zod's time for a frame of 100 processes, and no garbage (issue 3). Like zod's objects, the checker
 * drops keys the schema does not name, so what passes is exactly what zod would have returned.
 *
 * Only schemas that JSON Schema can express fully are accepted: no transforms, defaults, refinements or custom checks,
 * since Ajv would skip them silently. `compileChecker` throws for those, and `compiled.test.ts` runs the checker and
 * zod side by side on good and bad input so that the two cannot drift apart.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import * as z from 'zod';

export type CheckResult<T> = { success: true; data: T } | { success: false; path: string; message: string };

export type Checker<T> = (value: unknown) => CheckResult<T>;

type JsonSchema = { [key: string]: unknown };

/**
 * Compiles `schema` into a checker. The checker may remove unknown keys from the value it is given (it checks in place);
 * on success `data` is that same value, typed.
 */
export function compileChecker<T>(schema: z.ZodType<T>): Checker<T> {
  refuseUnrepresentable(schema);
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', cycles: 'throw', reused: 'inline' });
  const ajv = new Ajv2020({
    strict: true,
    strictTuples: false,
    allErrors: false,
    removeAdditional: true,
    inlineRefs: false,
    allowUnionTypes: true,
  });
  const validate: ValidateFunction = ajv.compile(splitObjects(closeObjects(fillTuples(json as JsonSchema))));
  return (value) => {
    if (validate(value)) return { success: true, data: value as T };
    return { success: false, ...describe(validate.errors?.[0]) };
  };
}

/** `a.b.3.c` and a sentence, in the style of the zod messages the rest of Vigil shows. */
function describe(error: ErrorObject | undefined): { path: string; message: string } {
  if (!error) return { path: '', message: 'invalid' };
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  switch (error.keyword) {
    case 'required':
      return { path: [...segments, error.params.missingProperty].join('.'), message: 'required' };
    case 'enum':
      return {
        path: segments.join('.'),
        message: `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path: segments.join('.'), message: `must be ${JSON.stringify(error.params.allowedValue)}` };
    default:
      return { path: segments.join('.'), message: error.message ?? error.keyword };
  }
}

/**
 * Objects with named properties get `additionalProperties: false`, which with Ajv's `removeAdditional` drops unknown
 * keys as zod's default (strip) objects do. Records (objects without `properties`) keep their own rule.
 */
function closeObjects(node: JsonSchema): JsonSchema {
  return mapSchema(node, (n) =>
    n.type === 'object' && n.properties && !('additionalProperties' in n) ? { ...n, additionalProperties: false } : n,
  );
}

/**
 * A zod tuple needs all its items; JSON Schema's `prefixItems` alone does not, so tuples get `minItems` (zod's output
 * leaves it out; tuples with optional items are not used on the wire). Items past them are allowed (`strictTuples: false`):
 * a row of a newer agent may be longer.
 */
function fillTuples(node: JsonSchema): JsonSchema {
  return mapSchema(node, (n) => (Array.isArray(n.prefixItems) && !('minItems' in n) ? { ...n, minItems: n.prefixItems.length } : n));
}

/**
 * Ajv compiles one JavaScript function per schema, inlining nested objects. For a frame that function grows past what
 * V8 optimizes, and the checker runs 3-4 times slower than its parts would. Every nested object schema becomes a
 * `$defs` entry of its own (its own function), referenced where it was.
 */
function splitObjects(root: JsonSchema): JsonSchema {
  const defs: Record<string, JsonSchema> = {};
  const split = (node: JsonSchema, depth: number): JsonSchema => {
    const mapped = mapChildren(node, (child) => split(child, depth + 1));
    if (depth === 0 || mapped.type !== 'object' || !mapped.properties) return mapped;
    const name = `o${Object.keys(defs).length}`;
    defs[name] = mapped;
    return { $ref: `#/$defs/${name}` };
  };
  const { $schema, ...rest } = split(root, 0);
  return { $schema, ...rest, $defs: defs };
}

/** Applies `f` bottom-up to every schema node. */
function mapSchema(node: JsonSchema, f: (n: JsonSchema) => JsonSchema): JsonSchema {
  return f(mapChildren(node, (child) => mapSchema(child, f)));
}

/** A copy of `node` with `f` applied to its direct subschemas (properties, items, anyOf, additionalProperties, ...). */
function mapChildren(node: JsonSchema, f: (n: JsonSchema) => JsonSchema): JsonSchema {
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' || key === '$defs') {
      out[key] = Object.fromEntries(Object.entries(value as Record<string, JsonSchema>).map(([k, v]) => [k, f(v)]));
    } else if ((key === 'anyOf' || key === 'oneOf' || key === 'allOf' || key === 'prefixItems') && Array.isArray(value)) {
      out[key] = value.map((v) => f(v as JsonSchema));
    } else if ((key === 'items' || key === 'additionalProperties' || key === 'propertyNames' || key === 'not') && isSchema(value)) {
      out[key] = f(value);
    } else out[key] = value;
  }
  return out;
}

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Throws when `schema` holds something the JSON Schema would leave out: a transform or pipe, a default or catch (zod
 * would fill in a value the checker does not), a refinement or custom check.
 */
function refuseUnrepresentable(schema: z.ZodType): void {
  const seen = new Set<z.ZodType>();
  const visit = (s: z.ZodType, path: string): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string; checks?: { _zod: { def: { check: string } } }[] };
    if (['transform', 'pipe', 'default', 'prefault', 'catch', 'custom', 'lazy', 'promise'].includes(def.type)) {
      throw new Error(`compileChecker: ${path || 'schema'} is a ${def.type}, which JSON Schema cannot express`);
    }
    for (const check of def.checks ?? []) {
      if (check._zod.def.check === 'custom')
        throw new Error(`compileChecker: ${path || 'schema'} has a refinement, which JSON Schema cannot express`);
    }
    for (const [key, value] of Object.entries(def)) {
      if (value instanceof z.ZodType) visit(value, `${path}.${key}`);
      else if (key === 'shape' && isSchema(value)) {
        for (const [k, v] of Object.entries(value)) if (v instanceof z.ZodType) visit(v, `${path}.${k}`);
      } else if (Array.isArray(value)) for (const v of value) if (v instanceof z.ZodType) visit(v, path);
    }
  };
  visit(schema, '');
}
