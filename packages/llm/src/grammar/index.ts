export { TokenConstraint, validateGrammarSpec, type GrammarSpec } from './constraint.js';
export { checkJsonSchemaSupported } from './json-schema-support.js';
