/** The Hono environment shared by every route: the request id set by the request-id middleware. */
import type { RequestIdVariables } from 'hono/request-id';

export interface AppEnv {
  Variables: RequestIdVariables;
}
