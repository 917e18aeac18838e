/** How values are said to a person on the landing page, in `--check-daemons` and in probe debug output. */
import { AuthLevel } from '../rpc/index.js';

const AUTH_LEVEL_NAMES: Readonly<Record<number, string>> = {
  [AuthLevel.READONLY]: 'read-only',
  [AuthLevel.NORMAL]: 'normal',
  [AuthLevel.ADMIN]: 'admin',
};

/** `10 (admin)`, `5 (normal)`, `1 (read-only)`, or the bare number for levels Deluge does not name. */
export function authLevelText(level: number): string {
  const name = AUTH_LEVEL_NAMES[level];
  return name === undefined ? String(level) : `${level} (${name})`;
}

/** Why an account below admin sees less: shown wherever its auth level is. */
export function notAdminNote(level: number): string {
  return (
    `auth level ${authLevelText(level)} is below admin (10): Deluge hides other accounts' torrents, ` +
    "so the exporter's counts and sizes cover only this account's torrents"
  );
}

const UNITS: readonly (readonly [unit: string, ms: number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
];

/** A duration in the two largest units: `45 s`, `5 min 3 s`, `2 h`, `3 d 4 h`; `less than 1 s` below a second. */
export function formatDuration(ms: number): string {
  const index = UNITS.findIndex(([, size]) => ms >= size);
  if (index === -1) return 'less than 1 s';
  const [unit, size] = UNITS[index] as readonly [string, number];
  const whole = Math.floor(ms / size);
  const next = UNITS[index + 1];
  const rest = next === undefined ? 0 : Math.floor((ms - whole * size) / next[1]);
  return rest === 0 || next === undefined ? `${whole} ${unit}` : `${whole} ${unit} ${rest} ${next[0]}`;
}

/** `2026-11-25 14:52:03 UTC`. */
export function formatUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
