import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from '../../../src/text/printable.js';

/**
 * Text mixing controls, bidi and zero-width characters, the Basic Multilingual Plane and emoji. (fast-check's
 * `binary` unit covers all of Unicode but takes seconds to set up on a loaded machine.)
 */
const hostileText = fc
  .array(
    fc.oneof(
      fc.integer({ min: 0, max: 0x2fff }),
      fc.integer({ min: 0x1f300, max: 0x1f64f }),
      fc.constantFrom(0x202e, 0x2066, 0x2069, 0x200b, 0xfeff, 0x0085, 0x2028),
    ),
    { maxLength: 80 },
  )
  .map((codePoints) => String.fromCodePoint(...codePoints));

describe('printable', () => {
  it('keeps ordinary text, Unicode included', () => {
    expect(printable('2.0.3 – Übung 日本語 🎵', 100)).toBe('2.0.3 – Übung 日本語 🎵');
  });

  it('folds newlines and tabs to a space and shows other controls as U+FFFD', () => {
    expect(printable('a\r\nb\tc', 100)).toBe('a b c');
    expect(printable('\u001b[31mred\u001b[0m', 100)).toBe('\ufffd[31mred\ufffd[0m');
    expect(printable('x\u0000y\u007fz\u0085', 100)).toBe('x\ufffdy\ufffdz\ufffd');
  });

  it('neutralises bidi overrides, isolates and zero-width characters', () => {
    expect(printable('abc\u202Egnp.exe', 100)).toBe('abc\ufffdgnp.exe');
    expect(printable('a\u2066b\u2069c\u200bd\ufeff', 100)).toBe('a\ufffdb\ufffdc\ufffdd\ufffd');
  });

  it('cuts to the length in code points, ending with an ellipsis', () => {
    expect(printable('abcdef', 6)).toBe('abcdef');
    expect(printable('abcdefg', 6)).toBe('abcde…');
    expect(printable('🎵🎵🎵🎵', 3)).toBe('🎵🎵…');
    expect(printable('x'.repeat(10_000_000), 40)).toBe(`${'x'.repeat(39)}…`);
  });

  it('removes every configured secret, even when a hostile daemon echoes it', () => {
    expect(printable('bad password hunter2, hunter2!', 100, ['hunter2'])).toBe('bad password [REDACTED], [REDACTED]!');
    expect(printable('nothing to hide', 100, [''])).toBe('nothing to hide');
  });

  it('never returns a control character, never exceeds the length, never shows the secret', () => {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 50 }), (text, max) => {
        const secret = 'S3cr3t';
        const shown = printable(`${text}${secret}${text}`, max, [secret]);
        expect(Array.from(shown).length).toBeLessThanOrEqual(max);
        expect(shown).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
        expect(shown).not.toContain(secret);
      }),
    );
  });
});
