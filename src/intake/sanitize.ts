import sanitizeHtml from 'sanitize-html';

/** Inline images we keep: ones carried in the message itself, never fetched from a server. */
const LOCAL_IMAGE = /^(cid:|data:image\/(png|jpe?g|gif|webp);base64,)/i;

const SAFE_HTML: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img'],
  allowedAttributes: {
    a: ['href', 'name', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    ol: ['start', 'type'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid', 'data'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  nestingLimit: 200,
  // Remote images are tracking beacons: drop them (and images without a source) entirely.
  exclusiveFilter: (frame) => frame.tag === 'img' && !LOCAL_IMAGE.test(frame.attribs['src'] ?? ''),
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'noopener noreferrer nofollow', target: '_blank' },
    }),
  },
};

/**
 * HTML safe to show staff: no scripts, styles, event handlers, forms or frames, no remote
 * images; links kept, opening in a new tab with rel=noopener.
 */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, SAFE_HTML);
}

const BLOCK_END = /<\/(p|div|tr|li|h[1-6]|blockquote|table|pre)\s*>|<br\s*\/?>/gi;

/**
 * Plain text from HTML when mailparser's converter declined it (too long or too deep).
 * Coarse but linear: block ends become line breaks, tags and their scripts and styles go.
 */
export function htmlToPlainText(html: string): string {
  const text = sanitizeHtml(html.replace(BLOCK_END, '\n'), { allowedTags: [], allowedAttributes: {}, nestingLimit: 200 });
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
