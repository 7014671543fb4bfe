import { webgpuBackend } from '@ix/backend-webgpu';
const be = await webgpuBackend.create();
const b = be.allocate(4096);
be.upload(b, 0, new Uint8Array(4096).fill(3));
for (let i = 0; i < 5; i++) { const t = performance.now(); await be.download(b, 0, 4096); console.log('download ms', (performance.now() - t).toFixed(1)); }
const d = be.gpu;
for (let i = 0; i < 3; i++) { const t = performance.now(); await d.queue.onSubmittedWorkDone(); console.log('workdone ms', (performance.now() - t).toFixed(1)); }
be.dispose();
