// Colour for terminals, plain text for pipes and files. Follows the two common
// conventions: NO_COLOR (https://no-color.org) turns colour off, FORCE_COLOR on.
// Plain ANSI codes rather than util.styleText: its own TTY checks differ between
// Node versions, and the decision here must be the only one.

export function colourWanted(stream: NodeJS.WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR) return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true;
}

const codes = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
const resets = { red: 39, green: 39, yellow: 39, cyan: 39, bold: 22, dim: 22 } as const;

/** Colour helpers for one output stream: paint.red('text') is plain text when colour is off. */
export function painter(stream: NodeJS.WriteStream = process.stdout) {
  const on = colourWanted(stream);
  const style = (name: keyof typeof codes) => (text: string) =>
    on ? `\u001b[${codes[name]}m${text}\u001b[${resets[name]}m` : text;
  return {
    on,
    red: style('red'),
    green: style('green'),
    yellow: style('yellow'),
    cyan: style('cyan'),
    bold: style('bold'),
    dim: style('dim'),
  };
}

export type Painter = ReturnType<typeof painter>;
