import { parsePrecision, type Precision } from '@ix/llm';
import type { Engine } from './engine.js';
import { invalidRequest } from './errors.js';
import { budgetBits, SpeedTarget } from './speed-target.js';

/**
 * A request's `precision` (nested models: max, eco, bits per weight, or a per-layer plan), checked
 * against the model when the request comes in, so that a step never fails on it.
 */
export function precisionOf(value: unknown, engine: Pick<Engine, 'info'>, where = 'precision'): Precision | undefined {
  if (value === undefined || value === null) return undefined;
  let p: Precision;
  try {
    p = parsePrecision(value);
  } catch (err) {
    throw invalidRequest((err as Error).message, 'invalid_value', where);
  }
  const layers = engine.info.nestedLayers;
  if (layers === undefined && p !== 'max') throw invalidRequest('this model holds one precision; a nested model (ix quantize --nested) can be read at several', 'invalid_value', where);
  if (typeof p === 'object' && (p.attn.length !== layers || p.ffn.length !== layers)) {
    throw invalidRequest(`a precision plan needs 4 or 8 bits for each of the model's ${layers} layers, in "attn" and in "ffn"`, 'invalid_value', where);
  }
  return p;
}

/** A server's tokens/s target (PUT /ix/precision {"tokensPerSecond": n}): a positive number, for a nested model. */
export function speedTargetOf(value: unknown, engine: Pick<Engine, 'info'>, where = 'tokensPerSecond', from?: Precision): SpeedTarget {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalidRequest('a tokens/s target must be a positive number', 'invalid_value', where);
  if (engine.info.nestedLayers === undefined) throw invalidRequest('this model holds one precision, so a tokens/s target has nothing to move; a nested model (ix quantize --nested) can be read at several', 'invalid_value', where);
  // a new target starts from the bits read now (auto and plans: from the top)
  return new SpeedTarget(value, (from && budgetBits(from)) ?? 9);
}
