import { defineConfig } from 'vitest/config';

const integration = {
  testTimeout: 60_000,
  hookTimeout: 60_000,
  fileParallelism: false,
  // Builds (once, cached) and prepares the Debian 13 root that runs deluged 2.2.
  globalSetup: ['test/harness/deluge22-setup.ts'],
};

// The integration suites that run against every covered Deluge, not only the host's 2.0.3.
const EVERY_DELUGE = [
  'test/integration/rpc-api.test.ts',
  'test/integration/rpc-client.test.ts',
  'test/integration/rpc-events.test.ts',
  'test/integration/exporter-daemons.test.ts',
  'test/integration/check-daemons.test.ts',
  'test/integration/tracker-harness.test.ts',
  'test/integration/exporter-trackers.test.ts',
  'test/integration/exporter-webui.test.ts',
  'test/integration/alerts-arrive.test.ts',
  'test/integration/dashboards-data.test.ts',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          ...integration,
        },
      },
      {
        test: {
          name: 'integration-deluge-2.2',
          include: EVERY_DELUGE,
          env: { TEST_DELUGE_VERSION: '2.2.0' },
          ...integration,
        },
      },
    ],
  },
});
