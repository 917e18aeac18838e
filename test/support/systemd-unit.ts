import { readFileSync } from 'node:fs';

/** A unit file's settings: section → key → every value in order (keys may repeat). */
export type UnitFile = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

/** Parses a systemd unit file (comments, blank lines and sections; no line continuations). */
export function readUnitFile(path: string): UnitFile {
  const sections = new Map<string, Map<string, string[]>>();
  let current: Map<string, string[]> | undefined;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const text = line.trim();
    if (text === '' || text.startsWith('#') || text.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(text);
    if (section?.[1] !== undefined) {
      current = new Map();
      sections.set(section[1], current);
      continue;
    }
    const [key = '', ...rest] = text.split('=');
    if (current === undefined) throw new Error(`${path}: setting outside a section: ${text}`);
    current.set(key, [...(current.get(key) ?? []), rest.join('=')]);
  }
  return sections;
}

/** The `Environment=NAME=value` settings of a unit's [Service] section. */
export function unitEnvironment(unit: UnitFile): Record<string, string> {
  const lines = unit.get('Service')?.get('Environment') ?? [];
  return Object.fromEntries(lines.map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}
