/**
 * Parsing of WWW-Authenticate headers (RFC 7235): `Bearer realm="…",service="…",scope="…"` or
 * `Basic realm="…"`. One header may carry several challenges separated by commas.
 */

export interface Challenge {
  /** Lowercased scheme: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseWwwAuthenticate(header: string | string[] | undefined): Challenge[] {
  if (!header) return [];
  if (Array.isArray(header)) return header.flatMap((h) => parseWwwAuthenticate(h));
  const out: Challenge[] = [];
  let s = header;
  let current: Challenge | undefined;
  const skipWs = () => {
    s = s.replace(/^[\s,]+/, '');
  };
  skipWs();
  while (s.length > 0) {
    const m = token.exec(s);
    if (!m) break;
    const word = m[0];
    const rest = s.slice(word.length).replace(/^\s*/, '');
    if (rest.startsWith('=') && current) {
      // auth-param: name=value (value is a token or a quoted string)
      s = rest.slice(1).replace(/^\s*/, '');
      let value = '';
      if (s.startsWith('"')) {
        let i = 1;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i++;
          value += s[i];
          i++;
        }
        s = s.slice(i + 1);
      } else {
        const v = /^[^,\s]*/.exec(s)![0];
        value = v;
        s = s.slice(v.length);
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      out.push(current);
      s = rest;
      // token68 form (e.g. `Negotiate abc==`) is ignored: no registry uses it.
    }
    skipWs();
  }
  return out;
}
