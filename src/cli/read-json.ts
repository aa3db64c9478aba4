/** Reading a JSON definition for `create`-style commands without ever echoing its text (it may hold secrets). */
import { readFile } from 'node:fs/promises';
import { UsageError } from './context.ts';

/** A JSON definition from `--file`, or from stdin for `-`. */
export async function readJsonFile(file: string | undefined, what: string): Promise<unknown> {
  if (!file) throw new UsageError(`--file is required: a JSON file with ${what}, or - for stdin`);
  let text: string;
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      text = Buffer.concat(chunks).toString('utf8');
    } else {
      text = await readFile(file, 'utf8');
    }
  } catch (err) {
    throw new UsageError(`cannot read --file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // The parser's message may quote the text around the error, which may be a secret: name the place only.
    const at = /line \d+ column \d+/.exec((err as Error).message)?.[0] ?? (text.trim() === '' ? 'it is empty' : undefined);
    throw new UsageError(`${file === '-' ? 'stdin' : file} is not valid JSON${at ? ` (${at})` : ''}`);
  }
}
