import type { Run } from '../api';
import { formatDuration, formatTime } from '../format';

const WIDTH = 600;
const HEIGHT = 64;
const GAP = 2;

/** One row of bars, oldest run on the left, scaled to the largest value shown. */
function Bars({
  runs,
  value,
  title,
}: {
  runs: Run[];
  value: (run: Run) => number | undefined;
  title: string;
}) {
  const values = runs.map((run) => Math.max(0, value(run) ?? 0));
  const max = Math.max(...values, 1);
  // At least 20 slots, so a few runs are narrow bars; the newest is at the right edge.
  const slots = Math.max(runs.length, 20);
  const width = WIDTH / slots;
  const offset = slots - runs.length;
  return (
    <figure class="chart">
      <figcaption>
        <span>{title}</span>
        <span class="muted small">max {formatDuration(max)}</span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`${title} of the last ${runs.length} runs`}
      >
        <line x1="0" y1={HEIGHT - 0.5} x2={WIDTH} y2={HEIGHT - 0.5} class="axis" />
        {runs.map((run, index) => {
          const height =
            values[index] === 0 ? 1 : Math.max(2, (values[index] / max) * (HEIGHT - 4));
          return (
            <rect
              key={run.runId}
              x={(offset + index) * width + GAP / 2}
              y={HEIGHT - height}
              width={Math.max(width - GAP, 1)}
              height={height}
              class={`bar status-${run.status}`}
            >
              <title>{`${formatTime(run.tick)} · ${run.status} · ${formatDuration(value(run))}`}</title>
            </rect>
          );
        })}
      </svg>
    </figure>
  );
}

/** Duration and lateness (start minus scheduled time) of the given runs, newest first as listed. */
export function RunChart({ runs }: { runs: Run[] }) {
  const shown = runs
    .filter((run) => run.status !== 'skipped' && run.status !== 'missed')
    .slice(0, 50)
    .reverse();
  if (shown.length === 0) return null;
  return (
    <div class="charts" data-testid="run-chart">
      <Bars runs={shown} value={(run) => run.durationMs} title="Duration" />
      <Bars runs={shown} value={(run) => run.latenessMs} title="Lateness" />
    </div>
  );
}
