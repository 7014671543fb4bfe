import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderChat, type ChatMessage, type ChatTool } from '../src/chat/index.js';

/**
 * Every chat template in llama.cpp's models/templates (from the source bundle inside the
 * node-llama-cpp package) rendered by ix and by Python's jinja2 configured as transformers'
 * apply_chat_template configures it (helpers/jinja2-render.py): a chat with a system turn, a lone
 * user turn, and a tool call with its result. Wherever jinja2 renders, ix must render the same
 * text, except the differences listed in KNOWN (each checked to still differ, so the list stays true).
 * Needs git and python3 with jinja2 (CI installs python3-jinja2); elsewhere it skips.
 */
const HERE = dirname(fileURLToPath(import.meta.url));

const TOOLS: ChatTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] } } },
];
interface Case {
  messages: ChatMessage[];
  tools?: ChatTool[];
}
const CASES: Record<string, Case> = {
  chat: {
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Hi there' },
      { role: 'assistant', content: 'Hello! How can I help? ✓' },
      { role: 'user', content: 'Name a colour, «quoted» and "double".' },
    ],
  },
  'user only': { messages: [{ role: 'user', content: 'What is 2+2?' }] },
  tools: {
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: { city: 'Paris' } } }] },
      { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: '{"temp": 21}' },
    ],
    tools: TOOLS,
  },
};
const BOS = '<s>', EOS = '</s>';

/** template -> why ix differs from jinja2 there (all its cases, or the ones named) */
const KNOWN: Record<string, { why: string; cases?: string[] }> = {};

function templatesFolder(dir: string): string | undefined {
  const require = createRequire(import.meta.url);
  // the package exports no package.json: walk up from its entry to the folder holding llama/
  let bundle: string | undefined;
  try {
    for (let d = dirname(require.resolve('node-llama-cpp')); dirname(d) !== d && !bundle; d = dirname(d)) {
      if (existsSync(join(d, 'llama', 'gitRelease.bundle'))) bundle = join(d, 'llama', 'gitRelease.bundle');
    }
  } catch {
    return undefined;
  }
  if (!bundle) return undefined;
  const clone = join(dir, 'llama.cpp');
  const git = (...args: string[]) => execFileSync('git', args, { stdio: 'pipe' });
  try {
    git('clone', '-q', '--no-checkout', bundle, clone);
    git('-C', clone, 'checkout', '-q', 'HEAD', '--', 'models/templates');
  } catch {
    return undefined;
  }
  return join(clone, 'models', 'templates');
}

const hasJinja2 = spawnSync('python3', ['-c', 'import jinja2'], { stdio: 'ignore' }).status === 0;
let dir = '';
let folder: string | undefined;
let python: Record<string, Record<string, { ok?: string; err?: string }>> = {};

beforeAll(() => {
  if (!hasJinja2) return;
  dir = mkdtempSync(join(tmpdir(), 'ix-templates-'));
  folder = templatesFolder(dir);
  if (!folder) return;
  const cases = Object.fromEntries(
    Object.entries(CASES).map(([name, c]) => [name, { messages: c.messages, tools: c.tools ?? null, add_generation_prompt: true, bos_token: BOS, eos_token: EOS }]),
  );
  writeFileSync(join(dir, 'cases.json'), JSON.stringify(cases));
  python = JSON.parse(execFileSync('python3', [join(HERE, 'helpers', 'jinja2-render.py'), folder, join(dir, 'cases.json')], { encoding: 'utf8', maxBuffer: 64 << 20 }));
}, 60_000);
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function ixRender(source: string, c: Case): { ok?: string; err?: string } {
  try {
    return { ok: renderChat(source, c.messages, { addGenerationPrompt: true, tools: c.tools, bosToken: BOS, eosToken: EOS }) };
  } catch (e) {
    return { err: e instanceof Error ? e.message : String(e) };
  }
}

describe("llama.cpp's chat templates: ix renders them as Python jinja2 does", () => {
  it('every template, every case where jinja2 renders, except the known differences', (ctx) => {
    if (!hasJinja2 || !folder) {
      // CI installs python3-jinja2: there the comparison must run
      expect(process.env.CI, 'python3 with jinja2 and git are needed').toBeUndefined();
      ctx.skip();
    }
    const names = readdirSync(folder!).filter((f) => f.endsWith('.jinja'));
    expect(names.length).toBeGreaterThan(50);
    const mismatches: string[] = [];
    let compared = 0;
    for (const name of names) {
      const source = readFileSync(join(folder!, name), 'utf8');
      for (const [caseName, c] of Object.entries(CASES)) {
        const want = python[name]![caseName]!;
        if (want.ok === undefined) continue; // the template refuses this input in transformers too
        const known = KNOWN[name] && (!KNOWN[name]!.cases || KNOWN[name]!.cases!.includes(caseName));
        const got = ixRender(source, c);
        if (known) {
          expect(got.ok, `${name} / ${caseName} now matches: drop it from KNOWN`).not.toBe(want.ok);
          continue;
        }
        compared++;
        if (got.ok !== want.ok) mismatches.push(`${name} / ${caseName}: ${got.err ?? 'rendered differently'}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(150);
  });
});
