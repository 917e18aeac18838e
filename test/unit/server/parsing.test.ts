import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../../src/http/landing-page.js';
import { ListenAddressError, parseListenAddress } from '../../../src/http/listen-address.js';
import { parseScrapeTimeoutHeader, probeTargetProblem } from '../../../src/server.js';

describe('parseListenAddress', () => {
  it.each([
    [':9354', { port: 9354 }],
    ['0.0.0.0:9100', { host: '0.0.0.0', port: 9100 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:9354', { host: '::1', port: 9354 }],
    ['[::]:80', { host: '::', port: 80 }],
  ])('parses %s', (address, expected) => {
    expect(parseListenAddress(address)).toEqual(expected);
  });

  it.each(['9354', 'host:', 'host:70000', '[::1]', '::1:9354', 'a:b', ''])('rejects %j naming it', (address) => {
    expect(() => parseListenAddress(address)).toThrow(ListenAddressError);
    expect(() => parseListenAddress(address)).toThrow(`invalid listen address ${JSON.stringify(address)}`);
  });
});

describe('parseScrapeTimeoutHeader', () => {
  it.each([
    ['10', 10],
    [' 2.5 ', 2.5],
    [undefined, undefined],
    ['0', undefined],
    ['-3', undefined],
    ['1e3', undefined],
    ['Infinity', undefined],
    ['NaN', undefined],
    ['', undefined],
  ])('%j -> %j', (value, expected) => {
    expect(parseScrapeTimeoutHeader(value)).toBe(expected);
  });
});

describe('probeTargetProblem', () => {
  it('accepts exactly one configured name', () => {
    expect(probeTargetProblem('a', ['a', 'b'])).toBeUndefined();
  });

  it('truncates a long unknown target', () => {
    const problem = probeTargetProblem('x'.repeat(500), ['a']);
    expect(problem).toBe(`unknown target "${'x'.repeat(100)}..."; configured targets: "a"`);
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
  });
});
