/** tokenizer.json `post_processor` section -> adds the special tokens around one sequence. */
import { TokenizerError } from '../tokenizer.js';
import { asArray, asObject, type Json } from './json.js';

export type PostProcessor = (ids: number[]) => number[];

export function buildPostProcessor(config: Json | null | undefined): PostProcessor {
  if (config === null || config === undefined) return (ids) => ids;
  const c = asObject(config, 'post_processor');
  switch (c.type) {
    case 'ByteLevel':
      return (ids) => ids;
    case 'TemplateProcessing':
      return templateProcessing(c);
    case 'BertProcessing':
    case 'RobertaProcessing': {
      const cls = tokenId(c.cls, 'cls');
      const sep = tokenId(c.sep, 'sep');
      return (ids) => [cls, ...ids, sep];
    }
    case 'Sequence': {
      const steps = asArray(c.processors, 'post_processor.processors').map(buildPostProcessor);
      return (ids) => steps.reduce((acc, step) => step(acc), ids);
    }
    default:
      throw new TokenizerError(`unsupported post_processor type ${JSON.stringify(c.type)}`);
  }
}

/** The "single" template: special tokens by name (ids from `special_tokens`), `A` = the sequence. */
function templateProcessing(c: Record<string, Json>): PostProcessor {
  const specials = asObject(c.special_tokens ?? {}, 'post_processor.special_tokens');
  const before: number[] = [];
  const after: number[] = [];
  let seenSequence = false;
  for (const item of asArray(c.single, 'post_processor.single')) {
    const o = asObject(item, 'post_processor.single[]');
    if (o.Sequence !== undefined) {
      seenSequence = true;
      continue;
    }
    const name = asObject(o.SpecialToken, 'post_processor.single[].SpecialToken').id;
    const entry = specials[String(name)];
    if (entry === undefined) throw new TokenizerError(`post_processor template names unknown special token ${JSON.stringify(name)}`);
    const ids = asArray(asObject(entry, 'special_tokens entry').ids, 'special_tokens.ids').map(Number);
    (seenSequence ? after : before).push(...ids);
  }
  return (ids) => [...before, ...ids, ...after];
}

function tokenId(v: Json | undefined, where: string): number {
  if (!Array.isArray(v) || typeof v[1] !== 'number') throw new TokenizerError(`post_processor.${where} must be [token, id]`);
  return v[1];
}
