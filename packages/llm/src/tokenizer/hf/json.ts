/** Minimal typed access to parsed tokenizer.json / tokenizer_config.json data. */
import { TokenizerError } from '../tokenizer.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function asObject(v: Json | undefined, where: string): JsonObject {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TokenizerError(`tokenizer.json: ${where} must be an object`);
  return v;
}

export function asArray(v: Json | undefined, where: string): Json[] {
  if (!Array.isArray(v)) throw new TokenizerError(`tokenizer.json: ${where} must be an array`);
  return v;
}

export function asString(v: Json | undefined, where: string): string {
  if (typeof v !== 'string') throw new TokenizerError(`tokenizer.json: ${where} must be a string`);
  return v;
}

/** tokenizer_config token fields are a string or an AddedToken object {content: ...} */
export function tokenText(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.content === 'string') return v.content;
  return undefined;
}
