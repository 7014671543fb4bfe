/**
 * End-of-turn tokens of common chat formats. Like llama.cpp's end-of-generation detection, any of
 * these present in a vocabulary ends generation along with EOS.
 */
export const END_OF_TURN_PIECES = [
  '<|eot_id|>',
  '<|im_end|>',
  '<end_of_turn>',
  '<|end|>',
  '<|endoftext|>',
  '<|end_of_text|>',
  '<｜end▁of▁sentence｜>',
  '<|eom_id|>',
  '<EOT>',
];

/** [eot, stopIds] given the EOS id and a piece -> id lookup. */
export function findStopTokens(
  eos: number | undefined,
  lookup: (piece: string) => number | undefined,
  explicitEot?: number,
): { eot?: number; stopIds: number[] } {
  const found = END_OF_TURN_PIECES.map(lookup).filter((id): id is number => id !== undefined);
  const eot = explicitEot ?? found[0];
  const stopIds = [...new Set([eos, eot, ...found].filter((id): id is number => id !== undefined))];
  return { eot, stopIds };
}
