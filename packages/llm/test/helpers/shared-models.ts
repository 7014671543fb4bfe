import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The bundled default model, inside the repository. */
export const BUNDLED_STORIES = fileURLToPath(new URL('../../../../models/stories260K/stories260K.gguf', import.meta.url));
/** ../shared/models beside the repository root (present on developer machines and in CI). */
export const SHARED_MODELS = fileURLToPath(new URL('../../../../../shared/models/', import.meta.url));
export const hasShared = existsSync(SHARED_MODELS);

/** Greedy output of stories260K from BOS, 200 steps, as published in llama2.c's test_all.py (see its SOURCE.md). */
export const STORIES_GREEDY_200 = `Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a big, red ball. She wanted to play with it, but it was too high.
Lily's mom said, "Lily, let's go to the park." Lily was sad and didn't know what to do. She said, "I want to play with your ball, but I can't find it."
Lily was sad and didn't know what to do. She said, "I'm sorry, Lily. I didn't know what to do."
Lily didn't want to help her mom, so she`;
