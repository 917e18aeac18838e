/**
 * Live cross-check against the Python rencode that deluged runs (Debian python3-rencode 1.0.6):
 * our bytes must decode in Python to the same values, and Python's bytes must decode here.
 * Fails (never skips) when /usr/bin/python3 or its rencode module is missing.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, type RencodeValue } from '../../../src/rpc/rencode.js';
import { fromTagged, type Tagged, valueArbitrary } from './rencode-support.js';

const PYTHON = '/usr/bin/python3';
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Reads {hexes, seed, count} on stdin; answers with Python's view of our bytes and its own random values. */
const PYTHON_SIDE = `
import importlib.util, json, random, sys
import rencode
spec = importlib.util.spec_from_file_location('gen', 'scripts/gen-rencode-vectors.py')
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
request = json.load(sys.stdin)
decoded = [rencode.loads(bytes.fromhex(h), decode_utf8=True) for h in request['hexes']]
rng = random.Random(request['seed'])
generated = []
for _ in range(request['count']):
    value = [gen.random_value(rng, 0, [60]) for _ in range(6)]
    generated.append({'hex': rencode.dumps(value).hex(), 'value': gen.tag(rencode.loads(rencode.dumps(value), decode_utf8=True))})
json.dump({'version': rencode.__version__ if hasattr(rencode, '__version__') else '?',
           'reprs': [repr(v) for v in decoded], 'tagged': [gen.tag(v) for v in decoded], 'generated': generated}, sys.stdout)
`;

interface PythonAnswer {
  reprs: string[];
  tagged: Tagged[];
  generated: { hex: string; value: Tagged }[];
}

function askPython(values: readonly RencodeValue[], seed: number, count: number): PythonAnswer {
  const request = { hexes: values.map((v) => encode(v).toString('hex')), seed, count };
  const result = spawnSync(PYTHON, ['-c', PYTHON_SIDE], {
    cwd: REPO_ROOT,
    input: JSON.stringify(request),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`cannot run ${PYTHON}: ${result.error.message}`);
  if (result.status !== 0)
    throw new Error(`${PYTHON} with rencode failed (python3-rencode installed?):\n${result.stderr}`);
  return JSON.parse(result.stdout) as PythonAnswer;
}

describe('rencode against the live Python rencode', () => {
  const simple: [RencodeValue, string][] = [
    [
      [[1, 'daemon.login', ['user', 'pw'], { client_version: '2.1.1' }]],
      "((1, 'daemon.login', ('user', 'pw'), {'client_version': '2.1.1'}),)",
    ],
    [
      [2n ** 64n, -(2n ** 63n) - 1n, 2 ** 53 - 1, -33, 44],
      '(18446744073709551616, -9223372036854775809, 9007199254740991, -33, 44)',
    ],
    [[0.5, 0.1, 25.3125, Number.NaN], '(0.5, 0.1, 25.3125, nan)'],
    [
      new Map<RencodeValue, RencodeValue>([
        [1, 'x'],
        [[1, 2], null],
        ['ü😀', true],
      ]),
      "{1: 'x', (1, 2): None, 'ü😀': True}",
    ],
    ['x'.repeat(64), `'${'x'.repeat(64)}'`],
  ];

  it('Python decodes our encodings to the expected values', () => {
    const sampled = fc.sample(valueArbitrary, { seed: 4242, numRuns: 150 });
    const values = [...simple.map(([value]) => value), ...sampled];
    const answer = askPython(values, 1, 0);
    expect(answer.reprs.slice(0, simple.length)).toEqual(simple.map(([, repr]) => repr));
    expect(answer.tagged.map(fromTagged)).toStrictEqual(values);
  });

  it("decodes Python's encodings of seeded random structures, and re-encodes them byte for byte", () => {
    const answer = askPython([], 20251123, 25);
    expect(answer.generated).toHaveLength(25);
    for (const { hex, value } of answer.generated) {
      const expected = fromTagged(value);
      expect(decode(Buffer.from(hex, 'hex'))).toStrictEqual(expected);
      expect(encode(expected).toString('hex')).toBe(hex);
    }
  });
});
