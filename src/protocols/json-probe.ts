/**
 * Cheap looks into JSON text before (or instead of) JSON.parse. Every needle is a quoted key
 * followed by its colon (`"finish_reason":`): inside a JSON string a quote is always escaped
 * (`\"`), so the needle cannot match payload text, only a real key.
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

/** True if some occurrence of `key` (a quoted key with its colon) has a value other than null. */
export function hasNonNullValue(text: string, key: string): boolean {
  let at = text.indexOf(key);
  while (at !== -1) {
    const v = skipBlank(text, at + key.length);
    if (v < text.length && text.charCodeAt(v) !== 0x6e /* n */) return true;
    at = text.indexOf(key, v);
  }
  return false;
}

/** True if `key` (a quoted key with its colon) is followed by the literal `true`. */
export function hasTrueValue(text: string, key: string): boolean {
  let at = text.indexOf(key);
  while (at !== -1) {
    const v = skipBlank(text, at + key.length);
    if (text.startsWith('true', v)) return true;
    at = text.indexOf(key, v);
  }
  return false;
}

/** The string value of the first `"type":"…"` in the text, or '' (for data-only SSE events). */
export function sniffType(text: string): string {
  const at = text.indexOf('"type":');
  if (at === -1) return '';
  const open = skipBlank(text, at + 7);
  if (text.charCodeAt(open) !== 0x22) return '';
  const close = text.indexOf('"', open + 1);
  return close === -1 ? '' : text.slice(open + 1, close);
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
