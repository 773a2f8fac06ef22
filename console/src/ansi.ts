/**
 * ANSI SGR colours in run output, turned into styled segments. Segments are rendered as text
 * nodes with class names, never as HTML, so output cannot inject markup.
 */
export interface Segment {
  text: string;
  classes: string;
}

// Matching escape sequences is the point here.
// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b\[([0-9;?]*)([A-Za-z])/g;

export function ansiSegments(input: string): Segment[] {
  const segments: Segment[] = [];
  let fg: number | undefined;
  let bg: number | undefined;
  let bold = false;
  let underline = false;
  let last = 0;
  const push = (text: string): void => {
    if (!text) return;
    const classes = [
      fg !== undefined ? `ansi-fg-${fg}` : '',
      bg !== undefined ? `ansi-bg-${bg}` : '',
      bold ? 'ansi-bold' : '',
      underline ? 'ansi-underline' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const previous = segments[segments.length - 1];
    if (previous && previous.classes === classes) previous.text += text;
    else segments.push({ text, classes });
  };
  for (const match of input.matchAll(ESCAPE)) {
    push(input.slice(last, match.index));
    last = (match.index ?? 0) + match[0].length;
    if (match[2] !== 'm') continue;
    const codes = match[1] === '' ? [0] : match[1].split(';').map((c) => Number(c) || 0);
    for (let i = 0; i < codes.length; i++) {
      const code = codes[i];
      if (code === 0) {
        fg = bg = undefined;
        bold = underline = false;
      } else if (code === 1) bold = true;
      else if (code === 4) underline = true;
      else if (code === 22) bold = false;
      else if (code === 24) underline = false;
      else if (code >= 30 && code <= 37) fg = code - 30;
      else if (code >= 90 && code <= 97) fg = code - 90 + 8;
      else if (code === 39) fg = undefined;
      else if (code >= 40 && code <= 47) bg = code - 40;
      else if (code >= 100 && code <= 107) bg = code - 100 + 8;
      else if (code === 49) bg = undefined;
      else if ((code === 38 || code === 48) && codes[i + 1] === 5) {
        // 256-colour: keep the 16 basic ones, drop the rest to the default colour.
        const value = codes[i + 2];
        const basic = value !== undefined && value < 16 ? value : undefined;
        if (code === 38) fg = basic;
        else bg = basic;
        i += 2;
      } else if ((code === 38 || code === 48) && codes[i + 1] === 2) i += 4;
    }
  }
  push(input.slice(last));
  // Other control characters (except tab and newline) would only show as boxes.
  for (const segment of segments)
    // eslint-disable-next-line no-control-regex
    segment.text = segment.text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
  return segments.filter((s) => s.text !== '');
}
