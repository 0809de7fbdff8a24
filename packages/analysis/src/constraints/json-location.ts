// Where JSON text stops being JSON. `JSON.parse` says what is wrong but, depending on the engine version and
// the error, not always where ("Unexpected token '#', "# a whylog"... is not valid JSON"), so a strict scan
// of the grammar (RFC 8259) finds the offset itself. It runs only after `JSON.parse` has already failed.

class Stop {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Offset of the first character at which `text` is not valid JSON (`text.length` when it ends too early), or
 * undefined if it cannot tell (nesting too deep to scan).
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const expect = (char: string): void => {
    if (text[i] !== char) throw new Stop(i);
    i++;
  };
  const string = (): void => {
    expect('"');
    while (i < text.length) {
      const char = text[i]!;
      if (char === '"') {
        i++;
        return;
      }
      if (char < " ") throw new Stop(i);
      if (char !== "\\") {
        i++;
      } else if (text[i + 1] === "u") {
        if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i);
        i += 6;
      } else if (text[i + 1] !== undefined && '"\\/bfnrt'.includes(text[i + 1]!)) {
        i += 2;
      } else {
        throw new Stop(i);
      }
    }
    throw new Stop(i);
  };
  const value = (): void => {
    skipSpace();
    const char = text[i];
    if (char === "{") {
      i++;
      skipSpace();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        skipSpace();
        string();
        skipSpace();
        expect(":");
        value();
        skipSpace();
        if (text[i] === "}") {
          i++;
          return;
        }
        expect(",");
      }
    }
    if (char === "[") {
      i++;
      skipSpace();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (;;) {
        value();
        skipSpace();
        if (text[i] === "]") {
          i++;
          return;
        }
        expect(",");
      }
    }
    if (char === '"') return string();
    for (const literal of ["true", "false", "null"]) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.exec(text) === null) throw new Stop(i);
    i = NUMBER.lastIndex;
  };
  try {
    value();
    skipSpace();
    if (i < text.length) throw new Stop(i);
  } catch (stop) {
    return stop instanceof Stop ? Math.min(stop.offset, text.length) : undefined;
  }
  return undefined;
}
