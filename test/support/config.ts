import { loadConfig } from '../../src/config/load.js';
import type { ExporterConfig } from '../../src/config/types.js';

/** The validated config of a YAML text, through the real loader (defaults, checks, freezing). */
export function configFromYaml(yaml: string): ExporterConfig {
  return loadConfig({
    argvConfigPath: 'config.yaml',
    env: {},
    readFile: () => yaml,
    homedir: '/nonexistent',
    platform: 'linux',
  });
}
