import { defineCommand } from 'citty';
import { migrate } from '../../db/migrate.ts';
import { openDb } from '../../db/open.ts';
import { config, jsonArg, print } from '../context.ts';

export default defineCommand({
  meta: { name: 'migrate', description: 'Apply pending database migrations (also done at every start)' },
  args: { ...jsonArg },
  async run({ args }) {
    const cfg = config();
    const db = await openDb({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
    try {
      const result = await migrate(db, cfg.schema);
      print(result, args.json, () =>
        result.applied.length ? `applied ${result.applied.join(', ')}; schema ${cfg.schema} at migration ${result.current}` : `schema ${cfg.schema} is up to date (migration ${result.current})`,
      );
    } finally {
      await db.close();
    }
  },
});
