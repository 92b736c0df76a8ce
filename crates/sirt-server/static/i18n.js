// @ts-check
// The languages of the web application: the messages of the reader's language, fetched from the
// server (`GET /api/i18n/{lang}`, the Fluent catalogues of crates/sirt-i18n/locales/*/web.ftl), and
// numbers written for it (decimal comma and a no-break space before units in French).
// Message ids are literals in `tr('web-…')` calls: crates/sirt-i18n/tests/catalogues.rs checks that
// each one exists in both languages.

/** @typedef {import('../e2e/types/api').components['schemas']} Schemas */

/** @type {Record<string, string>} */
let messages = {};
/** The site's rule titles in the reader's language, by their English wording. @type {Record<string, string>} */
let ruleTitles = {};
/** @type {'en' | 'fr'} */
let lang = 'en';

/** The language of the messages loaded: `en` or `fr`. */
export const currentLang = () => lang;

/**
 * Loads the messages of a language (`en`, `fr`) and marks the page with it (`<html lang>`).
 * @param {string} code
 */
export async function loadMessages(code) {
  const r = await fetch(`/api/i18n/${encodeURIComponent(code || 'en')}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  if (!r.ok) throw new Error(`/api/i18n/${code}: HTTP ${r.status}`);
  const answer = /** @type {Schemas['Messages']} */ (await r.json());
  messages = answer.messages;
  ruleTitles = answer.rule_titles;
  lang = answer.lang;
  document.documentElement.lang = lang;
}

/**
 * A message in the reader's language, its variables `{ $name }` filled from `args` (numbers
 * already formatted with `num`). A message the catalogue lacks shows as `⟦id⟧`, as on the server.
 * @param {string} id
 * @param {Record<string, string | number>} [args]
 * @returns {string}
 */
export function tr(id, args = {}) {
  const text = messages[id];
  if (text === undefined) return `⟦${id}⟧`;
  return text.replace(/\{\s*\$([a-z_][a-z0-9_]*)\s*\}/g, (whole, name) => (name in args ? String(args[name]) : whole));
}

/**
 * A check's title in the reader's language: the rule file's wording when it has one (a plan's stored
 * result keeps the English wording).
 * @param {string} english
 */
export const ruleTitle = (english) => ruleTitles[english] ?? english;

/**
 * A number text written in English (a threshold as a rule writes it: "≥ 150 Gy", "≤ 0.5") for the
 * reader: a decimal comma and a no-break space before units and % in French. Only for number texts.
 * @param {string} text
 */
export function numeric(text) {
  if (lang !== 'fr') return text;
  return text.replace(/(\d)\.(\d)/g, '$1,$2').replace(/ (%|Gy|GBq|MBq|mCi|kg|mL|mm|HU)(?![\p{L}])/gu, '\u00a0$1');
}

/** @type {Map<string, Intl.NumberFormat>} */
const formats = new Map();

/**
 * A number with `d` decimals in the reader's language ("3.20" in English, "3,20" in French); `—`
 * for none. No grouping of thousands (as the reports print them).
 * @param {number | null | undefined} x
 * @param {number} [d]
 */
export function num(x, d = 2) {
  if (x === null || x === undefined || Number.isNaN(Number(x))) return '—';
  const key = `${lang}:${d}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(lang === 'fr' ? 'fr-FR' : 'en-US', { minimumFractionDigits: d, maximumFractionDigits: d, useGrouping: false });
    formats.set(key, f);
  }
  // Intl writes a minus sign (U+2212) in French; the hyphen-minus keeps numbers copyable.
  return f.format(Number(x)).replace('\u2212', '-');
}

/**
 * A number text and its unit: a space between, a no-break space in French (French typography).
 * @param {string} text
 * @param {string} unit
 */
export function withUnit(text, unit) {
  if (text === '—' || !unit) return text;
  return `${text}${lang === 'fr' ? '\u00a0' : ' '}${unit}`;
}

/**
 * `num` with its unit.
 * @param {number | null | undefined} x @param {number} d @param {string} unit
 */
export const qty = (x, d, unit) => withUnit(num(x, d), unit);
