/** What `npm run fuzz` (scripts/fuzz.ts) runs, and the short variant in `npm test` runs too. */
export interface FuzzTarget {
  /** Name on the command line, e.g. `rencode-decode`. */
  readonly name: string;
  /** What is generated and what must hold, one line. */
  readonly description: string;
  /**
   * Runs `cases` generated cases from `seed`; throws (a fast-check failure report with the
   * shrunk counterexample and the seed to replay it) when a case breaks the property.
   */
  run(cases: number, seed: number): void;
}
