/**
 * The files a connector command reads its inputs from (`--config`, `--catalog`, `--state`): written to
 * a fresh private temp directory (0700, files 0600 — the config holds secrets) and removed afterwards.
 * Files rather than arguments or environment, because those are visible to every user through `ps`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ArgInputs {
  config?: unknown;
  catalog?: unknown;
  state?: unknown;
}

export interface ArgFiles {
  /** `--config <file> …` for the inputs given, in a stable order. */
  args: string[];
  remove(): Promise<void>;
}

export async function writeArgFiles(inputs: ArgInputs): Promise<ArgFiles> {
  const dir = await mkdtemp(join(tmpdir(), 'syncbridge-connector-'));
  const args: string[] = [];
  try {
    for (const name of ['config', 'catalog', 'state'] as const) {
      if (inputs[name] === undefined) continue;
      const file = join(dir, `${name}.json`);
      await writeFile(file, JSON.stringify(inputs[name]), { mode: 0o600 });
      args.push(`--${name}`, file);
    }
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return { args, remove: () => rm(dir, { recursive: true, force: true }) };
}
