import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../../../vitest.config.js';
import { DELUGE_INSTALLS, DELUGE_VERSION_VARIABLE } from '../../harness/deluge-versions.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the Deluge versions the integration tests cover', () => {
  const versions = DELUGE_INSTALLS.map((install) => install.version);

  it('are the versions the README names', () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    expect(readme).toContain(`Tested against real daemons: Deluge ${versions.join(' and ')} (`);
  });

  it('each has a vitest project selecting it, besides the default one', () => {
    const projects = (config.test?.projects ?? []) as { test: { name: string; env?: Record<string, string> } }[];
    const selected = projects.flatMap((project) => project.test.env?.[DELUGE_VERSION_VARIABLE] ?? []);
    expect([versions[0], ...selected]).toEqual(versions);
    const integration = projects.filter((project) => project.test.name.startsWith('integration'));
    expect(integration.map((project) => project.test.name)).toEqual([
      'integration',
      ...selected.map((version) => `integration-deluge-${version.split('.').slice(0, 2).join('.')}`),
    ]);
  });
});
