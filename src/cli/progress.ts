import cliProgress from 'cli-progress';
import type { Output } from './output.ts';

/** One phase of a long command: advanced as rows are written, closed when the phase is done. */
export interface Phase {
  advance(count: number): void;
  done(): void;
}

export type Progress = (label: string, total: number) => Phase;

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

/**
 * A bar per phase on a terminal; elsewhere (a pipe, a log file, CI) a bar would only print control
 * characters, so each phase gets one line when it completes.
 */
export function createProgress(output: Output): Progress {
  const terminal = output.terminal;
  return (label, total) => {
    const started = performance.now();
    if (!terminal || total === 0) {
      let value = 0;
      return {
        advance: (count) => {
          value += count;
        },
        done: () => output.err(`${label.padEnd(12)} ${value} (${seconds(started)})`),
      };
    }
    const bar = new cliProgress.SingleBar(
      {
        stream: terminal,
        format: `${label.padEnd(12)} {bar} {value}/{total} {duration_formatted}`,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return {
      advance: (count) => bar.increment(count),
      done: () => {
        bar.update(total);
        bar.stop();
      },
    };
  };
}
