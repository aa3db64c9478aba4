/** The connectors that ship with SyncBridge, by the name `syncbridge connector <name>` takes. */
export { BUILTIN_CONNECTORS } from '../connectors/index.ts';
