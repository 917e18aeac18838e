import { describe, expect, it } from 'vitest';
import { healthzUrl, scriptArgs } from '../../../src/healthcheck.js';
import { ListenAddressError } from '../../../src/server.js';

describe('the image health check', () => {
  it('asks /healthz on loopback when the exporter listens on all interfaces or the default', () => {
    expect(healthzUrl([])).toBe('http://127.0.0.1:9354/healthz');
    expect(healthzUrl(['--config', '/etc/c.yaml', '--web.listen-address', ':9100'])).toBe(
      'http://127.0.0.1:9100/healthz',
    );
    expect(healthzUrl(['--web.listen-address=0.0.0.0:8080'])).toBe('http://127.0.0.1:8080/healthz');
    expect(healthzUrl(['--web.listen-address', '[::]:8080'])).toBe('http://[::1]:8080/healthz');
  });

  it('asks the very address when the exporter listens on one', () => {
    expect(healthzUrl(['--web.listen-address', '10.1.2.3:9354'])).toBe('http://10.1.2.3:9354/healthz');
    expect(healthzUrl(['--web.listen-address', '[fd00::5]:9354'])).toBe('http://[fd00::5]:9354/healthz');
  });

  it('fails with the listen address error the exporter itself would give', () => {
    expect(() => healthzUrl(['--web.listen-address', 'nonsense'])).toThrow(ListenAddressError);
  });

  it('reads the arguments after node and the script from /proc/PID/cmdline', () => {
    expect(scriptArgs('node\0/app/dist/cli.js\0--web.listen-address\0:9100\0')).toEqual([
      '--web.listen-address',
      ':9100',
    ]);
  });
});
