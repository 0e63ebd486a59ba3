/**
 * Cheap looks into JSON text before (or instead of) JSON.parse. A probe matches a quoted key
 * followed by its colon (`"finish_reason":`): inside a JSON string a quote is always escaped
 * (`\"`), so it cannot match payload text, only a real key.
 */

/** JSON.parse that returns undefined for malformed text or a non-object. Never throws. */
export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Index of the first non-blank character after `from`. */
function skipBlank(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

export type KeyPresence = 0 | 1 | 2;
export const KEY_ABSENT = 0;
export const KEY_NULL = 1;
export const KEY_HAS_VALUE = 2;

/** Characters frequent in LLM JSON chunks, most frequent first: poor first characters for a needle. */
const FREQUENT = '"etaonsirlcdmupf';

/**
 * Finds a JSON key (`"name":`) in text. Two measured facts (Node 20, 235-char OpenAI chunk) shape
 * the search: V8 searches needles of 7+ characters with Boyer-Moore-Horspool and builds its tables
 * on every call (an absent 8-char key: ~185 ns, a 6-char one: ~27 ns); and a short needle that
 * starts with a common character (`e`) stops at every false start (~100 ns). So the needle is the
 * window (4 to 6 characters) of `"name"` that starts with its rarest character, and each hit is checked
 * against the whole quoted name and its colon.
 */
export class JsonKey {
  private readonly needle: string;
  private readonly quotedName: string;
  private readonly back: number;

  constructor(name: string) {
    this.quotedName = '"' + name + '"';
    const length = this.quotedName.length;
    const minWidth = Math.min(4, length);
    let best = 0;
    let bestRank = -1;
    for (let i = 0; i + minWidth <= length; i++) {
      const rank = FREQUENT.indexOf(this.quotedName[i]!);
      const rarity = rank === -1 ? FREQUENT.length : rank;
      if (rarity > bestRank) {
        best = i;
        bestRank = rarity;
      }
    }
    this.needle = this.quotedName.slice(best, best + 6);
    this.back = best;
  }

  /** Index of the value of the first occurrence of the key at or after `from`, or -1. */
  valueIndex(text: string, from = 0): number {
    let at = text.indexOf(this.needle, from + this.back);
    while (at !== -1) {
      const start = at - this.back;
      if (text.startsWith(this.quotedName, start)) {
        const colon = skipBlank(text, start + this.quotedName.length);
        if (text.charCodeAt(colon) === 0x3a) return skipBlank(text, colon + 1);
      }
      at = text.indexOf(this.needle, at + 1);
    }
    return -1;
  }

  /** True if the key occurs. */
  isIn(text: string): boolean {
    return this.valueIndex(text) !== -1;
  }

  /** True if some occurrence of the key has a value other than null. */
  hasNonNullValue(text: string): boolean {
    return this.presence(text) === KEY_HAS_VALUE;
  }

  /** Whether the key is absent, present with only null values, or present with some other value. */
  presence(text: string): KeyPresence {
    let v = this.valueIndex(text);
    if (v === -1) return KEY_ABSENT;
    while (v !== -1) {
      if (v < text.length && text.charCodeAt(v) !== 0x6e /* n */) return KEY_HAS_VALUE;
      v = this.valueIndex(text, v);
    }
    return KEY_NULL;
  }

  /** True if some occurrence of the key has the value `true`. */
  hasTrueValue(text: string): boolean {
    let v = this.valueIndex(text);
    while (v !== -1) {
      if (text.startsWith('true', v)) return true;
      v = this.valueIndex(text, v);
    }
    return false;
  }

  /** The string value of the first occurrence of the key, or ''. */
  stringValue(text: string): string {
    const v = this.valueIndex(text);
    if (v === -1 || text.charCodeAt(v) !== 0x22) return '';
    const close = text.indexOf('"', v + 1);
    return close === -1 ? '' : text.slice(v + 1, close);
  }
}

const TYPE = new JsonKey('type');

/** The string value of the first `"type"` key in the text, or '' (for data-only SSE events). */
export function sniffType(text: string): string {
  return TYPE.stringValue(text);
}

export function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function asCount(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** Low-cardinality error type from a provider error object: its code, else its type, else `_OTHER`. */
export function errorTypeOf(error: unknown): string {
  const object = asObject(error);
  if (object === undefined) return '_OTHER';
  const code = object.code;
  if (typeof code === 'string' && code.length > 0) return code;
  return asString(object.type) ?? asString(object.status) ?? '_OTHER';
}
