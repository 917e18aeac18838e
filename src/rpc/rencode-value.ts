/** The values rencode decodes to, apart from the codec, so that the codec's helpers can name them. */

/** A decoded rencode value. See the module documentation for the Python ⇄ JS mapping. */
export type RencodeValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | RencodeValue[]
  | RencodeDict
  | Map<RencodeValue, RencodeValue>;

/** A decoded dict whose keys are all strings. */
export interface RencodeDict {
  [key: string]: RencodeValue;
}
