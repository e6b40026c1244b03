/** A JSON document that is valid JSON but not acceptable: a duplicate key or too deep nesting. */
export class StrictJsonError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

/**
 * JSON.parse, then one linear pass over the text that refuses a key repeated in one object (where
 * JSON.parse silently keeps the last) and nesting deeper than `maxDepth`. Errors name the line.
 */
export function parseStrictJson(text: string, maxDepth: number): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StrictJsonError(`not JSON: ${(e as Error).message.slice(0, 200)}`, 0);
  }
  checkJsonShape(text, maxDepth);
  return value;
}

/** The pass of parseStrictJson, for text already known to be valid JSON. */
export function checkJsonShape(text: string, maxDepth: number): void {
  // One frame per open container: keys seen (objects only) and whether the next string is a key.
  const stack: { keys: Set<string> | null; expectKey: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = false;
      stack.push({ keys: c === 123 ? new Set() : null, expectKey: c === 123 });
      if (stack.length > maxDepth) throw new StrictJsonError(`line ${line}: nesting deeper than limit maxNestingDepth (${maxDepth})`, line);
    } else if (c === 125 || c === 93) stack.pop();
    else if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.keys) top.expectKey = true;
    } else if (c === 34 /* " */) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) throw new StrictJsonError(`line ${line}: key "${key}" appears twice in one object`, line);
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    }
  }
}

/** Nesting depth of a JSON text (for records: one cheap pass before JSON.parse). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123 || c === 91) max = Math.max(max, ++depth);
    else if (c === 125 || c === 93) depth--;
    else if (c === 34) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 34) j += text.charCodeAt(j) === 92 ? 2 : 1;
      i = j;
    }
  }
  return max;
}
