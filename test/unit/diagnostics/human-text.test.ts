import { describe, expect, it } from 'vitest';
import { authLevelText, formatDuration, formatUtc, notAdminNote } from '../../../src/text/human-text.js';

describe('human text', () => {
  it.each([
    [0, 'less than 1 s'],
    [999, 'less than 1 s'],
    [1_000, '1 s'],
    [45_900, '45 s'],
    [60_000, '1 min'],
    [303_000, '5 min 3 s'],
    [7_200_000, '2 h'],
    [7_500_000, '2 h 5 min'],
    [3 * 86_400_000 + 4 * 3_600_000 + 59_000, '3 d 4 h'],
  ])('formatDuration(%i) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formats a time as UTC to the second', () => {
    expect(formatUtc(Date.UTC(2026, 10, 25, 14, 52, 3, 999))).toBe('2026-11-25 14:52:03 UTC');
  });

  it("names Deluge's auth levels", () => {
    expect([1, 5, 10, 7].map(authLevelText)).toEqual(['1 (read-only)', '5 (normal)', '10 (admin)', '7']);
    expect(notAdminNote(5)).toBe(
      "auth level 5 (normal) is below admin (10): Deluge hides other accounts' torrents, so the exporter's counts and sizes cover only this account's torrents",
    );
  });
});
