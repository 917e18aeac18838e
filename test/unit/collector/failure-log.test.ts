import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { errorField, FailureLog, RECOVERY_SCRAPES } from '../../../src/collector/failure-log.js';
import { createLogger } from '../../../src/log/logger.js';
import { DelugeRemoteError } from '../../../src/rpc/errors.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, log: new FailureLog(createLogger({ level: 'debug', destination })) };
}

const problem = (collector: string, message = `${collector} broke`) => ({ collector, message });

describe('FailureLog', () => {
  it('logs one error per streak, also while the daemon flaps between good and bad scrapes', () => {
    const { lines, log } = capture();
    for (let i = 0; i < 20; i++) {
      log.daemonFailed(new Error('connection refused'));
      log.daemonAnswered([]);
    }
    expect(lines.map((line) => line.level)).toEqual(['error']);
    expect(log.failing).toBe(true);
  });

  it(`ends a streak after ${RECOVERY_SCRAPES} good scrapes in a row, with one info line`, () => {
    const { lines, log } = capture();
    log.daemonFailed(new Error('down'));
    for (let i = 0; i < RECOVERY_SCRAPES; i++) log.daemonAnswered([]);
    log.daemonFailed(new Error('down again'));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ['error', 'scrape of daemon failed; further failures are not logged until it recovers'],
      ['info', 'daemon recovered'],
      ['error', 'scrape of daemon failed; further failures are not logged until it recovers'],
    ]);
  });

  it('warns once when an optional collector starts failing, again only after it worked', () => {
    const { lines, log } = capture();
    log.daemonAnswered([problem('disk'), problem('disk', 'second path')]);
    log.daemonAnswered([problem('disk')]);
    log.daemonAnswered([problem('disk'), problem('settings')]);
    log.daemonAnswered([]);
    log.daemonAnswered([problem('disk')]);
    expect(lines.map((line) => line.collector)).toEqual(['disk', 'settings', 'disk']);
    expect(lines.every((line) => line.level === 'warn')).toBe(true);
  });

  it('does not warn for collectors the error that started the streak already named', () => {
    const { lines, log } = capture();
    log.daemonFailed(new Error('torrents failed'), [problem('torrents'), problem('disk')]);
    log.daemonAnswered([problem('disk')]);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.problems).toEqual(['torrents broke', 'disk broke']);
  });
});

describe('errorField', () => {
  it("keeps class, kind and a short message; never the daemon's traceback or arguments", () => {
    const huge = 'A'.repeat(5_000_000);
    const error = new DelugeRemoteError(huge, 'WrappedException', [huge], {}, `Traceback ${huge}`, {
      method: 'core.get_torrents_status',
    });
    const field = errorField(error);
    expect(Object.keys(field).sort()).toEqual(['kind', 'message', 'type']);
    expect(field.message.length).toBeLessThan(400);
    expect(JSON.stringify(field).length).toBeLessThan(500);
  });
});
