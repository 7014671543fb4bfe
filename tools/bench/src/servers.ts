import { spawn, type ChildProcess } from 'node:child_process';

/** A benchmarked HTTP server (ix serve or llama-server) running as a child process. */
export interface Server {
  name: string;
  proc: ChildProcess;
  url: string;
  /** the model id the server lists first (ix checks it) */
  model: string;
}

/** Start `cmd args` and wait (bounded) until /health answers; its stderr tail is in any error. */
export async function startServer(name: string, cmd: string, args: string[], port: number, env: Record<string, string | undefined> = {}): Promise<Server> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (proc.exitCode !== null) throw new Error(`${name} exited (${proc.exitCode}):\n${stderr}`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      const models = (await (await fetch(`${url}/v1/models`)).json()) as { data: { id: string }[] };
      return { name, proc, url, model: models.data[0]!.id };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill();
  throw new Error(`${name} did not become healthy in 120 s:\n${stderr}`);
}

export async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
}
