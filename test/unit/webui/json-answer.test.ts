import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DECODE_LIMITS, type RencodeDecodeLimits } from '../../../src/rpc/rencode.js';
import { WebUiAnswerShapeError, WebUiLimitError, WebUiNotJsonError } from '../../../src/webui/errors.js';
import { checkJsonBudget, parseJsonRpcAnswer } from '../../../src/webui/json-answer.js';

/** What building `value` costs, counted as the rencode decoder counts it. */
function cost(value: unknown, depth = 1): RencodeDecodeLimits {
  const total = { maxDepth: 0, maxValues: 1, maxContainers: 0, maxContainerEntries: 0, maxStringBytes: 0 };
  const add = (inner: RencodeDecodeLimits) => {
    total.maxDepth = Math.max(total.maxDepth, inner.maxDepth);
    total.maxValues += inner.maxValues;
    total.maxContainers += inner.maxContainers;
    total.maxContainerEntries = Math.max(total.maxContainerEntries, inner.maxContainerEntries);
    total.maxStringBytes += inner.maxStringBytes;
  };
  if (typeof value === 'string') total.maxStringBytes = Buffer.byteLength(JSON.stringify(value)) - 2;
  if (Array.isArray(value) || (typeof value === 'object' && value !== null)) {
    const entries = Array.isArray(value) ? value.map((item) => [undefined, item] as const) : Object.entries(value);
    total.maxDepth = depth;
    total.maxContainers = 1;
    total.maxContainerEntries = entries.length;
    for (const [key, item] of entries) {
      if (key !== undefined) add(cost(key, depth + 1));
      add(cost(item, depth + 1));
    }
  }
  return total;
}

const json = fc.jsonValue({ maxDepth: 4 });
const limitNames = Object.keys(DEFAULT_DECODE_LIMITS) as (keyof RencodeDecodeLimits)[];

describe('checkJsonBudget', () => {
  it('passes any JSON text at exactly its own cost and fails it one below, naming that limit', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(...limitNames), fc.boolean(), (value, limit, pretty) => {
        const text = Buffer.from(JSON.stringify(value, null, pretty ? 1 : undefined));
        const exact = cost(value);
        // Limits must be >= 1; a cost of 0 cannot be undercut.
        const limits = Object.fromEntries(limitNames.map((name) => [name, Math.max(1, exact[name])]));
        expect(() => checkJsonBudget(text, limits as unknown as RencodeDecodeLimits)).not.toThrow();
        if (exact[limit] < 2) return;
        const tight = { ...limits, [limit]: exact[limit] - 1 } as unknown as RencodeDecodeLimits;
        expect(() => checkJsonBudget(text, tight)).toThrow(expect.objectContaining({ limit }));
      }),
      { numRuns: 400 },
    );
  });

  it('fails 10,000 nested lists at the depth limit before building anything', () => {
    const deep = Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(() => checkJsonBudget(deep, DEFAULT_DECODE_LIMITS)).toThrow(WebUiLimitError);
    expect(() => checkJsonBudget(deep, DEFAULT_DECODE_LIMITS)).toThrow(/limit maxDepth/);
  });

  it('counts escaped quotes and backslashes inside strings as string bytes, not as structure', () => {
    const text = Buffer.from(JSON.stringify({ 'a\\"b': ['x\\', '"{[,', '\\\\"'] }));
    const limits = { ...DEFAULT_DECODE_LIMITS, maxContainerEntries: 3, maxDepth: 2 };
    expect(() => checkJsonBudget(text, limits)).not.toThrow();
    expect(() => checkJsonBudget(text, { ...limits, maxContainerEntries: 2 })).toThrow(/maxContainerEntries/);
  });
});

describe('parseJsonRpcAnswer', () => {
  const parse = (text: string) =>
    parseJsonRpcAnswer(Buffer.from(text), DEFAULT_DECODE_LIMITS, 'application/json', () =>
      JSON.stringify(text.slice(0, 20)),
    );

  it('reads an answer as deluge-web writes it, Python spellings of non-finite floats included', () => {
    expect(parse('{"result": {"a": [Infinity, -Infinity, NaN, 1.5, "NaN"]}, "error": null, "id": 3}')).toEqual({
      result: { a: [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, 1.5, 'NaN'] },
      error: null,
      id: 3,
    });
    expect(parse('{"result": null, "error": {"message": "Unknown method", "code": 2}, "id": 1}').error).toEqual({
      message: 'Unknown method',
      code: 2,
    });
  });

  it('says what came back when it is not JSON, quoting only a snippet', () => {
    expect(() => parse('<html><title>Login</title></html>')).toThrow(WebUiNotJsonError);
    expect(() => parse('<html><title>Login</title></html>')).toThrow(/not JSON.*body begins "<html><title>Login<\/"$/);
    expect(() => parse('{"result": Infinit, "error": null}')).toThrow(WebUiNotJsonError);
  });

  it('refuses JSON of another shape, naming what is wrong', () => {
    expect(() => parse('[1, 2]')).toThrow(WebUiAnswerShapeError);
    expect(() => parse('[1, 2]')).toThrow(/a list, not a JSON-RPC answer/);
    expect(() => parse('{"error": null}')).toThrow(/no "result" member/);
    expect(() => parse('{"result": 1, "error": "bad"}')).toThrow(/"error" is a string/);
    expect(() => parse('{"result": 1, "error": {"message": "x", "code": "1"}}')).toThrow(/error code is a string/);
  });
});
