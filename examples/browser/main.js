// The page's script: @ix/llm reads the GGUF from the picked File (or a fetch Response), and
// @ix/backend-webgpu (on a GPU) or @ix/backend-wasm runs it: ix picks by probing, ?backend=NAME
// forces one. Bundled for the browser by build.mjs.
import '@ix/backend-wasm';
import '@ix/backend-webgpu';
import { loadModel } from '@ix/llm';

const $ = (id) => document.getElementById(id);
const status = (text, state = 'busy') => {
  $('status').textContent = text;
  document.body.dataset.state = state;
};

let model;
const params = new URLSearchParams(location.search);

async function run(source) {
  try {
    status('loading the model…');
    await model?.dispose();
    const threads = params.get('threads') ? Number(params.get('threads')) : undefined;
    model = await loadModel(source, { backend: params.get('backend') ?? undefined, threads });
    document.body.dataset.backend = model.backend.name;
    document.body.dataset.device = model.backend.device.name;
    const maxTokens = Number($('tokens').value) || 200;
    const temperature = Number($('temp').value) || 0;
    $('out').textContent = '';
    status(`generating on ${model.backend.name} (${model.backend.device.name})…`);
    const session = model.createSession({ contextLength: Math.min(2048, maxTokens + 512) });
    const t0 = performance.now();
    let tokens = 0;
    for await (const chunk of session.generate($('prompt').value, { temperature, maxTokens })) {
      $('out').textContent += chunk.text;
      tokens++;
    }
    session.dispose();
    const seconds = (performance.now() - t0) / 1000;
    status(`${tokens} tokens in ${seconds.toFixed(2)} s (${(tokens / seconds).toFixed(1)} tokens/s)`, 'done');
  } catch (err) {
    status(`error: ${err instanceof Error ? err.message : String(err)}`, 'error');
  }
}

$('file').addEventListener('change', () => {
  const file = $('file').files?.[0];
  if (file) void run(file);
});
$('bundled').addEventListener('click', async () => run(await fetch('./stories260K.gguf')));

// ?autorun=stories260K.gguf&tokens=200&backend=webgpu&threads=2: for tests and links
if (params.get('tokens')) $('tokens').value = params.get('tokens');
if (params.get('autorun')) void fetch(params.get('autorun')).then(run);
