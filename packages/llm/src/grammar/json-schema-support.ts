/**
 * The JSON Schema keywords whose every constrained output is guaranteed to validate. XGrammar turns
 * more keywords into grammar than it enforces exactly (measured against ajv on stories260K: float
 * bounds let "155" through for [1.5, 2.5], `oneOf` allows values matching two branches, formats like
 * `date` allow Feb 30, `uri` and `ipv4` accept strings validators reject, `multipleOf`, `uniqueItems`,
 * `not` and conditionals are ignored). A schema using anything outside this list is refused with
 * the keywords and where they are, rather than answered with output that may not validate.
 */
import { InvalidArgumentError } from '@ix/core';

/** keywords that only annotate */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', '$schema', '$id', '$comment', 'deprecated', 'readOnly', 'writeOnly']);

/** keywords enforced exactly, with the schemas below them to check */
const ENFORCED = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'minItems', 'maxItems',
  'anyOf', '$ref', '$defs', 'definitions', 'minLength', 'maxLength', 'pattern', 'format',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum',
]);

const FORMATS = new Set(['uuid']);

const BOUNDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'];

/** Throws naming every keyword of `schema` (a JSON Schema) that constrained decoding cannot guarantee. */
export function checkJsonSchemaSupported(schema: unknown): void {
  const problems: string[] = [];
  walk(schema, '#', problems);
  if (problems.length > 0) {
    const shown = problems.slice(0, 8).join('; ') + (problems.length > 8 ? `; and ${problems.length - 8} more` : '');
    throw new InvalidArgumentError(`grammar: unsupported JSON Schema features: ${shown}`);
  }
}

function walk(s: unknown, at: string, problems: string[]): void {
  if (typeof s === 'boolean') return;
  if (!s || typeof s !== 'object' || Array.isArray(s)) {
    problems.push(`${at} is not a schema`);
    return;
  }
  const o = s as Record<string, unknown>;
  for (const [key, value] of Object.entries(o)) {
    if (ANNOTATIONS.has(key)) continue;
    if (!ENFORCED.has(key)) {
      problems.push(`"${key}" at ${at}`);
      continue;
    }
    if (key === 'format' && !FORMATS.has(String(value))) problems.push(`format "${String(value)}" at ${at} (supported: ${[...FORMATS].join(', ')})`);
    if (BOUNDS.includes(key) && o.type !== 'integer') problems.push(`"${key}" at ${at} on a type other than integer`);
    if (key === 'properties' || key === '$defs' || key === 'definitions') {
      if (value && typeof value === 'object') for (const [name, sub] of Object.entries(value)) walk(sub, `${at}/${key}/${name}`, problems);
    } else if (key === 'items' || key === 'additionalProperties') {
      walk(value, `${at}/${key}`, problems);
    } else if (key === 'prefixItems' || key === 'anyOf') {
      if (Array.isArray(value)) value.forEach((sub, i) => walk(sub, `${at}/${key}/${i}`, problems));
      else problems.push(`"${key}" at ${at} is not an array`);
    }
  }
}
