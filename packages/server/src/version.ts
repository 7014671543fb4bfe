import { createRequire } from 'node:module';

// src/ and dist/ both sit next to package.json
export const SERVER_VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string }).version;
