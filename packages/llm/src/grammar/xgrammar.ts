/**
 * XGrammar's WebAssembly build (@mlc-ai/web-xgrammar), loaded once. Its bundle is UMD inside an ESM
 * package: imported as ESM it fills `globalThis.xgrammar`, and under Node its loader asks for
 * `require` and `__filename`, which ES modules lack; they are lent for the import and taken back.
 */
import type * as XGrammarModule from '@mlc-ai/web-xgrammar';

export type XGrammar = typeof XGrammarModule;

let loading: Promise<XGrammar> | undefined;

/** Where the module's error output goes while a `withXGrammarErrors` call runs (it binds console.error when it loads). */
let sink: ((text: string) => boolean) | undefined;

/**
 * Runs `work`, turning XGrammar's syntax errors into the thrown error: its parser reports them on its
 * error output ("[FATAL] <its source path>: EBNF parser error at line 3, column 8: ...") and throws
 * a bare "Aborted()".
 */
export async function withXGrammarErrors<T>(work: () => Promise<T>): Promise<T> {
  let reported: string | undefined;
  const previous = sink;
  sink = (text) => {
    const m = /\[FATAL\][^:]*:\d+: ([^\n]*)/.exec(text);
    if (m) reported ??= m[1];
    return !!m || /^Aborted\(/.test(text);
  };
  try {
    return await work();
  } catch (err) {
    throw new Error(reported ?? (err instanceof Error ? err.message : String(err)));
  } finally {
    sink = previous;
  }
}

export function loadXGrammar(): Promise<XGrammar> {
  loading ??= load();
  return loading;
}

async function load(): Promise<XGrammar> {
  const g = globalThis as Record<string, unknown>;
  const lent: string[] = [];
  if (typeof process !== 'undefined' && process.versions?.node && typeof g.document === 'undefined') {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    for (const [name, value] of [['require', require], ['__filename', require.resolve('@mlc-ai/web-xgrammar')]] as const) {
      if (g[name] === undefined) {
        g[name] = value;
        lent.push(name);
      }
    }
  }
  // the module binds console.error as it loads and initialises: it gets this dispatcher
  const error = console.error;
  console.error = function (this: unknown, ...args: unknown[]) {
    if (sink?.(args.map(String).join(' '))) return;
    error.apply(console, args);
  };
  try {
    await import('@mlc-ai/web-xgrammar');
    const xg = g.xgrammar as XGrammar | undefined;
    if (!xg?.GrammarCompiler) throw new Error('@mlc-ai/web-xgrammar loaded but defined no xgrammar API');
    // the WASM binding initialises on first use: do it while require is still lent
    const info = await xg.TokenizerInfo.createTokenizerInfo(['a'], 'raw', false, 1, []);
    info.dispose();
    return xg;
  } finally {
    console.error = error;
    for (const name of lent) delete g[name];
  }
}
