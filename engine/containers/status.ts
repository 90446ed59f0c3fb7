/** Durations as docker's go-units HumanDuration prints them. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

export interface StateView {
  running: boolean;
  paused: boolean;
  restarting: boolean;
  removing: boolean;
  dead: boolean;
  exitCode: number;
  startedAt?: string;
  finishedAt?: string;
  health?: 'starting' | 'healthy' | 'unhealthy';
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

/** The `Status` column of `docker ps`, worded as dockerd's container.State.String(). */
export function statusString(s: StateView, now = Date.now()): string {
  if (s.running) {
    const up = humanDuration(now - ms(s.startedAt));
    if (s.paused) return `Up ${up} (Paused)`;
    if (s.restarting) return `Restarting (${s.exitCode}) ${humanDuration(now - ms(s.finishedAt))} ago`;
    if (s.health) return `Up ${up} (${s.health === 'starting' ? 'health: starting' : s.health})`;
    return `Up ${up}`;
  }
  if (s.removing) return 'Removal In Progress';
  if (s.dead) return 'Dead';
  if (!s.startedAt) return 'Created';
  if (!s.finishedAt) return '';
  return `Exited (${s.exitCode}) ${humanDuration(now - ms(s.finishedAt))} ago`;
}

/** The `State` word: created, running, paused, restarting, removing, exited, dead. */
export function stateWord(s: StateView): string {
  if (s.running) {
    if (s.paused) return 'paused';
    if (s.restarting) return 'restarting';
    return 'running';
  }
  if (s.removing) return 'removing';
  if (s.dead) return 'dead';
  if (!s.startedAt) return 'created';
  return 'exited';
}
