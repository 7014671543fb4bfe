export { ReferenceBackend, ReferenceBuffer, REFERENCE_NAME } from './backend.js';
export { referenceBackend } from './factory.js';
export { REFERENCE_OPS, referenceSupports } from './support.js';
