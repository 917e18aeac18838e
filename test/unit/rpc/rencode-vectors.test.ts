import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode, encode, RencodeDecodeError, type RencodeValue } from '../../../src/rpc/rencode.js';
import { fromTagged, type Tagged } from './rencode-support.js';

/** Vectors written by `scripts/gen-rencode-vectors.py` from the real Python rencode 1.0.6. */
interface Vector {
  name: string;
  hex: string;
  value?: Tagged;
  decode_only?: boolean;
  error?: string;
}

const vectors: Vector[] = JSON.parse(
  readFileSync(new URL('../../fixtures/rencode-vectors.json', import.meta.url), 'utf8'),
) as Vector[];
const valueVectors = vectors.filter((v) => v.value !== undefined);
const encodeVectors = valueVectors.filter((v) => !v.decode_only);
const errorVectors = vectors.filter((v) => v.error !== undefined);

describe('rencode corpus from Python rencode 1.0.6', () => {
  it('covers the reference table, realistic Deluge messages and error cases', () => {
    const names = new Set(vectors.map((v) => v.name));
    for (const name of [
      'int 44',
      'int 9223372036854775808',
      'int -9223372036854775809',
      'str x*64',
      'list 64 zeros',
      'dict 25',
      'dict int and tuple keys',
      'response core.get_torrents_status',
      'response core.get_session_status',
      'response core.get_auth_levels_mappings',
      'error NotAuthorizedError',
      'event TorrentAddedEvent',
      'request daemon.login',
    ]) {
      expect(names).toContain(name);
    }
    expect(encodeVectors.length).toBeGreaterThan(100);
    expect(errorVectors.length).toBeGreaterThan(10);
  });

  it.each(valueVectors)('decodes $name', (vector) => {
    expect(decode(Buffer.from(vector.hex, 'hex'))).toStrictEqual(fromTagged(vector.value as Tagged));
  });

  it.each(encodeVectors)('encodes $name byte for byte', (vector) => {
    expect(encode(fromTagged(vector.value as Tagged)).toString('hex')).toBe(vector.hex);
  });

  it.each(errorVectors)('rejects $name with $error', (vector) => {
    let caught: unknown;
    try {
      decode(Buffer.from(vector.hex, 'hex'));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RencodeDecodeError);
    expect((caught as RencodeDecodeError).code).toBe(vector.error);
  });

  it('decodes get_torrents_status into plain objects with numbers, -1 sentinels and float32 progress', () => {
    const vector = vectors.find((v) => v.name === 'response core.get_torrents_status');
    const [kind, id, torrents] = decode(Buffer.from(vector?.hex ?? '', 'hex')) as [number, number, RencodeValue];
    expect([kind, id]).toEqual([1, 7]);
    const statuses = Object.values(torrents as Record<string, Record<string, RencodeValue>>);
    expect(statuses).toHaveLength(4);
    const downloading = statuses.find((s) => s.state === 'Downloading');
    expect(downloading?.progress).toBe(25.312501907348633);
    expect(downloading?.eta).toBe(-1);
    expect(downloading?.total_payload_upload).toBe(2 ** 40 + 1);
    expect(Object.keys(downloading ?? {})).toHaveLength(78);
  });

  it('decodes get_auth_levels_mappings into an object and a Map with int keys', () => {
    const vector = vectors.find((v) => v.name === 'response core.get_auth_levels_mappings');
    const [, , [byName, byLevel]] = decode(Buffer.from(vector?.hex ?? '', 'hex')) as [number, number, RencodeValue[]];
    expect(byName).toEqual({ NONE: 0, READONLY: 1, DEFAULT: 5, NORMAL: 5, ADMIN: 10 });
    expect(byLevel).toBeInstanceOf(Map);
    expect((byLevel as Map<RencodeValue, RencodeValue>).get(10)).toBe('ADMIN');
  });
});
