import { createHash } from 'node:crypto';
import { escapeHtml, jsonScript, scriptText } from './assets.js';

/** A CSP source expression for an inline script or style: the base64 SHA-256 of its text. */
export function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The pages' Content-Security-Policy: nothing loads (no network, no file,
 * not even an image), only the listed inline scripts and styles run (by
 * hash, so an injected script or inline event handler does not), and
 * innerHTML and its kind refuse plain strings (Trusted Types, where the
 * browser has them).
 */
export function contentSecurityPolicy(scripts: readonly string[], styles: readonly string[]): string {
  return [
    "default-src 'none'",
    `script-src ${scripts.map(sha256Source).join(' ')}`,
    `style-src ${styles.map(sha256Source).join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ');
}

/** What a report page is made of; `body` is markup whose text the caller has escaped. */
export interface HtmlPageParts {
  readonly title: string;
  readonly style: string;
  readonly body: string;
  /** Embedded as JSON in <script type="application/json" id="qf-data">. */
  readonly data: unknown;
  /** Inline scripts, run in order after the body. */
  readonly scripts: readonly string[];
}

/** One self-contained HTML file: the style, the body, the data and the scripts inline, under a CSP naming their hashes. */
export function htmlPage(parts: HtmlPageParts): string {
  // Line ends as the HTML parser leaves them (CR LF and CR become LF), so that the hashes match what the browser hashes.
  const lf = (text: string): string => text.replace(/\r\n?/g, '\n');
  const scripts = parts.scripts.map((js) => scriptText(lf(js)));
  const style = lf(parts.style).replace(/<\/(style)/gi, '<\\/$1');
  const csp = contentSecurityPolicy(scripts, [style]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="QuantFlow">
<title>${escapeHtml(parts.title)}</title>
<style>${style}</style>
</head>
<body>
${parts.body}
<script type="application/json" id="qf-data">${jsonScript(parts.data)}</script>
${scripts.map((s) => `<script>${s}</script>`).join('\n')}
</body>
</html>
`;
}
