import { notice } from './say.js';

/**
 * Ctrl-C or SIGTERM while a command computes results it writes atomically: say that nothing was written and
 * exit 130/143. The results directory's temporaries are removed by the atomic writer's exit hook, and its
 * commit waits for pending signals, so a signal never leaves a partial or a complete-but-unannounced result.
 */
export async function stopOnSignal<T>(work: () => Promise<T>, before?: () => boolean | void): Promise<T> {
  const onSignal = (sig: NodeJS.Signals): void => {
    // `before` stops a display; true when that cleared the line the terminal echoed ^C on (a running bar)
    const fresh = before?.() === true;
    notice(`${process.stderr.isTTY && !fresh ? '\n' : ''}greenserv: interrupted (${sig}); stopped, no results written\n`);
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
