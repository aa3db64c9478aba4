/** GET /healthz: 200 when the database answers, 503 when it does not. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../db/db.ts';
import type { AppEnv } from '../env.ts';

const HealthSchema = z.object({ status: z.enum(['ok', 'unavailable']), database: z.string(), error: z.string().optional() }).openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['operations'],
  summary: 'Liveness and database reachability',
  responses: {
    200: { content: { 'application/json': { schema: HealthSchema } }, description: 'Healthy' },
    503: { content: { 'application/json': { schema: HealthSchema } }, description: 'The database does not answer' },
  },
});

export function registerHealthRoute(app: OpenAPIHono<AppEnv>, db: Db): void {
  app.openapi(route, async (c) => {
    try {
      await db.query('select 1');
      return c.json({ status: 'ok' as const, database: db.kind }, 200);
    } catch (err) {
      return c.json({ status: 'unavailable' as const, database: db.kind, error: (err as Error).message }, 503);
    }
  });
}
