/** What every query of the job store needs: the quoted schema and the names derived from it. */
import { quoteIdent } from '../../db/ident.ts';
import { jobsChannel } from '../../db/migrate.ts';

export interface SqlContext {
  schema: string;
  /** The quoted schema, safe to interpolate. */
  s: string;
  /** NOTIFY channel announcing new work. */
  jobsChannel: string;
  /** NOTIFY channel carrying the id of a cancelled running job. */
  cancelChannel: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,40}$/;

export function sqlContext(schema: string): SqlContext {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lowercase letters, digits and _ (at most 41)`);
  }
  return { schema, s: quoteIdent(schema), jobsChannel: jobsChannel(schema), cancelChannel: `${schema}_cancel` };
}

/** Binds a millisecond count as an interval. */
export const ms = (param: string) => `(${param}::double precision * interval '1 millisecond')`;

/**
 * The guard "this row is running", for statements that already name their rows by primary key. Spelled
 * so that the planner cannot prove the partial index jobs_leases (status = 'running') applies: on a busy
 * queue that index is full of dead entries between vacuums, and a plan that walks it once per row
 * turns a 2 ms batch update into seconds. The primary key is always the right path here.
 */
export const isRunning = (alias: string) => `coalesce(${alias}.status, '') = 'running'`;
