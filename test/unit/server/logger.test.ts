import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { createLogger, isLogLevel, type LogLevel } from '../../../src/log/logger.js';

function capture(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return { logger: createLogger({ level, destination }), lines };
}

describe('createLogger', () => {
  it('writes JSON lines with a level label, ISO time, msg and the caller fields', () => {
    const { logger, lines } = capture('info');
    logger.child({ daemon: 'seedbox' }).info({ method: 'core.get_session_status', duration_seconds: 0.25 }, 'rpc call');
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({
      level: 'info',
      daemon: 'seedbox',
      method: 'core.get_session_status',
      duration_seconds: 0.25,
      msg: 'rpc call',
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
    expect(line).not.toHaveProperty('hostname');
  });

  it('drops lines below the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((line) => line.msg)).toEqual(['loud']);
  });

  it('serializes errors under err with their own fields', () => {
    const { logger, lines } = capture('info');
    logger.error({ err: Object.assign(new Error('refused'), { code: 'DELUGE_ERR_CONNECTION' }) }, 'scrape failed');
    expect(lines[0]?.err).toMatchObject({ type: 'Error', message: 'refused', code: 'DELUGE_ERR_CONNECTION' });
  });

  it('redacts plain password fields and Secrets', () => {
    const { logger, lines } = capture('info');
    logger.info(
      {
        password: 'plain-1',
        options: { password: 'plain-2' },
        config: { daemons: [{ password: 'plain-3' }] },
        secret: new Secret('plain-4'),
      },
      'oops',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['plain-1', 'plain-2', 'plain-3', 'plain-4']) expect(text).not.toContain(secret);
    expect(lines[0]?.password).toBe('[REDACTED]');
  });
});

describe('isLogLevel', () => {
  it('accepts exactly debug, info, warn and error', () => {
    expect(['debug', 'info', 'warn', 'error', 'trace', 'fatal', 'INFO', ''].filter(isLogLevel)).toEqual([
      'debug',
      'info',
      'warn',
      'error',
    ]);
  });
});

describe('createLogger with format logfmt', () => {
  function logfmtCapture() {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    });
    return { logger: createLogger({ level: 'info', format: 'logfmt', destination }), lines };
  }

  it('writes time, level and msg first, then the fields; quotes what needs quoting; redacts', () => {
    const { logger, lines } = logfmtCapture();
    logger.child({ daemon: 'seed box' }).info(
      {
        port: 9354,
        daemons: ['a', 'b'],
        password: 'hunter2',
        note: 'say "hi"\nbye',
        empty: '',
        error: { kind: 'auth', deep: { x: 1 } },
      },
      'listening',
    );
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line).toMatch(
      /^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=info msg=listening daemon="seed box" port=9354 daemons="\[\\"a\\",\\"b\\"\]" password=\[REDACTED\] note="say \\"hi\\"\\nbye" empty="" error_kind=auth error_deep="{\\"x\\":1}"\n$/,
    );
    expect(line).not.toContain('hunter2');
  });

  it('an error is its message plus its type and code', () => {
    const { logger, lines } = logfmtCapture();
    const error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    logger.error({ err: error }, 'scrape failed');
    expect(lines[0]).toMatch(
      /level=error msg="scrape failed" err="connect ECONNREFUSED 127.0.0.1:1" err_type=Error err_code=ECONNREFUSED\n$/,
    );
  });
});
