// @ix/llm: the model library on top of @ix/core: model files, tokenizers, chat templates,
// architectures, sessions and sampling. Server and CLI build on it; backends never import it.
export * from './tokenizer/index.js';
export * from './chat/index.js';
export * from './model-config.js';
export * from './formats/index.js';
export * from './arch/index.js';
export * from './runtime/index.js';
export * from './grammar/index.js';
export * from './precision/index.js';
