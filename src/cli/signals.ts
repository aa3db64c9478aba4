/** Long-running commands stop gracefully on SIGTERM/SIGINT; a second signal forces the exit. */
import type { Logger } from '../log.ts';

export function runUntilSignal(logger: Logger, shutdown: () => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ event: 'shutdown.forced', signal });
        process.exit(1);
      }
      stopping = true;
      logger.info({ event: 'shutdown.started', signal });
      shutdown().then(() => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        logger.info({ event: 'shutdown.complete' });
        resolve();
      }, reject);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}
