// @ts-check
// sirtplan web application: one page, hash routes, the JSON API of docs/server.md. Every text from the
// server is put in the page as text (textContent), never as HTML. No external resource.
// Type-checked (JSDoc, no build step) against the types generated from the OpenAPI document:
// `npm run typecheck --prefix crates/sirt-server/e2e` (see crates/sirt-server/e2e/tsconfig.json).
import { Viewer, structureColour, jobProgressText } from './viewer.js';
import { tr, num, qty, withUnit, numeric, ruleTitle, loadMessages, currentLang } from './i18n.js';
import { mountStructureEditor, releaseStructureEditor } from './structures.js';

// ------------------------------------------------------------------------------------- API types

/** @typedef {import('../e2e/types/api').paths} Paths */
/** @typedef {import('../e2e/types/api').components['schemas']} Schemas */
/**
 * The JSON answer of a route and method: the OpenAPI document's success response (200, else 201).
 * @template {keyof Paths} P
 * @template {'get' | 'post' | 'patch'} M
 * @typedef {Paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } } ? T
 *   : Paths[P][M] extends { responses: { 201: { content: { 'application/json': infer T } } } } ? T : never} Answer
 */
/**
 * What `api` resolves to, with the JSON answer as `data`.
 * @template T
 * @typedef {{ status: number, data: T, headers: Headers }} Reply
 */

// Local types: only where the OpenAPI document (generated from the answer types) is free-form by design
// or where its generated TypeScript is awkward; every other answer is read through `Answer`/`Schemas`.

/**
 * A type without its string index signature (what a schema says beyond "any key"), so that a key read
 * from a free-form part is checked against the local type added to it.
 * @template T
 * @typedef {{ [K in keyof T as string extends K ? never : K]: T[K] }} Known
 */

/**
 * A plan's `result` (`sirtplan plan --format json`): local because `Plan.result` is free-form JSON in the
 * document by design (the engine's output); these are the parts the page reads.
 * @typedef {{ id: string, gy: number, tnr?: number, activity_gbq?: number, mass_kg?: number }} TumourDose
 * @typedef {{ administered_activity_gbq: number, perfused_gy: number, normal_liver_gy: number, lung_gy: number,
 *   tumour_gy: TumourDose[] }} WithOrderedVial
 * @typedef {{ vials?: number | null, vial_activity_at_calibration_gbq: number, calibration: string,
 *   activity_at_injection_gbq?: number | null, required_at_injection_gbq: number, deviation_percent: number,
 *   exact_instant: string }} VialOrder
 * @typedef {{ id: string, label?: string | null, device: string, method: string, k_convention: string, lsf: number,
 *   residual_fraction: number, prescribed_activity_gbq: number | null, perfused_gy: number, normal_liver_gy: number,
 *   lung_gy: number, tumour_gy: TumourDose[], with_ordered_vial?: WithOrderedVial | null, vial_order?: VialOrder | null,
 *   binding_constraint_text?: string | null, status?: string }} PlanInjection
 * @typedef {{ id: string, treatment: string, extent?: string | null, lung_gy: number, cumulative_lung_gy: number,
 *   lung_gy_1kg_convention: number | null, cumulative_lung_gy_1kg_convention: number | null,
 *   whole_liver_ntad_gy: number | null, ntad_not_evaluable?: string | null }} PlanSession
 * @typedef {{ status: string, subject: string, title: string, value: number | boolean | null, unit?: string | null,
 *   comparison: string, threshold_written: string, source: string, evidence: string,
 *   basis: string, values_from: string }} PlanCheck
 * @typedef {{ injections: PlanInjection[], sessions: PlanSession[], checks: PlanCheck[], notes?: string[] }} PlanResult
 */
/** Every answer that is a plan (`Schemas['Plan']`), its free-form `result` read as `PlanResult`.
 * @typedef {Omit<Schemas['Plan'], 'result'> & { result: PlanResult }} PlanView */
/** `GET /api/cases/{id}/followups` `assessment`: evaluated (with `criteria`) or not (with `error`).
 * @typedef {Schemas['RecistAssessment']} RecistAssessment */
/**
 * `GET /api/cases/{id}/followups` `labs`: local because the graded timeline (sirt-clinical's LabTimeline,
 * `sirtplan labs --format json`) is free-form in the document by design; `text`, `treatment_date_from`
 * and the failure are the document's.
 * @typedef {{ status: string, grade?: number, cause?: string, reason?: string }} GradeOutcome
 * @typedef {{ date: string, day: number | null, value: string, phase: string, grade: GradeOutcome }} LabPoint
 * @typedef {{ name: string, points: LabPoint[], baseline_grade: GradeOutcome | null,
 *   worst_after: { grade: number, date: string, day: number, value: string } | null,
 *   first_worsening_day: number | null }} LabTrack
 * @typedef {{ tracks: LabTrack[], treatment_date: string | null, reild: { status: string },
 *   braat: { grade: number | null, explanation: string } }} LabTimeline
 * @typedef {Extract<Schemas['LabGrading'], { error: string }>} LabFailure
 * @typedef {(Known<Exclude<Schemas['LabGrading'], LabFailure>> & LabTimeline) | LabFailure} LabGrading
 */
/** @typedef {Omit<Answer<'/api/cases/{id}/followups', 'get'>, 'assessment' | 'labs'>
 *   & { assessment: RecistAssessment | null, labs: LabGrading | null }} FollowUpsAnswer */
/**
 * `GET /api/plans/{id}/volumes` `report_blocks[]`: local because sirt-report's blocks are free-form in the
 * document by design (each an object with one key naming its kind).
 * @typedef {{ heading?: [number, string], table?: { headers: string[], align: ('left' | 'right')[], rows: string[][] },
 *   para?: string, notice?: string, key_values?: [string, string][], list?: string[] }} ReportBlock
 * @typedef {Omit<Answer<'/api/plans/{id}/volumes', 'get'>, 'report_blocks'> & { report_blocks: ReportBlock[] }} VolumesAnswer
 */
/**
 * `POST /api/cohort/km`: local because the KM report (sirt-survival's KmReport, `sirtplan cohort km
 * --format json`) is free-form in the document by design; `summary_text` and `svg` are the document's.
 * @typedef {{ status: string, time?: number }} TimeEstimate
 * @typedef {{ label: string, curve: { n: number, events: number,
 *   median: { median: TimeEstimate, lower: TimeEstimate, upper: TimeEstimate } } }} KmGroup
 * @typedef {Known<Answer<'/api/cohort/km', 'post'>> & { time_unit: string, source: string, groups: KmGroup[] }} KmAnswer
 */

// ----------------------------------------------------------------------------------------- helpers

const $main = () => document.getElementById('main');
/** @type {Answer<'/api/session', 'get'> | null} */
let session = null;

/** An API error: HTTP status, code and message from `{ error: { code, message } }`. */
class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

/**
 * A JSON request to the API. Its `data` is `unknown` unless the caller types it (a `Reply` of the
 * route's `Answer`), so that every key the page reads is checked against the OpenAPI document.
 * @template [T=unknown]
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<Reply<T>>}
 */
async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session) headers['X-CSRF-Token'] = session.csrf_token;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  const text = await r.text();
  if (text) { try { data = JSON.parse(text); } catch { data = null; } }
  if (!r.ok) {
    const e = data && data.error ? data.error : { code: String(r.status), message: text || r.statusText };
    if (r.status === 401 && path !== '/api/login') { session = null; }
    throw new ApiError(r.status, e.code, e.message);
  }
  return { status: r.status, data, headers: r.headers };
}

/**
 * Element builder: attributes (on* are listeners), children as nodes or text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, any>} [attrs]
 * @param {...any} children
 * @returns {HTMLElementTagNameMap[K]}
 */
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') /** @type {HTMLInputElement} */ (e).value = v;
    else if (v === true) e.setAttribute(k, '');
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

const can = (action) => !!session && session.permissions.includes(action);
/** A number with `d` decimals in the reader's language (decimal comma in French); `—` for none. */
const fmt = (x, d = 2) => num(x, d);
const when = (s) => (s ? String(s).replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC').replace(/\[.*\]$/, '') : '—');
/** The words of a plan's state and of a check's status, in the reader's language. */
const STATE_WORDS = {
  draft: () => tr('web-state-draft'), checked: () => tr('web-state-checked'), approved: () => tr('web-state-approved'),
  delivered: () => tr('web-state-delivered'), pass: () => tr('status-pass'), warn: () => tr('status-warn'),
  fail: () => tr('status-fail'), info: () => tr('status-info'), not_evaluated: () => tr('status-not-evaluated'),
  not_applicable: () => tr('web-status-not-applicable'),
};
/** @param {string} state */
const stateWord = (state) => (STATE_WORDS[state] ? STATE_WORDS[state]() : state);
const badge = (state) => h('span', { class: `badge ${state}` }, stateWord(state));
/** The words of a role (the value stays the API's). */
const ROLE_WORDS = {
  admin: () => tr('web-role-admin'), physician: () => tr('web-role-physician'), physicist: () => tr('web-role-physicist'),
  technologist: () => tr('web-role-technologist'), viewer: () => tr('web-role-viewer'),
};
/** @param {string} role */
const roleWord = (role) => (ROLE_WORDS[role] ? ROLE_WORDS[role]() : role);
/** The words of a patient's sex (the value stays the API's). */
const SEX_WORDS = {
  female: () => tr('web-sex-female'), male: () => tr('web-sex-male'), other: () => tr('web-sex-other'), unknown: () => tr('web-sex-unknown'),
};
/** @param {string | null | undefined} sex */
const sexWord = (sex) => (!sex ? '—' : SEX_WORDS[sex] ? SEX_WORDS[sex]() : sex);
/** The words of a check's basis (where its value comes from). */
const BASIS_WORDS = { partition: () => tr('basis-partition'), voxel: () => tr('basis-voxel'), delivered: () => tr('basis-delivered') };
/** @param {string} basis */
const basisWord = (basis) => (BASIS_WORDS[basis] ? BASIS_WORDS[basis]() : basis);
/** The first word of each part of a check's subject ("session 1, tumour T1"), as the report translates it. */
const SUBJECT_WORDS = {
  patient: () => tr('subject-patient'), session: () => tr('subject-session'), injection: () => tr('subject-injection'),
  tumour: () => tr('subject-tumour'), structure: () => tr('subject-structure'), plan: () => tr('subject-plan'),
};
/** @param {string} subject */
const subjectWords = (subject) => String(subject).split(', ').map((part) => {
  const i = part.indexOf(' ');
  const word = i < 0 ? part : part.slice(0, i);
  return SUBJECT_WORDS[word] ? `${SUBJECT_WORDS[word]()}${i < 0 ? '' : part.slice(i)}` : part;
}).join(', ');
/** A plan's binding constraint as the engine describes it (English), in the report's words. */
const CONSTRAINT_WORDS = {
  'perfused-volume dose target': () => tr('report-constraint-perfused-target'), 'tumour dose target': () => tr('report-constraint-tumour-target'),
  'Ho-166 dose rule': () => tr('report-constraint-ho166-rule'), 'BSA formula': () => tr('report-constraint-bsa-formula'),
  'activity fixed by the user': () => tr('report-constraint-fixed-activity'), 'perfused normal-liver dose limit': () => tr('report-constraint-normal-liver-limit'),
  'perfused-volume dose limit': () => tr('report-constraint-perfused-limit'), 'lung dose limit of the injection': () => tr('report-constraint-lung-limit'),
  'whole-liver normal-tissue dose limit of the session': () => tr('report-constraint-ntad-limit'),
  'lung dose limit per session': () => tr('report-constraint-session-lung-limit'), 'cumulative lung dose limit': () => tr('report-constraint-cumulative-lung-limit'),
};
/** @param {string | null | undefined} text */
const constraintWords = (text) => (text && CONSTRAINT_WORDS[text] ? CONSTRAINT_WORDS[text]() : text);
/** A session's extent. */
const EXTENT_WORDS = { unilobar: () => tr('report-extent-unilobar'), bilobar: () => tr('report-extent-bilobar') };
/** @param {string | null | undefined} extent */
const extentWord = (extent) => (extent && EXTENT_WORDS[extent] ? EXTENT_WORDS[extent]() : extent || '—');
/** A check's limit as the rule writes it ("≥ 150 Gy", "= false"), for the reader. @param {string} comparison @param {string} threshold */
const limitText = (comparison, threshold) => `${comparison}\u00a0${threshold === 'true' ? tr('common-yes') : threshold === 'false' ? tr('common-no') : numeric(threshold)}`;
/** The audit actions of a plan's steps, in words (other actions as recorded). */
const ACTION_WORDS = {
  'plan.create': () => tr('web-action-create'), 'plan.edit': () => tr('web-action-edit'), 'plan.check': () => tr('web-action-check'),
  'plan.approve': () => tr('web-action-approve'), 'plan.deliver': () => tr('web-action-deliver'), 'plan.deliver_session': () => tr('web-action-deliver-session'),
  'plan.correct_delivery': () => tr('web-action-correct-delivery'), 'plan.signature_refused': () => tr('web-action-signature-refused'),
  'plan.acknowledge': () => tr('web-action-acknowledge'),
};
/** @param {string} action */
const actionWord = (action) => (ACTION_WORDS[action] ? ACTION_WORDS[action]() : action);
const errorBox = (e) => h('div', { class: 'error', role: 'alert' }, e instanceof ApiError ? `${e.message} (${e.code})` : String(e.message || e));

function table(headers, rows, opts = {}) {
  const t = h('table', { class: opts.wide ? 'data wide' : 'data', 'data-testid': opts.testid });
  const num = new Set(opts.num || []);
  t.append(h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { class: num.has(i) ? 'num' : null }, x)))));
  const tb = h('tbody');
  for (const r of rows) {
    const cells = r.cells || r;
    const row = h('tr', { class: r.onclick ? 'click' : null, onclick: r.onclick });
    cells.forEach((c, i) => row.append(h('td', { class: num.has(i) ? 'num' : null }, c)));
    tb.append(row);
  }
  t.append(tb);
  return t;
}

// ---------------------------------------------------------------------------------------------- shell

function shell(active) {
  const top = h('header', { class: 'top' },
    h('span', { class: 'brand' }, 'sirtplan', h('small', {}, tr('web-brand-tagline'))),
    h('nav', {},
      h('a', { href: '#/patients', class: active === 'patients' ? 'active' : null }, tr('web-nav-patients')),
      h('a', { href: '#/cohort', class: active === 'cohort' ? 'active' : null }, tr('web-nav-cohort')),
      can('manage_accounts') ? h('a', { href: '#/accounts', class: active === 'accounts' ? 'active' : null, 'data-testid': 'nav-accounts' }, tr('web-nav-accounts')) : null,
      can('manage_pacs') ? h('a', { href: '#/pacs', class: active === 'pacs' ? 'active' : null, 'data-testid': 'nav-pacs' }, tr('web-nav-pacs')) : null),
    h('span', { class: 'who', 'data-testid': 'who' },
      `${session.user.display_name || session.user.username} · ${roleWord(session.user.role)}`,
      languageSelect(),
      h('a', { href: '#/password', class: 'button', 'data-testid': 'nav-password' }, tr('web-own-password')),
      h('button', { onclick: logout }, tr('web-sign-out'))));
  const notice = h('div', { class: 'notice' }, tr('common-research-notice'));
  const main = h('main', { id: 'main' });
  document.body.replaceChildren(top, notice, main);
  return main;
}

/** The language of one's own pages (English / français): `PATCH /api/account`, then the page anew. */
function languageSelect() {
  const sel = h('select', { class: 'lang', 'data-testid': 'language', 'aria-label': tr('web-language'), title: tr('web-language-title'),
    onchange: async () => {
      try {
        /** @type {Reply<Answer<'/api/account', 'patch'>>} */
        const r = await api('PATCH', '/api/account', { language: sel.value });
        session = r.data;
        await loadMessages(session.language);
        route();
      } catch (e) { document.getElementById('main')?.prepend(errorBox(e)); }
    } },
  h('option', { value: 'en', lang: 'en' }, 'English'), h('option', { value: 'fr', lang: 'fr' }, 'français'));
  sel.value = currentLang();
  return sel;
}

async function logout() {
  try { await api('POST', '/api/logout', {}); } catch { /* already gone */ }
  session = null;
  location.hash = '#/login';
  route();
}

function loginPage(message) {
  const user = h('input', { name: 'username', autocomplete: 'username', placeholder: tr('web-username'), 'data-testid': 'username' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: tr('web-password'), 'data-testid': 'password' });
  const out = h('div');
  const form = h('form', { class: 'panel login', onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      /** @type {Reply<Answer<'/api/login', 'post'>>} */
      const r = await api('POST', '/api/login', { username: user.value, password: pass.value });
      session = r.data;
      if (session.language !== currentLang()) await loadMessages(session.language);
      if (!location.hash || location.hash === '#/login') location.hash = '#/patients';
      route();
    } catch (err) { out.append(errorBox(err)); }
  } },
  h('h1', {}, 'sirtplan'), h('p', { class: 'muted' }, tr('web-login-tagline')),
  message ? h('p', {}, message) : null, user, pass,
  h('button', { class: 'primary', type: 'submit', 'data-testid': 'sign-in' }, tr('web-sign-in')), out,
  h('p', { class: 'small muted' }, tr('web-login-notice')));
  document.body.replaceChildren(form);
  user.focus();
}

// ------------------------------------------------------------------------------------------ patients

async function patientsPage(main) {
  main.append(h('h1', {}, tr('web-nav-patients')));
  const q = h('input', { type: 'search', placeholder: tr('web-patient-search'), size: 30, 'data-testid': 'patient-search' });
  const list = h('div');
  const status = h('div', { class: 'status-line' });
  const load = async () => {
    try {
      /** @type {Reply<Answer<'/api/patients', 'get'>>} */
      const r = await api('GET', `/api/patients?q=${encodeURIComponent(q.value)}&limit=200`);
      const rows = r.data.patients.map((p) => ({
        cells: [h('a', { href: `#/patients/${p.id}` }, p.mrn), p.name, p.birth_date || '—', sexWord(p.sex), when(p.created_at)],
        onclick: () => { location.hash = `#/patients/${p.id}`; },
      }));
      list.replaceChildren(rows.length ? table([tr('web-mrn'), tr('web-name'), tr('web-birth-date'), tr('web-sex'), tr('web-created')], rows, { testid: 'patients' })
        : h('p', { class: 'muted' }, q.value ? tr('web-no-patient-matches') : tr('web-no-patient-yet')));
    } catch (e) { list.replaceChildren(errorBox(e)); }
  };
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  const actions = h('div', { class: 'row' }, q);
  if (can('import_demo')) {
    actions.append(h('button', { class: 'primary', 'data-testid': 'import-demo', onclick: async (e) => {
      e.target.disabled = true; status.textContent = tr('web-importing-demo');
      try {
        /** @type {Reply<Answer<'/api/demo/import', 'post'>>} */
        const r = await api('POST', '/api/demo/import', {});
        location.hash = `#/plans/${r.data.plan.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); e.target.disabled = false; }
    } }, tr('web-import-demo')));
    actions.append(h('button', { 'data-testid': 'import-phantom', onclick: async (e) => {
      e.target.disabled = true; status.textContent = tr('web-importing-phantom');
      try {
        /** @type {Reply<Answer<'/api/demo/import-phantom', 'post'>>} */
        const r = await api('POST', '/api/demo/import-phantom', {});
        location.hash = `#/plans/${r.data.plan.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); e.target.disabled = false; }
    } }, tr('web-import-phantom')));
  }
  main.append(h('div', { class: 'panel' }, actions, status, list));
  if (can('create_patient')) main.append(newPatientForm());
  await load();
}

function newPatientForm() {
  const mrn = h('input', { name: 'mrn', maxlength: 64, required: true });
  const name = h('input', { name: 'name', maxlength: 200, required: true });
  const birth = h('input', { name: 'birth_date', type: 'date' });
  const sex = h('select', { name: 'sex' }, ['', 'female', 'male', 'other', 'unknown'].map((s) => h('option', { value: s }, sexWord(s))));
  const pseudonym = h('input', { name: 'pseudonym', maxlength: 64 });
  const out = h('div');
  return h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      const body = { mrn: mrn.value, name: name.value };
      if (birth.value) body.birth_date = birth.value;
      if (sex.value) body.sex = sex.value;
      if (pseudonym.value) body.pseudonym = pseudonym.value;
      /** @type {Reply<Answer<'/api/patients', 'post'>>} */
      const r = await api('POST', '/api/patients', body);
      location.hash = `#/patients/${r.data.id}`;
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, tr('web-new-patient')),
  h('label', { class: 'field' }, h('span', {}, tr('web-mrn')), mrn), h('label', { class: 'field' }, h('span', {}, tr('web-name')), name),
  h('label', { class: 'field' }, h('span', {}, tr('web-birth-date')), birth), h('label', { class: 'field' }, h('span', {}, tr('web-sex')), sex),
  h('label', { class: 'field', title: tr('web-pseudonym-title') }, h('span', {}, tr('web-pseudonym')), pseudonym),
  h('button', { type: 'submit' }, tr('web-create')), out);
}

/** Changes a patient's birth date, sex and pseudonym (`PATCH /api/patients/{id}`; an empty field clears it; the MRN never changes). */
function patientRecordForm(p) {
  const birth = h('input', { name: 'birth_date', type: 'date', value: p.birth_date || '' });
  const sex = h('select', { name: 'sex' }, ['', 'female', 'male', 'other', 'unknown'].map((s) => h('option', { value: s, selected: (p.sex || '') === s }, sexWord(s))));
  const pseudonym = h('input', { name: 'pseudonym', maxlength: 64, value: p.pseudonym || '' });
  const out = h('div');
  return h('form', { class: 'panel', 'data-testid': 'patient-record-form', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      await api('PATCH', `/api/patients/${p.id}`, { birth_date: birth.value || null, sex: sex.value || null, pseudonym: pseudonym.value || null });
      route();
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, tr('web-patient-record')),
  h('label', { class: 'field' }, h('span', {}, tr('web-birth-date')), birth), h('label', { class: 'field' }, h('span', {}, tr('web-sex')), sex),
  h('label', { class: 'field', title: tr('web-pseudonym-title') }, h('span', {}, tr('web-pseudonym')), pseudonym),
  h('button', { type: 'submit' }, tr('web-save')), out);
}

async function patientPage(main, id) {
  /** @type {Reply<Answer<'/api/patients/{id}', 'get'>>} */
  const r = await api('GET', `/api/patients/${id}`);
  const p = r.data.patient;
  main.append(h('h1', {}, `${p.name} `, h('span', { class: 'muted' }, `(${p.mrn})`)),
    h('div', { class: 'panel' }, tr('web-patient-summary', { birth_date: p.birth_date || '—', sex: sexWord(p.sex), pseudonym: p.pseudonym || '—', created: when(p.created_at) })));
  // Identity fields (birth date, sex, pseudonym) are for those who may change them (the server
  // refuses the others with 403).
  if (can('edit_patient_identity')) main.append(patientRecordForm(p));
  const cases = r.data.cases.map((c) => ({ cells: [h('a', { href: `#/cases/${c.id}` }, c.title), c.indication || '—', when(c.created_at), c.updated_by || '—'],
    onclick: () => { location.hash = `#/cases/${c.id}`; } }));
  main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-cases')),
    cases.length ? table([tr('web-title'), tr('web-indication'), tr('web-created'), tr('web-last-changed-by')], cases, { testid: 'cases' }) : h('p', { class: 'muted' }, tr('web-no-case-yet'))));
  const studies = r.data.studies.map((s) => [s.modality || '—', s.description || '—', s.study_date || '—', when(s.created_at)]);
  main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-imaging-studies')),
    studies.length ? table([tr('web-modality'), tr('web-description'), tr('web-date'), tr('web-imported')], studies) : h('p', { class: 'muted' }, tr('web-no-study')),
    studies.length ? h('h3', {}, tr('web-wb-series')) : null, seriesTable(r.data.studies)));
  if (can('upload_images')) main.append(uploadForm(id));
  // Import from PACS (pacs.js): search a node, pick series, retrieved in the background into a study.
  if (can('import_from_pacs')) {
    const box = h('div', { class: 'panel', 'data-testid': 'pacs-import' });
    main.append(box);
    import('./pacs.js').then((m) => m.mountImport(box, { api, h, errorBox, table, when, patientId: id, mrn: p.mrn, onStored: () => route() }))
      .catch((e) => box.append(errorBox(e)));
  }
  if (can('create_case')) {
    const title = h('input', { maxlength: 200, required: true, size: 40 });
    const ind = h('input', { maxlength: 200, size: 30, placeholder: tr('web-indication-example') });
    const out = h('div');
    main.append(h('form', { class: 'panel', onsubmit: async (e) => {
      e.preventDefault(); out.replaceChildren();
      try {
        /** @type {Reply<Answer<'/api/patients/{id}/cases', 'post'>>} */
        const c = await api('POST', `/api/patients/${id}/cases`, { title: title.value, indication: ind.value });
        location.hash = `#/cases/${c.data.id}`;
      } catch (err) { out.append(errorBox(err)); }
    } }, h('h2', {}, tr('web-new-case')), h('label', { class: 'field' }, h('span', {}, tr('web-title')), title),
    h('label', { class: 'field' }, h('span', {}, tr('web-indication')), ind), h('button', { type: 'submit' }, tr('web-create')), out));
  }
}

// ------------------------------------------------------------------------------------------- case

async function casePage(main, id) {
  /** @type {Reply<Answer<'/api/cases/{id}', 'get'>>} */
  const r = await api('GET', `/api/cases/${id}`);
  const { case: c, patient: p } = r.data;
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${p.id}` }, `${p.name} (${p.mrn})`), ` › ${tr('web-crumb-case')}`),
    h('h1', {}, c.title), caseTabs(id, 'case'));
  const plans = r.data.plans.map((x) => ({
    cells: [h('a', { href: `#/plans/${x.id}` }, `v${x.version}`), badge(x.state), `${x.created_by} · ${when(x.created_at)}`,
      x.checked_by ? `${x.checked_by} · ${when(x.checked_at)}` : '—', x.approved_by ? `${x.approved_by} · ${when(x.approved_at)}` : '—',
      x.based_on ? `v${r.data.plans.find((y) => y.id === x.based_on)?.version ?? '?'}` : '—'],
    onclick: () => { location.hash = `#/plans/${x.id}`; },
  }));
  const tl = h('ul', { class: 'timeline', 'data-testid': 'timeline' });
  tl.append(h('li', { class: 'workup' }, h('span', { class: 'at' }, when(c.created_at)), tr('web-case-opened', { indication: c.indication || tr('web-indication-not-given') })));
  for (const e of r.data.timeline) {
    const text = e.plan_id ? h('a', { href: `#/plans/${e.plan_id}` }, timelineText(e)) : timelineText(e);
    tl.append(h('li', { class: e.kind }, h('span', { class: 'at' }, when(e.at)), text));
  }
  main.append(h('div', { class: 'row' },
    h('div', { class: 'panel grow' }, h('h2', {}, tr('web-plans')), plans.length ? table([tr('web-version'), tr('web-state'), tr('web-created'), tr('web-checked'), tr('web-approved'), tr('web-based-on')], plans, { testid: 'plans' }) : h('p', { class: 'muted' }, tr('web-no-plan-yet')),
      can('create_plan') ? h('p', {}, h('a', { class: 'button primary', href: `#/cases/${id}/planning`, 'data-testid': 'plan-from-images' }, tr('web-wb-plan-from-images'))) : null),
    h('div', { class: 'panel', style: null }, h('h2', {}, tr('web-timeline')), tl)));
  const treated = r.data.treatments.map((t) => [t.injection_id, fmt(t.delivered_activity_gbq, 3), fmt(t.delivered_activity_gbq * 1000 / 37, 1), t.residual_gbq === null ? '—' : fmt(t.residual_gbq, 3), when(t.administered_at)]);
  if (treated.length) main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-treatments')), table([tr('web-injection'), tr('web-delivered-gbq'), 'mCi', tr('web-residual-gbq'), tr('web-administered')], treated, { num: [1, 2, 3] })));
  main.append(await documentsPanel(id));
  if (can('create_plan')) main.append(caseFileForm(id));
}

/**
 * A timeline entry in the reader's language: the server writes it in English ("plan version 2 approved
 * by dr.house", "injection R: 1.8685 GBq delivered"); its kind and those words give it again.
 * @param {Schemas['TimelineEntry']} e
 */
function timelineText(e) {
  if (currentLang() === 'en') return e.text;
  const plan = /^plan version (\d+) \w+ by (.+)$/.exec(e.text);
  if (plan && e.kind === 'plan_created') return tr('web-timeline-plan-created', { version: plan[1], who: plan[2] });
  if (plan && e.kind === 'plan_checked') return tr('web-timeline-plan-checked', { version: plan[1], who: plan[2] });
  if (plan && e.kind === 'plan_approved') return tr('web-timeline-plan-approved', { version: plan[1], who: plan[2] });
  const treated = /^injection (.+): ([0-9.]+) GBq delivered$/.exec(e.text);
  if (treated && e.kind === 'treatment') return tr('web-timeline-treatment', { injection: treated[1], activity: qty(Number(treated[2]), 4, 'GBq') });
  if (e.kind === 'follow_up') return tr('web-timeline-follow-up');
  const tox = /^(.*) grade (\d+)$/.exec(e.text);
  if (tox && e.kind === 'toxicity') return tr('web-timeline-toxicity', { term: tox[1], grade: tox[2] });
  return e.text;
}

/** A new plan version from a case file; the server refuses one of another patient or case (422 naming the fields). */
function caseFileForm(caseId) {
  const file = h('input', { type: 'file', accept: '.toml,text/plain', required: true, 'data-testid': 'case-file' });
  const out = h('div', { 'data-testid': 'case-file-result' });
  return h('form', { class: 'panel', 'data-testid': 'case-file-form', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    const f = file.files && file.files[0];
    if (!f) return;
    try {
      /** @type {Reply<Answer<'/api/cases/{id}/plans', 'post'>>} */
      const r = await api('POST', `/api/cases/${caseId}/plans`, { case_toml: await f.text() });
      location.hash = `#/plans/${r.data.id}`;
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, tr('web-new-plan-from-file')),
  h('p', { class: 'muted' }, tr('web-case-file-help')),
  h('label', { class: 'field' }, h('span', {}, tr('web-case-file')), file), h('button', { type: 'submit' }, tr('web-create-plan')), out);
}

const docType = (mime) => (String(mime).startsWith('text/html') ? 'HTML' : String(mime).startsWith('application/pdf') ? 'PDF' : mime);
const docKind = (kind) => (kind === 'plan_report' ? tr('web-doc-plan-report') : kind);

/** The documents of a case (stored plan reports, ...) with their download links. */
async function documentsPanel(caseId) {
  const panel = h('div', { class: 'panel', 'data-testid': 'documents-panel' }, h('h2', {}, tr('web-documents')));
  try {
    /** @type {Reply<Answer<'/api/cases/{id}/documents', 'get'>>} */
    const answer = await api('GET', `/api/cases/${caseId}/documents`);
    const docs = answer.data.documents;
    const rows = docs.map((d) => [docKind(d.kind), d.plan_id ? h('a', { href: `#/plans/${d.plan_id}` }, `v${d.plan_version ?? '?'}`) : '—', docType(d.mime),
      qty(d.size_bytes / 1024, 1, tr('web-unit-kb')), h('span', { class: 'diff', title: d.sha256 }, `${d.sha256.slice(0, 16)}…`), `${d.created_by || '—'} · ${when(d.created_at)}`,
      h('a', { href: d.download, download: '', 'data-testid': `download-doc-${d.id}` }, tr('web-download'))]);
    panel.append(rows.length ? table([tr('web-document'), tr('web-plan'), tr('web-type'), tr('web-size'), 'SHA-256', tr('web-stored'), ''], rows, { num: [3], testid: 'documents' })
      : h('p', { class: 'muted' }, tr('web-no-document')));
  } catch (e) { panel.append(errorBox(e)); }
  return panel;
}

function caseTabs(id, active) {
  return h('div', { class: 'tabs' },
    h('a', { href: `#/cases/${id}`, class: active === 'case' ? 'active' : null }, tr('web-tab-case')),
    h('a', { href: `#/cases/${id}/planning`, class: active === 'planning' ? 'active' : null, 'data-testid': 'tab-planning' }, tr('web-wb-tab')),
    h('a', { href: `#/cases/${id}/followup`, class: active === 'followup' ? 'active' : null, 'data-testid': 'tab-followup' }, tr('web-tab-follow-up')));
}

// ------------------------------------------------------------------------------ planning from images

/** @typedef {Answer<'/api/cases/{id}/workbench', 'get'>} WorkbenchAnswer */
/** @typedef {Schemas['Draft']} Draft */

/** The Content-Type of an image upload, from the file's name (docs/server.md, "Image uploads"). @param {string} name */
const uploadType = (name) => (/\.zip$/i.test(name) ? 'application/zip' : /\.nii(\.gz)?$/i.test(name) ? 'application/gzip' : 'application/dicom');

/** The upload form of the patient page: a zip of a DICOM folder, one DICOM file or a NIfTI file. @param {number} patientId */
function uploadForm(patientId) {
  const file = h('input', { type: 'file', accept: '.zip,.dcm,.nii,.gz', required: true, 'data-testid': 'upload-file' });
  const modality = h('select', { 'data-testid': 'upload-modality', title: tr('web-wb-upload-modality-hint') },
    ['CT', 'NM', 'PT', 'MR', 'SEG', 'OT'].map((m) => h('option', { value: m }, m)));
  const out = h('div', { 'data-testid': 'upload-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'upload-submit' }, tr('web-wb-upload'));
  return h('form', { class: 'panel', 'data-testid': 'upload-form', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    const f = file.files && file.files[0];
    if (!f) return;
    button.disabled = true;
    out.append(h('p', { class: 'muted' }, tr('web-wb-uploading', { name: f.name, size: qty(f.size / 1048576, 1, 'MB') })));
    try {
      const type = uploadType(f.name);
      const q = `?filename=${encodeURIComponent(f.name)}${type === 'application/gzip' ? `&modality=${modality.value}` : ''}`;
      const r = await fetch(`/api/patients/${patientId}/studies${q}`, { method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': type, 'X-CSRF-Token': session.csrf_token, Accept: 'application/json' }, body: f });
      const data = await r.json().catch(() => null);
      if (!r.ok) throw new ApiError(r.status, data?.error?.code || String(r.status), data?.error?.message || r.statusText);
      const study = /** @type {Answer<'/api/patients/{id}/studies', 'post'>} */ (data);
      route();
      void study;
    } catch (err) { out.replaceChildren(errorBox(err)); } finally { button.disabled = false; }
  } }, h('h2', {}, tr('web-wb-upload-title')), h('p', { class: 'small muted' }, tr('web-wb-upload-help')),
  h('label', { class: 'field' }, h('span', {}, tr('web-wb-upload-file')), file),
  h('label', { class: 'field' }, h('span', {}, tr('web-wb-upload-modality')), modality), button, out);
}

/** The series of a patient's studies, with what a role needs to know. @param {Answer<'/api/patients/{id}', 'get'>['studies']} studies */
function seriesTable(studies) {
  const rows = studies.flatMap((st) => st.series.map((s) => [s.modality, s.description || '—', String(s.images),
    s.dims ? s.dims.join(' × ') : '—', s.frame_of_reference_uid ? h('span', { class: 'diff', title: s.frame_of_reference_uid }, `…${s.frame_of_reference_uid.slice(-12)}`) : '—',
    st.study_date || '—']));
  return rows.length ? table([tr('web-modality'), tr('web-description'), tr('web-wb-images'), tr('web-wb-dims'), tr('web-wb-frame'), tr('web-date')], rows, { num: [2], testid: 'series' }) : null;
}

/** The words of a role. */
const ROLE_NAMES = {
  planning_ct: () => tr('web-wb-role-planning-ct'), maa_spect: () => tr('web-wb-role-maa-spect'), maa_ct: () => tr('web-wb-role-maa-ct'),
  y90_pet: () => tr('web-wb-role-y90-pet'), pet_ct: () => tr('web-wb-role-pet-ct'), cbct: () => tr('web-wb-role-cbct'),
  structures: () => tr('web-wb-role-structures'), registration: () => tr('web-wb-role-registration'),
  pet_registration: () => tr('web-wb-role-pet-registration'),
};
/** @param {string} role */
const roleName = (role) => (ROLE_NAMES[role] ? ROLE_NAMES[role]() : role);

/**
 * Shows a refusal beside the input of the field it names (`field \`injections[0].goal\``: the input marked
 * `data-field="injections[0].goal"`, else the longest marked prefix), else in `out`.
 * @param {unknown} err @param {HTMLElement} root @param {HTMLElement} out
 */
function showPathError(err, root, out) {
  const m = err instanceof ApiError ? /field `([^`]+)`/.exec(err.message) : null;
  const box = errorBox(err);
  if (m) {
    /** @type {HTMLElement | null} */
    let best = null;
    for (const el of root.querySelectorAll('[data-field]')) {
      const f = /** @type {HTMLElement} */ (el).dataset.field || '';
      if ((m[1] === f || m[1].startsWith(`${f}.`) || m[1].startsWith(`${f}[`)) && (!best || f.length > (best.dataset.field || '').length)) best = /** @type {HTMLElement} */ (el);
    }
    if (best) {
      box.classList.add('field-error');
      box.dataset.testid = `error-${m[1]}`;
      best.append(box);
      best.scrollIntoView({ block: 'center' });
      return;
    }
  }
  out.append(box);
}

/** A labelled input bound to `obj[key]` (text; empty is null), marked with its case file field. */
function boundInput(label, obj, key, field, attrs = {}) {
  const input = h('input', { value: obj[key] ?? '', 'data-testid': `wb-${field}`, ...attrs, oninput: () => { obj[key] = input.value.trim() === '' ? null : input.value; } });
  return h('div', { 'data-field': field }, h('label', { class: 'field' }, h('span', {}, label), input));
}

/** A labelled select bound to `obj[key]`; `options` as [value, words]; `attrs.after` runs after a change. */
function boundSelect(label, obj, key, field, options, attrs = {}) {
  const { after, ...rest } = attrs;
  const sel = h('select', { 'data-testid': `wb-${field}`, ...rest, onchange: () => { obj[key] = sel.value === '' ? null : sel.value; if (after) after(); } },
    options.map(([v, words]) => h('option', { value: v }, words)));
  sel.value = obj[key] ?? '';
  return h('div', { 'data-field': field }, h('label', { class: 'field' }, h('span', {}, label), sel));
}

/** An instant's three inputs (date, time, zone). @param {string} label @param {Schemas['InstantDraft']} v @param {string} field */
function instantInputs(label, v, field) {
  const date = h('input', { type: 'date', value: v.date, 'data-testid': `wb-${field}-date`, oninput: () => { v.date = date.value; } });
  const time = h('input', { type: 'time', value: v.time, 'data-testid': `wb-${field}-time`, oninput: () => { v.time = time.value; } });
  const zone = h('input', { value: v.zone, size: 16, placeholder: 'Europe/Paris', 'data-testid': `wb-${field}-zone`, oninput: () => { v.zone = zone.value; } });
  return h('div', { 'data-field': field }, h('label', { class: 'field' }, h('span', {}, label), date, ' ', time, ' ', zone));
}

/** The dose limits of the prescription, in words. */
const LIMIT_WORDS = {
  normal_liver_max: () => tr('web-wb-limit-normal-liver-max'), perfused_max: () => tr('web-wb-limit-perfused-max'), lung_max: () => tr('web-wb-limit-lung-max'),
  whole_liver_ntad_max: () => tr('web-wb-limit-whole-liver-ntad-max'), lung_session_max: () => tr('web-wb-limit-lung-session-max'),
  lung_cumulative_max: () => tr('web-wb-limit-lung-cumulative-max'),
};

/** `#/cases/{id}/planning`: from the patient's images to a plan, step by step, saved on the server. */
async function planningPage(main, caseId) {
  /** @type {Reply<Answer<'/api/cases/{id}', 'get'>>} */
  const cr = await api('GET', `/api/cases/${caseId}`);
  const { case: c, patient: p } = cr.data;
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${p.id}` }, `${p.name} (${p.mrn})`), ' › ',
    h('a', { href: `#/cases/${caseId}` }, c.title), ` › ${tr('web-wb-crumb')}`), h('h1', {}, tr('web-wb-title')), caseTabs(caseId, 'planning'));
  let w = /** @type {WorkbenchAnswer} */ ((await api('GET', `/api/cases/${caseId}/workbench`)).data);
  /** The draft as last saved. */
  const saved = () => /** @type {Draft} */ (w.draft);
  /** @type {Draft} */
  let draft = JSON.parse(JSON.stringify(w.draft));
  const editable = can('create_plan');
  const status = h('div', { class: 'status-line', 'data-testid': 'wb-status', 'aria-live': 'polite' });
  const body = h('div');
  main.append(status, body);
  /** The structures of the structures series with their volumes (loaded on demand). @type {Schemas['StructureInfo'][] | null} */
  let structures = null;
  /** The structure editor's panel, kept across redraws while the planning CT stays. @type {{ ct: number, details: HTMLElement } | null} */
  let editorPanel = null;

  /** Saves the whole draft; `out` shows a refusal beside its field. @param {HTMLElement} root @param {HTMLElement} out */
  const save = async (root, out) => {
    out.replaceChildren(); root.querySelectorAll('.field-error').forEach((e) => e.remove());
    try {
      /** @type {Reply<WorkbenchAnswer>} */
      const r = await api('PUT', `/api/cases/${caseId}/workbench`, { revision: w.revision, draft });
      // The draft object stays (the inputs are bound to it): the server kept what was sent.
      w = r.data;
      status.textContent = tr('web-wb-saved', { revision: w.revision, who: w.updated_by || '—' });
      return true;
    } catch (err) { showPathError(err, root, out); return false; }
  };
  const render = () => body.replaceChildren(stepSeries(), stepStructures(), stepRegistration(), stepMeasurements(), stepPrescription(), stepPlan());
  const saveButton = (root, out, then) => h('button', { type: 'button', class: 'primary', disabled: !editable, 'data-testid': `wb-save-${root.dataset.step}`,
    onclick: async () => { if (await save(root, out)) { if (then) await then(); render(); } } }, tr('web-wb-save'));
  const step = (n, title, testid) => h('div', { class: 'panel', 'data-testid': testid, 'data-step': String(n) }, h('h2', {}, `${n}. ${title}`));

  /**
   * Under a refusal by a plausibility or image check (`[[accepted]] what = "lungs.mass"`), a button that
   * adds the check to the accepted exceptions, with the reason to type (step 4).
   * @param {unknown} err @param {HTMLElement} out
   */
  const acceptOffer = (err, out) => {
    const what = err instanceof ApiError ? /what = "([^"]+)"/.exec(err.message) : null;
    if (!what || !editable || draft.accepted.some((a) => a.what === what[1])) return;
    out.append(h('button', { type: 'button', 'data-testid': `wb-accept-${what[1]}`, onclick: () => {
      draft.accepted.push({ what: what[1], reason: '' });
      render();
      /** @type {HTMLInputElement | null} */
      const input = body.querySelector(`[data-testid="wb-accept-reason-${what[1]}"]`);
      input?.scrollIntoView({ block: 'center' });
      input?.focus();
    } }, tr('web-wb-accept', { what: what[1] })));
  };

  // 1. Series per role.
  function stepSeries() {
    const root = step(1, tr('web-wb-step-series'), 'wb-step-series');
    const out = h('div');
    const st = w.series;
    root.append(st.length ? table([tr('web-modality'), tr('web-description'), tr('web-wb-images'), tr('web-wb-dims'), tr('web-wb-frame'), tr('web-date')],
      st.map((s) => [s.modality, s.description || '—', String(s.images), s.dims ? s.dims.join(' × ') : '—',
        s.frame_of_reference_uid ? h('span', { class: 'diff', title: s.frame_of_reference_uid }, `…${s.frame_of_reference_uid.slice(-12)}`) : '—', s.study_date || '—']), { num: [2], testid: 'wb-series' })
      : h('p', { class: 'muted' }, tr('web-wb-no-series'), ' ', h('a', { href: `#/patients/${p.id}` }, tr('web-wb-go-upload'))));
    for (const role of w.roles) {
      const fits = st.filter((s) => role.modalities.includes(s.modality));
      const others = st.filter((s) => !role.modalities.includes(s.modality));
      const label = (s) => `${s.modality} · ${s.description || s.path} · ${s.images} ${tr('web-wb-images').toLowerCase()}`;
      const sel = h('select', { 'data-testid': `wb-role-${role.role}`, disabled: !editable, onchange: () => { draft.roles[role.role] = sel.value ? Number(sel.value) : null; } },
        h('option', { value: '' }, role.required ? tr('web-wb-pick') : tr('web-wb-none')),
        fits.map((s) => h('option', { value: String(s.id) }, label(s))),
        others.length ? h('optgroup', { label: tr('web-wb-other-modalities') }, others.map((s) => h('option', { value: String(s.id) }, label(s)))) : null);
      sel.value = draft.roles[role.role] ? String(draft.roles[role.role]) : '';
      root.append(h('div', { 'data-field': `roles.${role.role}` }, h('label', { class: 'field' },
        h('span', {}, `${roleName(role.role)}${role.required ? ' *' : ''}`), sel, ' ', h('span', { class: 'small muted' }, role.modalities.join(' / ')))));
    }
    root.append(h('p', { class: 'small muted' }, tr('web-wb-series-help')), saveButton(root, out, async () => { structures = null; }), out);
    return root;
  }

  // 2. Structures and injections.
  function stepStructures() {
    const root = step(2, tr('web-wb-step-structures'), 'wb-step-structures');
    const out = h('div');
    const list = h('div');
    const ctId = saved().roles.planning_ct;
    if (ctId) {
      // The structure editor (static/structures.js), opened on demand: NiiVue and the CT load then;
      // it stays open across the page's redraws while the planning CT is the same, and frees its
      // WebGL context when closed.
      if (!editorPanel || editorPanel.ct !== ctId) { releaseStructureEditor(); editorPanel = { ct: ctId, details: structureEditorPanel(ctId) }; }
      root.append(editorPanel.details);
    } else if (editorPanel) { releaseStructureEditor(); editorPanel = null; }
    root.append(list);
    if (!saved().roles.planning_ct || !saved().roles.structures) {
      list.append(h('p', { class: 'muted' }, tr('web-wb-structures-need-roles')));
      return root;
    }
    const fill = () => {
      const names = (structures || []).map((s) => [s.name, `${s.name} (${qty(s.volume_ml, 1, 'mL')})`]);
      const none = [['', tr('web-wb-none')]];
      const s = draft.structures;
      list.replaceChildren(
        table([tr('web-wb-structure'), tr('web-type'), tr('web-wb-volume-ml')], (structures || []).map((x) => [x.name, x.interpreted_type || x.kind, fmt(x.volume_ml, 2)]), { num: [2], testid: 'wb-structures' }),
        h('h3', {}, tr('web-wb-organs')),
        boundSelect(tr('web-wb-liver'), s, 'liver', 'structures.liver', [...none, ...names], { disabled: !editable, after: () => fill() }),
        boundSelect(tr('web-wb-lungs'), s, 'lungs', 'structures.lungs', [...none, ...names], { disabled: !editable, after: () => fill() }),
        h('div', { 'data-field': 'structures.extrahepatic' }, h('label', { class: 'field' }, h('span', {}, tr('web-wb-extrahepatic')),
          (structures || []).filter((x) => s.extrahepatic.includes(x.name) || (x.name !== s.liver && x.name !== s.lungs
            && !s.tumours.some((t) => t.structure === x.name) && !draft.injections.some((i) => i.territory_structure === x.name)))
            .map((x) => h('label', { class: 'nowrap' }, h('input', { type: 'checkbox', checked: s.extrahepatic.includes(x.name), disabled: !editable,
            'data-testid': `wb-extrahepatic-${x.name}`, onchange: (e) => {
              s.extrahepatic = e.target.checked ? [...s.extrahepatic, x.name] : s.extrahepatic.filter((n) => n !== x.name);
            } }), ` ${x.name} `)))),
        h('h3', {}, tr('web-wb-tumours')), tumourRows(names),
        h('h3', {}, tr('web-wb-injections')), injectionRows(names),
        h('p', { class: 'small muted' }, tr('web-wb-structures-help')));
    };
    const tumourRows = (names) => {
      const box = h('div', { 'data-testid': 'wb-tumours' });
      draft.structures.tumours.forEach((t, i) => {
        box.append(h('div', { class: 'row', 'data-field': `structures.tumours[${i}]` },
          boundInput(tr('web-wb-tumour-id'), t, 'id', `structures.tumours[${i}].id`, { size: 6, disabled: !editable }),
          boundSelect(tr('web-wb-structure'), t, 'structure', `structures.tumours[${i}].structure`, names, { disabled: !editable }),
          boundInput(tr('web-wb-segment'), t, 'segment', `structures.tumours[${i}].segment`, { size: 6, disabled: !editable }),
          h('button', { type: 'button', disabled: !editable, onclick: () => { draft.structures.tumours.splice(i, 1); fill(); } }, tr('web-wb-remove'))));
      });
      const candidates = (structures || []).filter((x) => x.name !== draft.structures.liver && x.name !== draft.structures.lungs
        && !draft.structures.extrahepatic.includes(x.name) && !draft.structures.tumours.some((t) => t.structure === x.name));
      box.append(h('button', { type: 'button', disabled: !editable, 'data-testid': 'wb-add-tumour', onclick: () => {
        const next = candidates[0];
        draft.structures.tumours.push({ id: next ? next.name : `T${draft.structures.tumours.length + 1}`, structure: next ? next.name : '', segment: null, lobe: null });
        fill();
      } }, tr('web-wb-add-tumour')), ' ',
      h('button', { type: 'button', disabled: !editable || !candidates.length, 'data-testid': 'wb-add-gtv', onclick: () => {
        for (const x of candidates.filter((c) => (c.interpreted_type || '').toUpperCase() === 'GTV' || c.kind === 'segment')) draft.structures.tumours.push({ id: x.name, structure: x.name, segment: null, lobe: null });
        fill();
      } }, tr('web-wb-add-gtv')));
      return box;
    };
    const injectionRows = (names) => {
      const box = h('div', { 'data-testid': 'wb-injections' });
      draft.injections.forEach((inj, i) => {
        const f = `injections[${i}]`;
        const tumours = h('div', { 'data-field': `${f}.tumours` }, h('label', { class: 'field' }, h('span', {}, tr('web-wb-injection-tumours')),
          draft.structures.tumours.map((t) => {
            const share = inj.tumours.find((x) => x.id === t.id);
            return h('label', { class: 'nowrap' }, h('input', { type: 'checkbox', checked: !!share, disabled: !editable, 'data-testid': `wb-inj-${i}-tumour-${t.id}`,
              onchange: (e) => { inj.tumours = e.target.checked ? [...inj.tumours, { id: t.id, fraction: null }] : inj.tumours.filter((x) => x.id !== t.id); } }), ` ${t.id} `);
          })));
        box.append(h('fieldset', { 'data-field': f }, h('legend', {}, tr('web-wb-injection', { n: i + 1 })),
          h('div', { class: 'row' },
            boundInput(tr('web-wb-injection-id'), inj, 'id', `${f}.id`, { size: 6, disabled: !editable }),
            boundInput(tr('web-wb-catheter'), inj, 'label', `${f}.label`, { size: 24, disabled: !editable }),
            boundSelect(tr('web-wb-territory'), inj, 'territory', `${f}.territory`, [['whole-liver', tr('web-wb-territory-whole-liver')], ['lobar', tr('web-wb-territory-lobar')], ['segmental', tr('web-wb-territory-segmental')]], { disabled: !editable }),
            boundSelect(tr('web-wb-lobe'), inj, 'lobe', `${f}.lobe`, [['both', tr('web-wb-lobe-both')], ['right', tr('web-wb-lobe-right')], ['left', tr('web-wb-lobe-left')]], { disabled: !editable }),
            boundSelect(tr('web-wb-territory-structure'), inj, 'territory_structure', `${f}.territory_structure`, [['', tr('web-wb-territory-liver')], ...names], { disabled: !editable })),
          tumours,
          h('button', { type: 'button', disabled: !editable, onclick: () => { draft.injections.splice(i, 1); fill(); } }, tr('web-wb-remove'))));
      });
      box.append(h('button', { type: 'button', disabled: !editable, 'data-testid': 'wb-add-injection', onclick: () => {
        const first = draft.injections.length === 0;
        draft.injections.push({ id: first ? 'WL' : `I${draft.injections.length + 1}`, label: null, territory: first ? 'whole-liver' : 'lobar', lobe: first ? 'both' : 'right',
          territory_structure: null, intent: null, method: 'partition', goal: { kind: 'tumour_dose', value: '150 Gy', tumour: 'combined' },
          tumours: first ? draft.structures.tumours.map((t) => ({ id: t.id, fraction: null })) : [] });
        fill();
      } }, tr('web-wb-add-injection')));
      return box;
    };
    root.append(saveButton(root, out), out);
    if (structures) fill();
    else {
      list.append(h('p', { class: 'muted' }, tr('web-wb-loading-structures')));
      api('GET', `/api/cases/${caseId}/workbench/structures`).then((r) => {
        structures = /** @type {Answer<'/api/cases/{id}/workbench/structures', 'get'>} */ (r.data).structures; fill();
      }).catch((err) => list.replaceChildren(errorBox(err)));
    }
    return root;
  }

  /** The structure editor's panel on the planning CT `ctId`. @param {number} ctId */
  function structureEditorPanel(ctId) {
    const editor = h('div', { 'data-testid': 'se-editor' });
    const details = h('details', { class: 'panel se-panel', 'data-testid': 'se-panel', ontoggle: () => {
      if (!details.open) { releaseStructureEditor(); return; }
      if (editor.childElementCount) return;
      mountStructureEditor(editor, { caseId, ctSeriesId: ctId, editable, revision: () => w.revision,
        injections: draft.injections.map((i) => i.id), api, h, errorBox, csrf: () => (session ? session.csrf_token : ''),
        onSaved: async () => { w = /** @type {WorkbenchAnswer} */ ((await api('GET', `/api/cases/${caseId}/workbench`)).data); draft = JSON.parse(JSON.stringify(w.draft)); structures = null; render(); } });
    } }, h('summary', { 'data-testid': 'se-open' }, tr('web-seg-title')), editor);
    return details;
  }

  // 3. Registration.
  function stepRegistration() {
    const root = step(3, tr('web-wb-step-registration'), 'wb-step-registration');
    const reg = w.registration;
    const words = { incomplete: tr('web-wb-reg-incomplete'), same_frame: tr('web-wb-reg-same-frame'), registration_object: tr('web-wb-reg-object'), needed: tr('web-wb-reg-needed') };
    // The tool folded when no registration is needed (same frame) or possible yet.
    const tool = h('div', { class: 'reg-tool' });
    const folded = h('details', { class: 'panel reg-panel', 'data-testid': 'wb-registration-tool', open: reg.state === 'needed' || reg.state === 'registration_object',
      ontoggle: () => { if (!folded.open) import('./registration.js').then((m) => m.releaseRegistration()); } },
      h('summary', { 'data-testid': 'reg-summary' }, tr('web-reg-title')), tool);
    root.append(h('p', { 'data-testid': 'wb-registration-state', class: reg.state === 'needed' ? 'error' : null }, h('strong', {}, words[reg.state] || reg.state)),
      h('p', { class: 'small muted' }, reg.message), folded);
    // The registration tool (registration.js): registered, nudged and saved as a REG series picked in the draft.
    // Its view (a WebGL context) opens only when asked; the page's previous one is released.
    import('./registration.js').then(({ mountRegistration, releaseRegistration }) => { releaseRegistration(); mountRegistration(tool, { caseId, workbench: w, editable, api, h, errorBox, onSaved: (next) => {
      w = next; draft = JSON.parse(JSON.stringify(w.draft));
      status.textContent = tr('web-wb-saved', { revision: w.revision, who: w.updated_by || '—' });
      render();
    } }); }).catch((err) => tool.append(errorBox(err)));
    return root;
  }

  // 4. Measurements.
  function stepMeasurements() {
    const root = step(4, tr('web-wb-step-measurements'), 'wb-step-measurements');
    const out = h('div', { 'data-testid': 'wb-measurements' });
    const accepted = h('div', { 'data-testid': 'wb-accepted' });
    const drawAccepted = () => accepted.replaceChildren(draft.accepted.length ? h('h3', {}, tr('web-wb-accepted')) : '',
      ...draft.accepted.map((a, i) => h('div', { class: 'row', 'data-field': `accepted[${i}]` },
        h('span', { class: 'diff' }, a.what), boundInput(tr('web-wb-reason'), a, 'reason', `accepted[${i}].reason`, { size: 60, disabled: !editable, 'data-testid': `wb-accept-reason-${a.what}` }),
        h('button', { type: 'button', disabled: !editable, onclick: () => { draft.accepted.splice(i, 1); drawAccepted(); } }, tr('web-wb-remove')))));
    drawAccepted();
    const measure = async () => {
      out.replaceChildren(h('p', { class: 'muted' }, tr('web-wb-measuring')));
      try {
        /** @type {Reply<Answer<'/api/cases/{id}/workbench/measurements', 'get'>>} */
        const r = await api('GET', `/api/cases/${caseId}/workbench/measurements`);
        const m = r.data;
        const pr = m.lsf_provenance;
        const spectSeries = w.series.find((x) => pr.spect === x.path || pr.spect.startsWith(`${x.path}/`));
        out.replaceChildren(
          h('p', {}, h('span', { class: 'big', 'data-testid': 'wb-lsf' }, `LSF ${qty(100 * m.lsf, 2, '%')}`)),
          table([tr('web-wb-provenance'), ''], [
            [tr('web-wb-spect'), `${spectSeries ? spectSeries.description || spectSeries.modality : ''} (${pr.spect})`],
            [tr('web-wb-counts-in', { mask: pr.lung_mask }), `${fmt(pr.lungs.counts, 0)} · ${qty(pr.lungs.volume_ml, 1, 'mL')}`],
            [tr('web-wb-counts-in', { mask: pr.liver_mask }), `${fmt(pr.liver.counts, 0)} · ${qty(pr.liver.volume_ml, 1, 'mL')}`],
            [tr('web-wb-method'), pr.method], [tr('web-wb-structures-file'), pr.structures_file]], { testid: 'wb-lsf-provenance' }),
          h('h3', {}, tr('web-wb-tnr')),
          table([tr('web-wb-tumour-id'), tr('web-injection'), 'TNR', tr('web-wb-spect-volume'), tr('web-wb-normal-region')],
            m.tnr.map((t) => [t.tumour, t.injection || '—', fmt(t.tnr, 2), fmt(t.tumour_volume_ml, 1), t.normal_region]), { num: [2, 3], testid: 'wb-tnr' }),
          h('p', { class: 'small muted' }, m.tnr_method),
          h('h3', {}, tr('web-wb-perfused')),
          table([tr('web-injection'), tr('web-wb-volume-ml'), tr('web-wb-source')], m.perfused.map((v) => [v.injection, v.volume_ml === null ? '—' : fmt(v.volume_ml, 1), v.source]), { num: [1], testid: 'wb-perfused' }),
          h('ul', { class: 'small muted' }, pr.checks.map((n) => h('li', {}, n))));
      } catch (err) {
        out.replaceChildren(errorBox(err));
        acceptOffer(err, out);
      }
    };
    root.append(h('p', { class: 'small muted' }, tr('web-wb-measure-help')),
      h('button', { type: 'button', class: 'primary', 'data-testid': 'wb-measure', onclick: async () => { if (!editable || await save(root, out)) await measure(); } }, tr('web-wb-measure')),
      out, accepted);
    return root;
  }

  // 5. Prescription.
  function stepPrescription() {
    const root = step(5, tr('web-wb-step-prescription'), 'wb-step-prescription');
    const out = h('div');
    const rx = draft.prescription;
    const dis = { disabled: !editable };
    root.append(
      h('h3', {}, tr('web-wb-patient')),
      h('div', { class: 'row' },
        boundSelect(tr('web-sex'), rx, 'sex', 'patient.sex', [['', tr('web-wb-from-record', { value: sexWord(w.patient.sex) })], ['female', tr('web-sex-female')], ['male', tr('web-sex-male')], ['other', tr('web-sex-other')]], dis),
        boundInput(tr('web-wb-age'), rx, 'age', 'patient.age', { size: 4, ...dis }),
        w.patient.birth_date ? h('span', { class: 'small muted' }, tr('web-wb-age-from', { birth: w.patient.birth_date })) : null,
        boundInput(tr('web-wb-weight'), rx, 'weight', 'patient.weight', { size: 8, placeholder: 'kg', ...dis }),
        boundInput(tr('web-wb-height'), rx, 'height', 'patient.height', { size: 8, placeholder: 'm', ...dis })),
      h('div', { class: 'row' },
        boundInput(tr('web-wb-grade'), rx, 'grade', 'diagnosis.grade', { size: 4, placeholder: 'G1–G3, NEC', ...dis }),
        boundInput('Ki-67 (%)', rx, 'ki67_percent', 'diagnosis.ki67_percent', { size: 4, ...dis }),
        boundInput(tr('web-wb-primary-site'), rx, 'primary_site', 'diagnosis.primary_site', { size: 24, ...dis })),
      h('h3', {}, tr('web-wb-treatment')),
      boundSelect(tr('web-device'), rx, 'device', 'planning.device', [['', tr('web-wb-pick-device')], ...w.devices.map((d) => [d.id, `${d.name} (${d.nuclide})`])], dis),
      boundInput(tr('web-wb-residual'), rx, 'residual_fraction', 'planning.residual_fraction', { size: 8, placeholder: '%', ...dis }),
      instantInputs(tr('web-wb-treatment-instant'), rx.treatment, 'sessions[0].treatment'),
      instantInputs(tr('web-wb-mapping-instant'), rx.mapping, 'mapping.date'),
      h('div', { class: 'row' },
        boundInput(tr('web-wb-liver-density'), rx, 'liver_density', 'liver.density', { size: 16, placeholder: tr('web-wb-default', { value: '1.03 g/mL' }), ...dis }),
        boundInput(tr('web-wb-lung-density'), rx, 'lung_density', 'lungs.density', { size: 16, placeholder: tr('web-wb-default', { value: '0.3 g/mL' }), ...dis })),
      h('h3', {}, tr('web-wb-limits')),
      h('div', { class: 'row' }, Object.entries(LIMIT_WORDS).map(([k, words]) =>
        boundInput(words(), rx.limits, k, `planning.limits.${k}`, { size: 7, placeholder: 'Gy', ...dis }))),
      h('h3', {}, tr('web-wb-goals')),
      ...(draft.injections.length ? draft.injections.map((inj, i) => {
        const f = `injections[${i}]`;
        return h('fieldset', { 'data-field': f }, h('legend', {}, `${inj.id}${inj.label ? ` · ${inj.label}` : ''}`), h('div', { class: 'row' },
          boundSelect(tr('web-method'), inj, 'method', `${f}.method`, w.methods.map((x) => [x, x]), dis),
          boundSelect(tr('web-wb-intent'), inj, 'intent', `${f}.intent`, [['', tr('web-wb-intent-default')], ['whole-liver', 'whole-liver'], ['lobar', 'lobar'], ['segmentectomy', 'segmentectomy'], ['lobectomy', 'lobectomy']], dis),
          boundSelect(tr('web-wb-goal'), inj.goal, 'kind', `${f}.goal`, [['tumour_dose', tr('web-wb-goal-tumour-dose')], ['perfused_dose', tr('web-wb-goal-perfused-dose')], ['activity', tr('web-wb-goal-activity')], ['maximum', tr('web-wb-goal-maximum')], ['formula', tr('web-wb-goal-formula')]], dis),
          boundInput(tr('web-wb-goal-value'), inj.goal, 'value', `${f}.goal.value`, { size: 9, placeholder: 'Gy / GBq', ...dis }),
          boundInput(tr('web-wb-goal-tumour'), inj.goal, 'tumour', `${f}.goal.tumour`, { size: 9, placeholder: tr('web-wb-default', { value: 'combined' }), ...dis })),
        h('div', { class: 'row' }, inj.tumours.map((s, j) => boundInput(tr('web-wb-share', { id: s.id }), s, 'fraction', `${f}.tumours[${j}].fraction`, { size: 10, placeholder: tr('web-wb-all'), ...dis }))));
      }) : [h('p', { class: 'muted' }, tr('web-wb-no-injection'))]),
      saveButton(root, out), out);
    return root;
  }

  // 6. The plan.
  function stepPlan() {
    const root = step(6, tr('web-wb-step-plan'), 'wb-step-plan');
    const out = h('div', { 'data-testid': 'wb-plan-result' });
    const button = h('button', { type: 'button', class: 'primary', disabled: !can('create_plan'), 'data-testid': 'wb-make-plan', onclick: async () => {
      button.disabled = true;
      out.replaceChildren(h('p', { class: 'muted' }, tr('web-wb-planning')));
      try {
        if (!(await save(body, out))) return;
        /** @type {Reply<Answer<'/api/cases/{id}/workbench/plan', 'post'>>} */
        const r = await api('POST', `/api/cases/${caseId}/workbench/plan`, { revision: w.revision });
        location.hash = `#/plans/${r.data.id}`;
      } catch (err) { out.replaceChildren(); showPathError(err, body, out); acceptOffer(err, out); } finally { button.disabled = !can('create_plan'); }
    } }, tr('web-wb-make-plan'));
    root.append(h('p', { class: 'small muted' }, tr('web-wb-plan-help')), button,
      ...(w.plan_id ? [h('p', {}, h('a', { href: `#/plans/${w.plan_id}`, 'data-testid': 'wb-last-plan' }, tr('web-wb-last-plan')))] : []), out);
    return root;
  }

  status.textContent = w.revision ? tr('web-wb-saved', { revision: w.revision, who: w.updated_by || '—' }) : tr('web-wb-not-saved');
  render();
}

// -------------------------------------------------------------------------------------- plan workspace

const GBQ_PER_MCI = 0.037; // 1 mCi = 37 MBq (definition of the curie)

function activityCells(gbq) {
  return [fmt(gbq, 3), fmt(gbq / GBQ_PER_MCI, 1)];
}

/** @param {PlanResult} result */
function injectionTable(result) {
  const rows = result.injections.map((j) => {
    /** @type {Partial<WithOrderedVial>} */
    const w = j.with_ordered_vial || {};
    const tumours = (w.tumour_gy || j.tumour_gy || []).map((t) => h('div', { class: 'nowrap' }, `${t.id}\u00a0${fmt(t.gy, 0)}`));
    const tum = tumours.length ? h('div', {}, tumours) : '—';
    const act = j.prescribed_activity_gbq;
    return [
      h('b', {}, j.id), j.label || '—', `${j.device} · ${j.method}`, h('span', { 'data-testid': `activity-${j.id}` }, fmt(act, 3)), fmt(act === null ? null : act / GBQ_PER_MCI, 1),
      ...(w.administered_activity_gbq !== undefined ? activityCells(w.administered_activity_gbq) : ['—', '—']),
      fmt(w.perfused_gy ?? j.perfused_gy, 1), fmt(w.normal_liver_gy ?? j.normal_liver_gy, 1), tum, fmt(w.lung_gy ?? j.lung_gy, 2),
      constraintWords(j.binding_constraint_text) || j.status || '—',
    ];
  });
  return table([tr('web-injection'), tr('web-catheter'), tr('web-device-method'), tr('web-prescribed-gbq'), 'mCi', tr('web-with-vial-gbq'), 'mCi', tr('web-perfused-gy'), tr('web-normal-liver-gy'), tr('web-tumours-gy'), tr('web-lung-gy'), tr('web-bound-by')], rows, { num: [3, 4, 5, 6, 7, 8, 10], testid: 'activity-table', wide: true });
}

/** @param {PlanResult} result */
function sessionTable(result) {
  // The lung limits were set on K · A · LSF / 1 kg: that dose is decisive, the one with the lung
  // mass used is shown beside it. A whole-liver NTAD that cannot be evaluated says so.
  return table([tr('web-session'), tr('web-treatment'), tr('web-extent'), tr('web-lung-gy-1kg'), tr('web-cumulative-lung-gy-1kg'), tr('web-lung-gy-mass-used'), tr('web-whole-liver-ntad-gy')],
    result.sessions.map((s) => [s.id, when(s.treatment), extentWord(s.extent), fmt(s.lung_gy_1kg_convention, 2),
      fmt(s.cumulative_lung_gy_1kg_convention, 2), fmt(s.lung_gy, 2),
      s.ntad_not_evaluable ? h('span', { title: s.ntad_not_evaluable }, tr('web-not-evaluable')) : fmt(s.whole_liver_ntad_gy, 1)]),
    { num: [3, 4, 5, 6], wide: true });
}

/** @param {PlanResult} result */
function vialTable(result) {
  const rows = result.injections.filter((j) => j.vial_order).map((j) => {
    const v = j.vial_order;
    return [j.id, `${v.vials ?? '—'} × ${qty(v.vial_activity_at_calibration_gbq, 2, 'GBq')}`, when(v.calibration), fmt(v.activity_at_injection_gbq ?? v.required_at_injection_gbq, 3), fmt(v.deviation_percent, 1), when(v.exact_instant)];
  });
  return rows.length ? table([tr('web-injection'), tr('web-vials'), tr('web-calibration'), tr('web-at-injection-gbq'), tr('web-deviation-percent'), tr('web-exact-instant')], rows, { num: [3, 4], wide: true }) : h('p', { class: 'muted' }, tr('web-no-vial-order'));
}

/** Failed checks first, then warnings, passes and information (the order a reviewer reads). */
const STATUS_ORDER = { fail: 0, warn: 1, not_evaluated: 2, pass: 3, info: 4 };

/** A check's value as the report prints it: yes/no for a flag, else the number and its unit. @param {PlanCheck} c */
function checkValue(c) {
  if (typeof c.value === 'boolean') return c.value ? tr('common-yes') : tr('common-no');
  return withUnit(fmt(c.value, 2), c.unit || '');
}

/**
 * The checks with their basis (partition, voxel, delivered): where each value comes from.
 * @param {{ checks: PlanCheck[] }} result @param {string} [testid]
 */
function checksTable(result, testid = 'checks') {
  const checks = result.checks.slice().sort((a, b) => (STATUS_ORDER[a.status] ?? 5) - (STATUS_ORDER[b.status] ?? 5));
  const counts = {};
  for (const c of checks) counts[c.status] = (counts[c.status] || 0) + 1;
  const summary = h('p', { class: 'small', 'data-testid': `${testid}-summary` }, Object.entries(counts).map(([k, n]) => h('span', {}, badge(k), ` ${n}  `)));
  const rows = checks.map((c) => [badge(c.status), subjectWords(c.subject), ruleTitle(c.title), h('span', { title: c.values_from }, basisWord(c.basis)), checkValue(c), limitText(c.comparison, c.threshold_written), h('span', { class: 'small' }, c.source), h('span', { class: 'small muted' }, c.evidence)]);
  return h('div', {}, summary, table(['', tr('web-subject'), tr('web-check'), tr('web-basis'), tr('web-value'), tr('web-limit'), tr('web-source'), tr('web-evidence')], rows, { num: [4], testid }));
}

/**
 * The voxel sections of the plan's report (sirt-report's document blocks, as the report and
 * `sirtplan plan` print them): per-structure mean, D70, D90, partition vs voxel; the PET
 * verification. Each block is an object with one key naming its kind.
 * @param {ReportBlock[]} blocks
 */
function reportBlocks(blocks) {
  const out = h('div', { class: 'report-blocks', 'data-testid': 'voxel-tables' });
  for (const b of blocks) {
    if (b.heading) {
      // The part's own title is the panel's; session headings become sub-headings.
      if (b.heading[0] > 1) out.append(h('h3', {}, b.heading[1]));
    } else if (b.table) {
      const num = b.table.align.map((a, i) => (a === 'right' ? i : -1)).filter((i) => i >= 0);
      out.append(table(b.table.headers, b.table.rows, { num, wide: true }));
    } else if (b.key_values) {
      out.append(h('dl', { class: 'kv small' }, b.key_values.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])));
    } else if (b.para !== undefined) {
      out.append(h('p', { class: 'small muted' }, b.para));
    } else if (b.notice !== undefined) {
      out.append(h('p', { class: 'small notice' }, b.notice));
    } else if (b.list) {
      out.append(h('ul', { class: 'small' }, b.list.map((x) => h('li', {}, x))));
    }
  }
  return out;
}

/**
 * DVH plot (cumulative) from the voxel part of a plan result, as SVG built with DOM calls; each curve in
 * its structure's colour in the viewer (`structureColour`).
 * @param {Schemas['DvhCurve'][]} curves
 * @param {Schemas['ViewerStructure'][]} structures the viewer's structures, in the viewer's order
 */
function dvhPlot(curves, structures) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (t, a = {}, ...c) => { const e = document.createElementNS(NS, t); for (const [k, v] of Object.entries(a)) e.setAttribute(k, v); c.forEach((x) => e.append(x)); return e; };
  const W = 720; const H = 360; const L = 55; const B = 40; const T = 15; const R = 150;
  const maxDose = Math.max(1, ...curves.map((c) => c.dose_gy[c.dose_gy.length - 1] || 0));
  const x = (d) => L + (d / maxDose) * (W - L - R);
  const y = (v) => T + (1 - v / 100) * (H - T - B);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, 'data-testid': 'dvh' });
  for (let v = 0; v <= 100; v += 20) {
    svg.append(s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#e3e7ec' }), s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, `${v}`));
  }
  const step = Math.pow(10, Math.floor(Math.log10(maxDose / 5)));
  const tick = [1, 2, 5, 10].map((m) => m * step).find((t) => maxDose / t <= 8) || step * 10;
  for (let d = 0; d <= maxDose; d += tick) {
    svg.append(s('line', { x1: x(d), x2: x(d), y1: T, y2: H - B, stroke: '#e3e7ec' }), s('text', { x: x(d), y: H - B + 15, 'text-anchor': 'middle', 'font-size': 11 }, fmt(d, tick < 1 ? Math.ceil(-Math.log10(tick)) : 0)));
  }
  svg.append(s('text', { x: (L + W - R) / 2, y: H - 5, 'text-anchor': 'middle', 'font-size': 12 }, tr('web-dvh-dose-axis')),
    s('text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 14 ${(T + H - B) / 2})` }, tr('web-dvh-volume-axis')));
  curves.forEach((c, i) => {
    const pts = c.dose_gy.map((d, k) => `${x(d).toFixed(1)},${y(c.volume_percent[k]).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { points: pts, fill: 'none', stroke: structureColour(c.name, structures), 'stroke-width': 1.8 }));
    svg.append(s('line', { x1: W - R + 10, x2: W - R + 30, y1: T + 10 + 16 * i, y2: T + 10 + 16 * i, stroke: structureColour(c.name, structures), 'stroke-width': 3 }),
      s('text', { x: W - R + 35, y: T + 14 + 16 * i, 'font-size': 11 }, c.name));
  });
  return svg;
}

/** Decimals of a lung shunt fraction shown in a plan's parameters when no parameter sets it
 * (design choice: a value measured on the images is kept to the last bit and planned with as
 * measured; 4 decimals, 0.01 percentage point, are far below the SPECT measurement's own
 * uncertainty and keep the field readable). */
const SHOWN_LSF_DECIMALS = 4;
/** Decimals of a TNR shown in a plan's parameters when no parameter sets it (design choice, as
 * SHOWN_LSF_DECIMALS). */
const SHOWN_TNR_DECIMALS = 3;
/** A value of the result as a parameter field shows it: rounded to `d` decimals. */
const shownValue = (/** @type {number | undefined} */ x, /** @type {number} */ d) => (x == null ? x : Number(x.toFixed(d)));

/**
 * @param {PlanView} plan
 * @param {(patch: Schemas['Parameters']) => void} onChange
 */
function paramForm(plan, onChange) {
  const result = plan.result;
  const opts = plan.options;
  const params = plan.parameters;
  const disabled = !can('edit_plan');
  const form = h('div', { class: 'params', 'data-testid': 'parameters' });
  const changed = (path) => {
    let o = params; for (const k of path) { if (!o || typeof o !== 'object' || !(k in o)) return false; o = o[k]; } return true;
  };
  const field = (label, input, path) => h('label', { class: 'field' }, h('span', {}, label, changed(path) ? ' •' : ''), input);
  const select = (values, current, path, build) => {
    const s = h('select', { disabled, 'data-param': path.join('.'), onchange: () => onChange(build(s.value === '' ? null : s.value)) },
      values.map((v) => h('option', { value: v.value }, v.label)));
    s.value = current ?? '';
    return s;
  };
  const number = (current, path, build, attrs = {}) => {
    const i = h('input', { type: 'number', value: current ?? '', disabled, 'data-param': path.join('.'), step: 'any', ...attrs });
    i.addEventListener('change', () => { const v = i.value === '' ? null : Number(i.value); onChange(build(v)); });
    return i;
  };
  for (const j of result.injections) {
    const ip = (params.injections || {})[j.id] || {};
    const wrap = (obj) => ({ injections: { [j.id]: obj } });
    const fs = h('fieldset', {}, h('legend', {}, `${tr('web-injection')} ${j.id}${j.label ? ` · ${j.label}` : ''}`));
    fs.append(field(tr('web-device'), select(opts.devices.map((d) => ({ value: d.id, label: `${d.name} (${d.nuclide})` })), ip.device ?? j.device, ['injections', j.id, 'device'], (v) => wrap({ device: v })), ['injections', j.id, 'device']));
    fs.append(field(tr('web-method'), select(opts.methods.map((m) => ({ value: m, label: m })), ip.method ?? j.method, ['injections', j.id, 'method'], (v) => wrap({ method: v })), ['injections', j.id, 'method']));
    fs.append(field(tr('web-k-convention'), select([{ value: '', label: tr('web-device-default', { k: j.k_convention }) }, ...opts.k_conventions.map((k) => ({ value: k, label: k }))], ip.k ?? '', ['injections', j.id, 'k'], (v) => wrap({ k: v })), ['injections', j.id, 'k']));
    fs.append(field(tr('web-lung-shunt'), number(ip.lsf ?? shownValue(j.lsf, SHOWN_LSF_DECIMALS), ['injections', j.id, 'lsf'], (v) => wrap({ lsf: v }), { min: 0, max: 1, step: 0.005 }), ['injections', j.id, 'lsf']));
    fs.append(field(tr('web-residual-fraction'), number(ip.residual_fraction ?? j.residual_fraction, ['injections', j.id, 'residual_fraction'], (v) => wrap({ residual_fraction: v }), { min: 0, max: 1, step: 0.01 }), ['injections', j.id, 'residual_fraction']));
    for (const t of j.tumour_gy || []) {
      const path = ['injections', j.id, 'tnr', t.id];
      fs.append(field(tr('web-tnr', { tumour: t.id }), number((ip.tnr || {})[t.id] ?? shownValue(t.tnr, SHOWN_TNR_DECIMALS), path, (v) => wrap({ tnr: { [t.id]: v } }), { min: 0, step: 0.1, 'data-testid': `tnr-${j.id}-${t.id}` }), path));
    }
    form.append(fs);
  }
  for (const s of result.sessions) {
    const sp = (params.sessions || {})[s.id] || {};
    const path = ['sessions', s.id, 'treatment'];
    const i = h('input', { type: 'text', size: 34, value: sp.treatment ?? s.treatment, disabled, 'data-param': path.join('.') });
    i.addEventListener('change', () => onChange({ sessions: { [s.id]: { treatment: i.value || null } } }));
    form.append(h('fieldset', {}, h('legend', {}, `${tr('web-session')} ${s.id}`), field(tr('web-treatment'), i, path)));
  }
  if (disabled) form.append(h('p', { class: 'small muted' }, tr('web-role-cannot-edit')));
  else if (!plan.editable) form.append(h('p', { class: 'small muted' }, tr('web-plan-frozen-edit')));
  form.append(h('p', { class: 'small muted' }, tr('web-changed-marker-help')));
  return form;
}

/**
 * The electronic signature of a workflow step (21 CFR Part 11 §11.50, §11.200): a modal dialog
 * that states what the signature means and asks for the password again. Resolves to the step's
 * body, or null when cancelled.
 * @param {string} label @param {string} meaning @param {number} rowVersion
 * @returns {Promise<{ row_version: number, password: string } | null>}
 */
function signDialog(label, meaning, rowVersion) {
  return new Promise((resolve) => {
    const pw = /** @type {HTMLInputElement} */ (h('input', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'sign-password', 'aria-label': tr('web-password') }));
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { 'data-testid': 'sign-dialog', 'aria-label': tr('web-sign-step', { step: label }) }));
    const done = (/** @type {{ row_version: number, password: string } | null} */ v) => { dlg.close(); dlg.remove(); resolve(v); };
    const form = h('form', { method: 'dialog', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); if (pw.value) done({ row_version: rowVersion, password: pw.value }); } },
      h('h2', {}, tr('web-signature-title', { step: label })),
      h('p', { 'data-testid': 'sign-meaning' }, tr('web-signature-statement', { meaning,
        signer: session ? `${session.user.display_name || session.user.username} (${session.user.username}, ${roleWord(session.user.role)})` : '—' })),
      h('label', {}, `${tr('web-password')} `, pw),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-submit' }, tr('web-sign-step', { step: meaning })),
        h('button', { type: 'button', 'data-testid': 'sign-cancel', onclick: () => done(null) }, tr('web-cancel'))));
    dlg.append(form);
    dlg.addEventListener('cancel', () => done(null));
    document.body.append(dlg);
    dlg.showModal();
    pw.focus();
  });
}

/**
 * The plan's signatures, its failed checks with their acknowledgements (an Acknowledge button
 * and a reason for each one not yet acknowledged), and the record frozen at approval.
 * @param {HTMLElement} panel @param {PlanView} plan @param {() => void} reload
 */
/** The meaning of a signature as the server records it (English), in the reader's language. */
const MEANING_WORDS = { 'checked by physicist': () => tr('web-meaning-checked'), 'approved by physician': () => tr('web-meaning-approved') };
/** @param {string} meaning */
const meaningWord = (meaning) => (MEANING_WORDS[meaning] ? MEANING_WORDS[meaning]() : meaning);

async function loadSignatures(panel, plan, reload) {
  try {
    const s = /** @type {Answer<'/api/plans/{id}/signatures', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/signatures`)).data);
    panel.append(h('h3', {}, tr('web-failed-checks')));
    if (!s.failed_checks.length) panel.append(h('p', { class: 'muted', 'data-testid': 'no-failed-checks' }, tr('web-no-failed-check')));
    const frozen = plan.state === 'approved' || plan.state === 'delivered';
    panel.append(table([tr('web-rule'), tr('web-subject'), tr('web-acknowledgement')], s.failed_checks.map((c) => {
      if (c.acknowledgement) {
        const a = c.acknowledgement;
        return [c.rule, subjectWords(c.subject), `${a.reason} — ${a.full_name} (${a.username}) · ${when(a.acknowledged_at)}`];
      }
      if (frozen || !can('edit_plan')) return [c.rule, subjectWords(c.subject), tr('web-not-acknowledged')];
      const reason = /** @type {HTMLInputElement} */ (h('input', { type: 'text', placeholder: tr('web-ack-reason-placeholder'), 'aria-label': tr('web-ack-reason-label', { rule: c.rule, subject: c.subject }), 'data-testid': `ack-reason-${c.rule}` }));
      const msg = h('span', { class: 'small' });
      const btn = h('button', { 'data-testid': `ack-${c.rule}`, onclick: async () => {
        if (!reason.value.trim()) { msg.textContent = tr('web-reason-needed'); return; }
        try {
          await api('POST', `/api/plans/${plan.id}/acknowledgements`, { rule: c.rule, subject: c.subject, reason: reason.value });
          reload();
        } catch (e) { msg.replaceChildren(errorBox(e)); }
      } }, tr('web-acknowledge'));
      return [c.rule, subjectWords(c.subject), h('span', {}, reason, ' ', btn, ' ', msg)];
    }), { testid: 'failed-checks' }));
    panel.append(h('h3', {}, tr('web-signatures')));
    if (!s.signatures.length) panel.append(h('p', { class: 'muted' }, tr('web-not-signed-yet')));
    else {
      panel.append(table([tr('web-meaning'), tr('web-signer'), tr('web-role'), tr('web-when')], s.signatures.map((g) => [meaningWord(g.meaning), `${g.full_name} (${g.username})`, roleWord(g.role), when(g.signed_at)]), { testid: 'signatures' }));
    }
    if (s.frozen) {
      const f = s.frozen;
      const out = h('span', { class: 'small', 'data-testid': 'recompute-result' });
      panel.append(h('p', { class: 'small', 'data-testid': 'frozen-record' },
        `${tr('web-frozen-record', { at: when(f.frozen_at), html: `${f.report_html_sha256.slice(0, 16)}…`,
          pdf: f.report_pdf_sha256 ? `PDF SHA-256 ${f.report_pdf_sha256.slice(0, 16)}…` : tr('web-no-pdf-printed'),
          approval: `${f.approval_sha256.slice(0, 16)}…`, engine: f.engine_id })} `,
        h('button', { 'data-testid': 'recompute', onclick: async () => {
          try {
            const d = /** @type {Answer<'/api/plans/{id}/recompute-difference', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/recompute-difference`)).data);
            out.textContent = d.summary;
          } catch (e) { out.replaceChildren(errorBox(e)); }
        } }, tr('web-compare-engine')), ' ', out));
    }
  } catch (e) { panel.append(errorBox(e)); }
}

// ------------------------------------------------------------------------------------- delivery

/** @typedef {Answer<'/api/plans/{id}/deliveries', 'get'>} DeliveryAnswer */

/** The local date and time (`YYYY-MM-DDTHH:MM`) and the zone of an instant as the server writes it
 * (`2026-03-05T10:00:00+01:00[Europe/Paris]`); the zone falls back to the offset, then to the browser's.
 * @param {string} instant @returns {{ local: string, zone: string }} */
function localParts(instant) {
  const zone = /\[([^\]]+)\]$/.exec(instant)?.[1] ?? /([+-]\d\d:\d\d|Z)$/.exec(instant.replace(/\[.*\]$/, ''))?.[1]
    ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  return { local: instant.slice(0, 16), zone };
}

/** An instant for the API from a `datetime-local` value and a zone name or offset.
 * @param {string} local @param {string} zone */
function instantOf(local, zone) {
  const z = zone.trim();
  return /^([+-]\d\d:\d\d|Z)$/.test(z) ? `${local}:00${z}` : `${local}:00[${z}]`;
}

/**
 * The delivery form of one session (replaces `window.prompt`): per injection without a record, the
 * injection instant (any time), the vial assay (activity with its unit, and instant), the residual
 * (activity and instant), the catheter position and, when the delivered activity is more than 50 % from
 * the plan's, the reason; who records it is the signed-in user. The server checks each record (422
 * naming the field): the message is shown in the form, which keeps what was typed. Resolves to the
 * answer once recorded, or null when cancelled. With `correct`, the form of a correction of that record
 * (its values to change, and the reason for the correction): a new version, the old one kept.
 * @param {PlanView} plan @param {Schemas['DeliveryRecord'] | null} [correct]
 * @returns {Promise<DeliveryAnswer | null>}
 */
async function deliveryDialog(plan, correct = null) {
  const d = /** @type {DeliveryAnswer} */ ((await api('GET', `/api/plans/${plan.id}/deliveries`)).data);
  const s = correct ? d.sessions.find((x) => x.id === correct.session_id) : d.sessions.find((x) => !x.delivered);
  if (!s) return null;
  const recorded = new Set(d.delivery.records.filter((r) => r.current).map((r) => r.injection_id));
  const todo = s.injections.filter((i) => (correct ? i.id === correct.injection_id : !recorded.has(i.id)));
  const { local, zone } = localParts(correct ? correct.administered_at : s.treatment);
  /** @param {string} text @returns {[string, string]} */
  const amount = (text) => { const m = /^\s*([0-9.eE+-]+)\s*(GBq|mCi)\s*$/.exec(text); return m ? [m[1], m[2]] : ['', 'GBq']; };
  return new Promise((resolve) => {
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { 'data-testid': 'delivery-dialog', 'aria-label': tr('web-delivery-of-session', { session: s.id }) }));
    const done = (/** @type {DeliveryAnswer | null} */ v) => { dlg.close(); dlg.remove(); resolve(v); };
    const input = (/** @type {Record<string, string>} */ attrs) => /** @type {HTMLInputElement} */ (h('input', attrs));
    const unit = (/** @type {string} */ testid) => /** @type {HTMLSelectElement} */ (h('select', { 'data-testid': testid, 'aria-label': tr('web-unit') }, h('option', { value: 'GBq' }, 'GBq'), h('option', { value: 'mCi' }, 'mCi')));
    const zoneInput = input({ type: 'text', value: zone, 'data-testid': 'delivery-zone', 'aria-label': tr('web-time-zone'), size: '16' });
    const rows = todo.map((i) => {
      const t = (/** @type {string} */ k) => `delivery-${i.id}-${k}`;
      const f = {
        injected: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('injected'), 'aria-label': tr('web-aria-injection-instant', { injection: i.id }) }),
        vial: input({ type: 'number', step: 'any', min: '0', required: 'required', 'data-testid': t('vial'), 'aria-label': tr('web-aria-vial-assay', { injection: i.id }) }),
        vialUnit: unit(t('vial-unit')),
        assayed: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('assayed'), 'aria-label': tr('web-aria-assay-instant', { injection: i.id }) }),
        residual: input({ type: 'number', step: 'any', min: '0', required: 'required', 'data-testid': t('residual'), 'aria-label': tr('web-aria-residual', { injection: i.id }) }),
        residualUnit: unit(t('residual-unit')),
        measured: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('measured'), 'aria-label': tr('web-aria-residual-instant', { injection: i.id }) }),
        catheter: input({ type: 'text', value: i.label ?? '', required: 'required', 'data-testid': t('catheter'), 'aria-label': tr('web-aria-catheter', { injection: i.id }) }),
        reason: input({ type: 'text', 'data-testid': t('reason'), 'aria-label': tr('web-aria-reason', { injection: i.id }), placeholder: tr('web-reason-placeholder') }),
      };
      const box = h('fieldset', { 'data-testid': t('fieldset') },
        h('legend', {}, tr('web-delivery-injection-legend', { injection: i.id, device: i.device, intended: qty(i.intended_gbq, 3, 'GBq') })),
        h('label', {}, `${tr('web-injected-at')} `, f.injected), ' ',
        h('div', {}, h('label', {}, `${tr('web-vial-assay-before')} `, f.vial, ' ', f.vialUnit), ' ', h('label', {}, `${tr('web-at')} `, f.assayed)),
        h('div', {}, h('label', {}, `${tr('web-residual-measured')} `, f.residual, ' ', f.residualUnit), ' ', h('label', {}, `${tr('web-at')} `, f.measured)),
        h('div', {}, h('label', {}, `${tr('web-catheter-position')} `, f.catheter)),
        h('div', {}, h('label', {}, `${tr('web-reason-delivered-far')} `, f.reason)));
      if (correct) {
        [f.vial.value, f.vialUnit.value] = amount(correct.vial_entered);
        [f.residual.value, f.residualUnit.value] = amount(correct.residual_entered);
        f.assayed.value = correct.vial_assayed_at.slice(0, 16);
        f.measured.value = correct.residual_measured_at.slice(0, 16);
        f.catheter.value = correct.catheter_position;
        f.reason.value = correct.confirm_reason ?? '';
      }
      return { i, f, box };
    });
    const why = correct ? input({ type: 'text', required: 'required', 'data-testid': 'delivery-correction-reason', 'aria-label': tr('web-correction-reason'), size: '60' }) : null;
    const msg = h('div', { class: 'small', 'data-testid': 'delivery-error', 'aria-live': 'polite' });
    const submit = async (/** @type {Event} */ e) => {
      e.preventDefault();
      const z = zoneInput.value;
      const body = {
        row_version: plan.row_version,
        session: s.id,
        treatments: rows.map(({ i, f }) => ({
          injection_id: i.id,
          administered_at: instantOf(f.injected.value, z),
          vial_activity: `${f.vial.value} ${f.vialUnit.value}`,
          vial_assayed_at: instantOf(f.assayed.value, z),
          residual: `${f.residual.value} ${f.residualUnit.value}`,
          residual_measured_at: instantOf(f.measured.value, z),
          catheter_position: f.catheter.value,
          ...(f.reason.value.trim() ? { confirm_reason: f.reason.value } : {}),
          ...(why ? { correction_reason: why.value } : {}),
        })),
      };
      try {
        const r = /** @type {Answer<'/api/plans/{id}/deliver', 'post'>} */ ((await api('POST', `/api/plans/${plan.id}/deliver`, body)).data);
        done(r);
      } catch (err) { msg.replaceChildren(errorBox(err)); }
    };
    const form = h('form', { method: 'dialog', onsubmit: submit },
      h('h2', {}, correct ? tr('web-correction-title', { injection: correct.injection_id, session: s.id, version: correct.record_version })
        : tr('web-delivery-title', { session: s.id, planned: when(s.treatment) })),
      h('p', { class: 'small', 'data-testid': 'delivery-recorder' }, tr('web-delivery-recorder', { recorder: session ? `${session.user.display_name || session.user.username} (${session.user.username}, ${roleWord(session.user.role)})` : '—' })),
      h('label', {}, `${tr('web-time-zone-of-instants')} `, zoneInput),
      ...rows.map((r) => r.box),
      ...(why ? [h('label', {}, `${tr('web-correction-reason-label')} `, why)] : []),
      msg,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'delivery-submit' }, correct ? tr('web-record-correction') : tr('web-record-session', { session: s.id })),
        h('button', { type: 'button', 'data-testid': 'delivery-cancel', onclick: () => done(null) }, tr('web-cancel'))));
    dlg.append(form);
    dlg.addEventListener('cancel', () => done(null));
    document.body.append(dlg);
    dlg.showModal();
    rows[0]?.f.vial.focus();
  });
}

/**
 * The plan's delivery: each session with its state and every record (corrected ones marked), a Correct
 * button on each record in force for the roles that record deliveries.
 * @param {HTMLElement} panel @param {PlanView} plan @param {(r: DeliveryAnswer) => void} corrected
 */
async function loadDelivery(panel, plan, corrected) {
  try {
    const d = /** @type {DeliveryAnswer} */ ((await api('GET', `/api/plans/${plan.id}/deliveries`)).data);
    panel.append(table([tr('web-session'), tr('web-planned'), tr('web-state')], d.sessions.map((s) => [s.id, when(s.treatment),
      s.delivered ? tr('web-delivered') : tr('web-not-delivered')]), { testid: 'delivery-sessions' }));
    if (!d.delivery.records.length) { panel.append(h('p', { class: 'muted' }, tr('web-no-delivery'))); return; }
    panel.append(table([tr('web-injection'), tr('web-injected'), tr('web-vial'), tr('web-residual'), tr('web-delivered-gbq-paren'), tr('web-catheter'), tr('web-recorded-by'), tr('web-version')],
      d.delivery.records.map((r) => [tr('web-injection-of-session', { injection: r.injection_id, session: r.session_id }), when(r.administered_at), r.vial_entered, r.residual_entered,
        fmt(r.delivered_activity_gbq, 4), r.catheter_position, `${r.recorded_by} · ${when(r.recorded_at)}`,
        h('span', {}, `${r.record_version}${r.current ? '' : ` (${tr('web-corrected')})`}${r.confirm_reason ? `; ${tr('web-confirmed', { reason: r.confirm_reason })}` : ''}${r.correction_reason ? `; ${tr('web-correction', { reason: r.correction_reason })}` : ''}`,
          ...(r.current && can('deliver_plan') ? [' ', h('button', { 'data-testid': `correct-${r.injection_id}`, onclick: async () => {
            try {
              const a = await deliveryDialog(plan, r);
              if (a) corrected(a);
            } catch (e) { panel.append(errorBox(e)); }
          } }, tr('web-correct'))] : []))]),
      { testid: 'delivery-records', wide: true }));
  } catch (e) { panel.append(errorBox(e)); }
}

async function planPage(main, id) {
  let plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${id}`)).data);
  const caseData = /** @type {Answer<'/api/cases/{id}', 'get'>} */ ((await api('GET', `/api/cases/${plan.case_id}`)).data);
  const p = caseData.patient;
  const head = h('div');
  const status = h('div', { class: 'status-line', 'data-testid': 'plan-status', 'aria-live': 'polite' });
  const body = h('div');
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${p.id}` }, `${p.name} (${p.mrn})`), ' › ',
    h('a', { href: `#/cases/${plan.case_id}` }, caseData.case.title), ` › ${tr('web-crumb-plan')}`), head, status, body);
  let inflight = Promise.resolve();

  const render = () => {
    head.replaceChildren(h('h1', {}, `${tr('web-plan-version', { version: plan.version })} `, badge(plan.state), h('span', { class: 'small muted', 'data-testid': 'row-version' }, ` ${tr('web-row-version', { version: plan.row_version })}`)),
      workflowBar());
    const r = plan.result;
    const left = h('div', { class: 'panel' }, h('h2', {}, tr('web-parameters')), paramForm(plan, change));
    const right = h('div');
    right.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-activity-panel')), injectionTable(r),
      h('p', { class: 'small muted' }, tr('web-activity-help'))));
    const viewerPanel = h('div', { class: 'panel', 'data-testid': 'viewer-panel' }, h('h2', {}, tr('web-images-and-dose')));
    right.append(viewerPanel);
    const dvhPanel = h('div', { class: 'panel dvh' }, h('h2', {}, tr('web-dvh-panel')));
    right.append(dvhPanel);
    const voxelPanel = h('div', { class: 'panel', 'data-testid': 'voxel-panel' }, h('h2', {}, tr('web-voxel-dosimetry')));
    right.append(voxelPanel);
    right.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-checks-panel')), checksTable(r)));
    // The plan's uncertainty and the optimisation (uncertainty.js), computed on demand.
    const uncertaintyPanel = h('div', { class: 'panel', 'data-testid': 'uncertainty-panel' }, h('h2', {}, tr('web-unc-panel')));
    right.append(uncertaintyPanel);
    import('./uncertainty.js').then((m) => m.mountUncertainty(uncertaintyPanel, { api, h, errorBox, table, badge, subjectWords, can, plan,
      applyParameters: (patch) => change(patch) })).catch((e) => uncertaintyPanel.append(errorBox(e)));
    const signPanel = h('div', { class: 'panel', 'data-testid': 'signature-panel' }, h('h2', {}, tr('web-signature-panel')));
    right.append(signPanel);
    loadSignatures(signPanel, plan, render);
    if (plan.state === 'approved' || plan.state === 'delivered') {
      const deliveryPanel = h('div', { class: 'panel', 'data-testid': 'delivery-panel' }, h('h2', {}, tr('web-delivery')));
      right.append(deliveryPanel);
      loadDelivery(deliveryPanel, plan, async (a) => {
        plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
        render();
        status.textContent = tr('web-correction-recorded', { injection: a.delivery.records[a.delivery.records.length - 1].injection_id });
      });
    }
    right.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-sessions')), sessionTable(r)));
    right.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-vial-order')), vialTable(r)));
    right.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-notes')), h('ul', {}, (r.notes || []).map((n) => h('li', {}, n)))));
    const hist = h('div', { class: 'panel' }, h('h2', {}, tr('web-history')));
    right.append(hist);
    body.replaceChildren(h('div', { class: 'workspace' }, left, right));
    loadViewer(viewerPanel, dvhPanel, voxelPanel);
    loadHistory(hist);
  };

  const loadViewer = async (panel, dvhPanel, voxelPanel) => {
    const wait = h('p', { class: 'muted' }, tr('web-computing-voxel'));
    const root = h('div');
    panel.append(wait, root);
    // While the volumes are recomputed the previous map stays on screen, with its own progress line.
    if (Viewer.keepShowing(root, plan.id)) wait.remove();
    try {
      const meta = await volumesWhenComputed(panel, (job) => {
        // The first time a line under the heading says how far the job is; later the viewer's own.
        wait.textContent = `${tr('web-computing-voxel')} ${jobProgressText(job)}`;
        wait.dataset.testid = 'voxel-job-progress';
        Viewer.progress(plan.id, job);
      });
      if (!meta) return;
      wait.remove();
      if (meta.dvh_session) dvhPanel.append(h('p', { class: 'small muted' }, tr('web-dvh-of-session', { session: meta.dvh_session })));
      const curves = meta.dvh;
      if (curves.length) dvhPanel.append(dvhPlot(curves, meta.structures));
      else dvhPanel.append(h('p', { class: 'muted' }, tr('web-no-dvh')));
      const blocks = meta.report_blocks;
      const imageChecks = /** @type {PlanCheck[]} */ (meta.image_checks);
      if (imageChecks.length) {
        voxelPanel.append(h('h3', {}, tr('web-voxel-checks')), checksTable({ checks: imageChecks }, 'image-checks'));
      }
      if (blocks.length) voxelPanel.append(reportBlocks(blocks));
      else voxelPanel.append(h('p', { class: 'muted' }, tr('web-no-voxel-no-dose')));
      await new Viewer(root, meta).load();
    } catch (e) {
      wait.remove();
      root.remove();
      const msg = e instanceof ApiError && e.code === 'no_images'
        ? tr('web-no-images') : tr('web-images-failed', { reason: e.message });
      panel.append(h('p', { class: 'muted', 'data-testid': 'no-images' }, msg));
      if (!dvhPanel.querySelector('svg,p')) dvhPanel.append(h('p', { class: 'muted' }, tr('web-no-dvh-analytic')));
      if (!voxelPanel.querySelector('table,p')) {
        const why = e instanceof ApiError && e.code === 'no_images'
          ? tr('web-no-voxel-analytic')
          : tr('web-no-voxel-because', { reason: e.message });
        voxelPanel.append(h('p', { class: 'muted', 'data-testid': 'no-voxel' }, why));
      }
    }
  };

  /**
   * Design choice: each request waits on the server up to 1 s for the job (`wait_ms`): a
   * recomputation of a fraction of a second answers as soon as it is done, and a longer one shows
   * its progress about every second.
   */
  const LISTING_WAIT_MS = 1000;

  /**
   * The plan's volumes once its voxel part is computed: while the server answers 202 (a background
   * job computes it) `onProgress` gets the job's state and the page asks again after `Retry-After`;
   * null when `panel` left the page meanwhile (another plan or a re-render: its own request follows).
   * @param {HTMLElement} panel
   * @param {(job: Schemas['JobAnswer']) => void} onProgress
   * @returns {Promise<VolumesAnswer | null>}
   */
  const volumesWhenComputed = async (panel, onProgress) => {
    for (;;) {
      const r = await api('GET', `/api/plans/${plan.id}/volumes?wait_ms=${LISTING_WAIT_MS}`);
      if (!panel.isConnected) return null;
      if (r.status !== 202) return /** @type {VolumesAnswer} */ (r.data);
      onProgress(/** @type {Schemas['JobAnswer']} */ (/** @type {unknown} */ (r.data)));
    }
  };

  const loadHistory = async (panel) => {
    try {
      const hs = /** @type {Answer<'/api/plans/{id}/history', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/history`)).data);
      panel.append(table([tr('web-version'), tr('web-state'), tr('web-created'), tr('web-approved')], hs.versions.map((v) => ({
        cells: [h('a', { href: `#/plans/${v.id}` }, `v${v.version}`), badge(v.state), `${v.created_by} · ${when(v.created_at)}`, v.approved_by ? `${v.approved_by} · ${when(v.approved_at)}` : '—'],
      }))));
      const edits = hs.edits.filter((e) => e.plan_id === plan.id);
      if (edits.length) {
        panel.append(h('h3', {}, tr('web-steps-of-version')), table([tr('web-when'), tr('web-who'), tr('web-action'), tr('web-changes')], edits.map((e) => [when(e.at), e.by, actionWord(e.action),
          h('span', { class: 'diff' }, e.changes.map((c) => `${c.parameter}: ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ') || (e.state_after ? `${e.state_before ? stateWord(e.state_before) : '—'} → ${stateWord(e.state_after)}` : ''))])));
      }
      for (const d of hs.diffs) {
        if (d.to_plan === plan.id) {
          panel.append(h('p', { class: 'small', 'data-testid': 'plan-diff' }, tr('web-plan-diff', { changes: d.changes.map((c) => `${c.parameter} ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ') || tr('common-none') })));
        }
      }
    } catch (e) { panel.append(errorBox(e)); }
  };

  const workflowBar = () => {
    const bar = h('div', { class: 'row no-print' });
    const step = (label, action, path, state, extra, refused) => {
      const allowed = can(action) && plan.state === state;
      bar.append(h('button', { class: allowed ? 'primary' : null, disabled: !allowed, 'data-testid': `do-${path}`,
        title: can(action) ? (plan.state === state ? '' : tr('web-only-plan-in-state', { state: stateWord(state) })) : refused,
        onclick: async () => {
          status.textContent = `${label}…`;
          try {
            const bodyJson = extra ? await extra() : { row_version: plan.row_version };
            if (!bodyJson) { status.textContent = ''; return; }
            const answer = /** @type {PlanView} */ ((await api('POST', `/api/plans/${plan.id}/${path}`, bodyJson)).data);
            plan = { ...plan, ...answer };
            plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
            status.textContent = tr('web-step-done', { step: label });
            render();
          } catch (e) { status.replaceChildren(errorBox(e)); }
        } }, label));
    };
    const role = roleWord(session.user.role);
    step(tr('web-step-check'), 'check_plan', 'check', 'draft', () => signDialog(tr('web-step-check'), tr('web-meaning-checked'), plan.row_version),
      tr('web-role-may-not-check', { role }));
    step(tr('web-step-approve'), 'approve_plan', 'approve', 'checked', () => signDialog(tr('web-step-approve'), tr('web-meaning-approved'), plan.row_version),
      tr('web-role-may-not-approve', { role }));
    const canDeliver = can('deliver_plan') && plan.state === 'approved';
    bar.append(h('button', { class: canDeliver ? 'primary' : null, disabled: !canDeliver, 'data-testid': 'do-deliver',
      title: can('deliver_plan') ? (plan.state === 'approved' ? '' : tr('web-only-approved-plan-deliver')) : tr('web-role-may-not-deliver', { role: roleWord(session.user.role) }),
      onclick: async () => {
        try {
          const r = await deliveryDialog(plan);
          if (!r) return;
          plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
          render();
          const n = r.sessions.filter((x) => x.delivered).length;
          status.textContent = r.plan.state === 'delivered' ? tr('web-delivery-recorded-all', { delivered: n, sessions: r.sessions.length })
            : tr('web-delivery-recorded', { delivered: n, sessions: r.sessions.length });
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, tr('web-record-delivery')));
    bar.append(h('a', { class: 'button', href: `#/plans/${plan.id}/report`, 'data-testid': 'open-report' }, tr('web-report')),
      h('a', { class: 'button', href: `/api/plans/${plan.id}/report.pdf`, download: `sirtplan-plan-${plan.id}-v${plan.version}.pdf`, 'data-testid': 'download-pdf' }, 'PDF'));
    if (can('store_document')) {
      bar.append(h('button', { 'data-testid': 'store-report', title: tr('web-store-report-title'), onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true; status.textContent = tr('web-storing-report');
        try {
          const r = /** @type {Answer<'/api/plans/{id}/documents/report', 'post'>} */ ((await api('POST', `/api/plans/${plan.id}/documents/report`)).data);
          const kinds = r.documents.map((d) => docType(d.mime)).join(` ${tr('web-and')} `);
          status.textContent = r.pdf_unavailable ? tr('web-report-stored-no-pdf', { version: r.plan_version, documents: kinds, reason: r.pdf_unavailable })
            : tr('web-report-stored', { version: r.plan_version, documents: kinds });
        } catch (err) { status.replaceChildren(errorBox(err)); }
        b.disabled = false;
      } }, tr('web-store-report')));
    }
    // Send to PACS (pacs.js): the approved plan's RT Dose, SEG, RT Struct and report.
    if (can('send_to_pacs') && ['approved', 'delivered'].includes(plan.state)) {
      const box = h('span', { class: 'row', 'data-testid': 'pacs-send' });
      bar.append(box);
      import('./pacs.js').then((m) => m.mountSend(box, { api, h, errorBox, table, when, planId: plan.id })).catch((e) => box.append(errorBox(e)));
    }
    if (plan.approved_by) bar.append(h('span', { class: 'small muted' }, tr('web-approved-by-at', { who: plan.approved_by, at: when(plan.approved_at), inputs: `${String(plan.inputs_sha256 || '').slice(0, 16)}…` })));
    return bar;
  };

  let pending = {};
  let timer = null;
  const change = (patch) => {
    mergeInto(pending, patch);
    clearTimeout(timer);
    timer = setTimeout(() => { const p = pending; pending = {}; inflight = inflight.then(() => send(p)); }, 150);
  };
  const send = async (patch) => {
    const t0 = performance.now();
    status.textContent = tr('web-recomputing');
    try {
      /** @type {Reply<PlanView>} */
      const r = await api('PATCH', `/api/plans/${plan.id}`, { row_version: plan.row_version, parameters: patch });
      const ms = performance.now() - t0;
      if (r.status === 201) {
        status.textContent = tr('web-new-draft-version', { version: r.data.version });
        location.hash = `#/plans/${r.data.id}`;
        return;
      }
      plan = r.data;
      render();
      status.textContent = tr('web-recomputed', { ms: fmt(ms, 0) });
    } catch (e) {
      status.replaceChildren(errorBox(e));
      if (e.status === 409) {
        status.append(h('button', { onclick: async () => { plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data); render(); status.textContent = tr('web-reloaded'); } }, tr('web-reload-plan')));
      } else {
        plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
        const keep = status.firstChild;
        render();
        status.replaceChildren(keep);
      }
    }
  };
  render();
}

function mergeInto(target, patch) {
  for (const [k, v] of Object.entries(patch)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (!target[k] || typeof target[k] !== 'object') target[k] = {};
      mergeInto(target[k], v);
    } else target[k] = v;
  }
}

async function reportPage(main, id) {
  const plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${id}`)).data);
  main.append(h('div', { class: 'small' }, h('a', { href: `#/plans/${id}` }, tr('web-back-to-plan', { version: plan.version }))),
    h('h1', {}, `${tr('web-plan-report-version', { version: plan.version })} `, badge(plan.state)),
    h('div', { class: 'row no-print' },
      h('a', { class: 'button primary', href: `/api/plans/${id}/report.pdf`, download: `sirtplan-plan-${id}-v${plan.version}.pdf`, 'data-testid': 'download-pdf' }, tr('web-download-pdf')),
      h('a', { class: 'button', href: `/api/plans/${id}/report.html`, target: '_blank', rel: 'noopener' }, tr('web-open-printable')),
      h('span', { class: 'small muted' }, tr('web-report-language-note'))),
    h('iframe', { class: 'report-frame', src: `/api/plans/${id}/report.html`, title: tr('web-doc-plan-report'), 'data-testid': 'report-frame' }));
  // The report of an approved plan is the one frozen at approval; each recorded delivery (or
  // correction) is a dated addendum stored beside it: the latest is shown, the others listed.
  if (plan.state !== 'approved' && plan.state !== 'delivered') return;
  /** @type {Reply<DeliveryAnswer>} */
  const d = await api('GET', `/api/plans/${id}/deliveries`);
  const addenda = d.data.addenda;
  if (!addenda.length) return;
  const latest = addenda[addenda.length - 1];
  const src = (/** @type {number} */ n) => `/api/plans/${id}/report/delivery?n=${n}`;
  const line = (/** @type {typeof latest} */ a) => tr('web-addendum-line', { seq: a.seq, session: a.session_id, who: a.created_by, at: when(a.created_at) });
  main.append(h('div', { class: 'panel', 'data-testid': 'addenda' },
    h('h2', {}, tr('web-delivery-addendum')),
    h('p', { class: 'small muted' }, tr('web-addendum-note')),
    h('ul', {}, ...addenda.map((a) => h('li', {}, h('a', { href: src(a.seq), target: '_blank', rel: 'noopener' }, line(a))))),
    h('iframe', { class: 'report-frame', src: src(latest.seq), title: line(latest), 'data-testid': 'delivery-addendum-frame' })));
}

// ------------------------------------------------------------------------------------------ follow-up

/** When a laboratory value was taken relative to the treatment (sirt-clinical's phases). */
const PHASE_WORDS = { before: () => tr('web-phase-before'), baseline: () => tr('web-phase-baseline'), after: () => tr('web-phase-after') };
/** @param {string} phase */
const phaseWord = (phase) => (PHASE_WORDS[phase] ? PHASE_WORDS[phase]() : phase);
/** The REILD assessment (sirt-clinical's statuses). */
const REILD_WORDS = {
  met: () => tr('web-reild-met'), possible: () => tr('web-reild-possible'), not_met: () => tr('web-reild-not-met'), not_evaluated: () => tr('web-reild-not-evaluated'),
};
/** @param {string | undefined} status */
const reildWord = (status) => (!status ? '—' : REILD_WORDS[status] ? REILD_WORDS[status]() : status);
/** New lesions at a RECIST time point (sirt-recist: no, equivocal, yes). */
const NEW_LESION_WORDS = { no: () => tr('common-no'), yes: () => tr('common-yes'), equivocal: () => tr('web-new-lesions-equivocal') };
/** @param {string | null | undefined} v */
const newLesionsWord = (v) => (!v ? '—' : NEW_LESION_WORDS[v] ? NEW_LESION_WORDS[v]() : v);

async function followUpPage(main, id) {
  const c = /** @type {Answer<'/api/cases/{id}', 'get'>} */ ((await api('GET', `/api/cases/${id}`)).data);
  const fu = /** @type {FollowUpsAnswer} */ ((await api('GET', `/api/cases/${id}/followups`)).data);
  const tx = /** @type {Answer<'/api/cases/{id}/toxicities', 'get'>} */ ((await api('GET', `/api/cases/${id}/toxicities`)).data);
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${c.patient.id}` }, `${c.patient.name} (${c.patient.mrn})`), ` › ${tr('web-crumb-case')}`),
    h('h1', {}, c.case.title), caseTabs(id, 'followup'));
  // Each of RECIST and the laboratory grading is evaluated, failed (`error`) or absent (null).
  const ra = fu.assessment;
  const a = ra && 'criteria' in ra ? ra : null;
  const recistError = ra && 'error' in ra ? ra.error : null;
  const lga = fu.labs;
  const lg = lga && !('error' in lga) ? lga : null;
  const labsError = lga && 'error' in lga ? lga.error : null;
  // CTCAE grades of each visit's values, from the graded tracks (sirt-clinical, as `sirtplan labs`).
  const byDate = {};
  for (const t of (lg && lg.tracks) || []) {
    for (const p of t.points) {
      (byDate[p.date] = byDate[p.date] || []).push({ name: t.name, value: p.value, grade: p.grade, phase: p.phase });
    }
  }
  /** @param {GradeOutcome} g */
  const gradeText = (g) => (g.status === 'graded' ? `G${g.grade}` : tr('web-not-gradable', { reason: g.reason || g.cause || g.status }));
  const labs = fu.follow_ups.map((v) => {
    const values = Object.entries(v.labs).filter(([k]) => k !== 'reference_ranges').map(([k, x]) => h('div', { class: 'small' }, `${k} ${labText(x)}`,
      v.unreadable_labs.includes(`labs.${k}`) ? h('span', { class: 'muted', 'data-testid': 'lab-unreadable' }, ` ⚠ ${tr('web-lab-unreadable')}`) : null));
    const grades = (byDate[v.visit_date] || []).map((g) => h('div', { class: 'small' }, `${g.name} (${g.value}): `, h('b', {}, gradeText(g.grade)), h('span', { class: 'muted' }, ` ${phaseWord(g.phase)}`)));
    return [v.visit_date, h('div', {}, values.length ? values : '—'), h('div', { 'data-testid': 'ctcae' }, grades.length ? grades : '—'), v.notes || ''];
  });
  main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-visits-panel')),
    labsError ? errorBox({ message: tr('web-labs-error', { reason: labsError }) }) : null,
    lg && lg.not_graded && lg.not_graded.length ? h('div', { class: 'error', role: 'alert', 'data-testid': 'labs-not-graded' }, tr('web-labs-not-graded', { values: lg.not_graded.join('; ') })) : null,
    labs.length ? table([tr('web-visit'), tr('web-labs'), tr('web-ctcae-grade'), tr('web-notes')], labs, { testid: 'visits' }) : h('p', { class: 'muted' }, tr('web-no-visit-yet'))));
  if (lg && lg.tracks) {
    const rows = lg.tracks.filter((t) => t.points.length).map((t) => [t.name, t.baseline_grade ? gradeText(t.baseline_grade) : '—',
      t.worst_after ? tr('web-worst-on-day', { grade: t.worst_after.grade, day: t.worst_after.day, value: t.worst_after.value }) : '—', t.first_worsening_day ?? '—']);
    main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-liver-toxicity')),
      h('p', { class: 'small muted' }, lg.treatment_date
        ? tr('web-day-zero', { date: lg.treatment_date, from: lg.treatment_date_from === 'the first recorded treatment' ? tr('web-day-zero-first-treatment') : lg.treatment_date_from })
        : tr('web-no-treatment-recorded')),
      table([tr('web-ctcae-term'), tr('web-baseline'), tr('web-worst-after'), tr('web-first-worsening')], rows, { testid: 'ctcae-summary' }),
      h('p', { 'data-testid': 'reild' }, `${tr('web-reild')} ${reildWord(lg.reild?.status)}`, lg.braat?.grade !== undefined && lg.braat?.grade !== null ? ` · ${tr('web-braat-grade', { grade: lg.braat.grade })}` : '')));
  }
  const tp = (a ? a.time_points : []).map((t) => [t.date, t.visit || '—', fmt(t.sum_mm, 1), t.change_from_baseline_percent === null ? '—' : fmt(t.change_from_baseline_percent, 1), t.target ?? '—', t.non_target ?? '—', newLesionsWord(t.new_lesions), h('b', {}, t.overall ?? '—')]);
  main.append(h('div', { class: 'panel' }, h('h2', {}, `${tr('web-tumour-response')}${a ? ` (${a.criteria})` : ''}`),
    recistError ? errorBox({ message: recistError }) : null,
    a ? h('p', { class: 'small muted' }, tr('web-recist-baseline', { sum: qty(a.baseline_sum_mm, 1, 'mm'), date: fu.follow_ups.find((v) => v.id === a.source_visit_id)?.visit_date ?? '—' })) : null,
    tp.length ? table([tr('web-date'), tr('web-visit'), tr('web-sum-mm'), tr('web-change-percent'), tr('web-target'), tr('web-non-target'), tr('web-new-lesions'), tr('web-overall')], tp, { num: [2, 3], testid: 'recist' }) : h('p', { class: 'muted' }, tr('web-no-recist')),
    a && a.best_overall_response ? h('p', { 'data-testid': 'bor' }, `${tr('web-best-overall-response')} `, h('b', {}, a.best_overall_response), ` (${a.best_overall_response_date})`,
      a.first_progression ? ` · ${tr('web-first-progression', { date: a.first_progression })}` : '', a.hepatic_best_overall_response ? ` · ${tr('web-hepatic-bor', { response: a.hepatic_best_overall_response })}` : '') : null));
  const tox = tx.toxicities.map((t) => [t.onset_date || '—',
    t.term_listed ? t.term : h('span', {}, t.term, h('span', { class: 'muted', 'data-testid': 'term-unlisted' }, ` ⚠ ${tr('web-term-unlisted')}`)),
    tr('web-grade-n', { grade: t.grade }), attributionWord(t.attribution), t.notes || '']);
  main.append(h('div', { class: 'panel' }, h('h2', {}, tr('web-adverse-events')), tox.length ? table([tr('web-onset'), tr('web-ctcae-term'), tr('web-grade'), tr('web-attribution'), tr('web-notes')], tox, { testid: 'toxicities' }) : h('p', { class: 'muted' }, tr('web-none-recorded'))));
  if (can('record_follow_up')) {
    // The adverse event form opens on demand, under the visit form (one date field on the page until then).
    const slot = h('div');
    const open = h('button', { type: 'button', 'data-testid': 'open-toxicity-form', onclick: () => slot.replaceChildren(toxicityForm(id, tx.terms, fu.follow_ups)) }, tr('web-record-toxicity'));
    slot.append(h('div', { class: 'panel' }, open));
    main.append(visitForm(id), slot);
  }
}

/**
 * A stored laboratory value as entered: `{value, unit}` (the number in the reader's language, the
 * unit written; the INR without unit), else (a visit recorded before values were checked) as stored.
 * @param {unknown} x
 */
function labText(x) {
  if (x && typeof x === 'object' && 'value' in x && 'unit' in x && typeof x.value === 'number' && typeof x.unit === 'string') {
    return withUnit(numeric(String(x.value)), x.unit);
  }
  return typeof x === 'object' ? JSON.stringify(x) : String(x);
}

/** The attribution of an adverse event to the treatment (NCI CTEP's five words); any other stored text as it is. */
const ATTRIBUTION_WORDS = {
  unrelated: () => tr('web-attribution-unrelated'), unlikely: () => tr('web-attribution-unlikely'), possible: () => tr('web-attribution-possible'),
  probable: () => tr('web-attribution-probable'), definite: () => tr('web-attribution-definite'),
};
/** @param {string | null | undefined} a */
const attributionWord = (a) => (!a ? '—' : ATTRIBUTION_WORDS[a] ? ATTRIBUTION_WORDS[a]() : a);

/**
 * A form's field: its label, the control and the hint under it.
 * @param {string} label @param {HTMLElement} control @param {string} [hint]
 */
const formField = (label, control, hint) => h('div', {}, h('label', { class: 'field' }, h('span', {}, label), control),
  hint ? h('div', { class: 'small muted' }, hint) : null);

/**
 * Shows a refusal next to the field its message names (`field \`labs.bilirubin\`: …` is the field
 * `labs`), else in `out`.
 * @param {unknown} err @param {Record<string, HTMLElement>} fields @param {HTMLElement} out
 */
function showFieldError(err, fields, out) {
  const m = err instanceof ApiError ? /field `([a-z_]+)/.exec(err.message) : null;
  const at = m ? fields[m[1]] : undefined;
  const box = errorBox(err);
  if (!at) { out.append(box); return; }
  box.classList.add('field-error');
  box.dataset.testid = `error-${m[1]}`;
  at.append(box);
}

/** @param {HTMLElement} form @param {HTMLElement} out */
const clearErrors = (form, out) => { out.replaceChildren(); form.querySelectorAll('.field-error').forEach((e) => e.remove()); };

function visitForm(caseId) {
  const date = h('input', { type: 'date', required: true });
  const labs = h('textarea', { rows: 4, cols: 60, 'data-testid': 'visit-labs', placeholder: '{"bilirubin": "1.9 mg/dL", "albumin": "33 g/L", "ast": "52 U/L", "inr": 1.1, "reference_ranges": {"bilirubin_uln": "1.2 mg/dL", "ast_uln": "40 U/L"}, "anticoagulated": false}' });
  const recist = h('textarea', { rows: 4, cols: 60, placeholder: tr('web-recist-placeholder') });
  const notes = h('textarea', { rows: 2, cols: 60 });
  const out = h('div');
  const fields = { visit_date: formField(tr('web-visit-date'), date), labs: formField(tr('web-labs-json'), labs, tr('web-labs-hint')),
    recist: formField('RECIST', recist), notes: formField(tr('web-notes'), notes) };
  const form = h('form', { class: 'panel', 'data-testid': 'visit-form', onsubmit: async (e) => {
    e.preventDefault(); clearErrors(form, out);
    const body = { visit_date: date.value };
    if (labs.value.trim()) {
      try { body.labs = JSON.parse(labs.value); } catch (err) {
        fields.labs.append(h('div', { class: 'error field-error', role: 'alert', 'data-testid': 'error-labs' }, tr('web-labs-not-json', { reason: String(err.message || err) })));
        return;
      }
    }
    if (recist.value.trim()) body.recist = recist.value;
    if (notes.value.trim()) body.notes = notes.value;
    try {
      await api('POST', `/api/cases/${caseId}/followups`, body);
      route();
    } catch (err) { showFieldError(err, fields, out); }
  } }, h('h2', {}, tr('web-record-visit')), Object.values(fields), h('button', { type: 'submit' }, tr('web-save-visit')), out);
  return form;
}

/**
 * The form of an adverse event: the CTCAE term from the server's list (by system organ class), the
 * grade, the visit, onset, attribution and notes; a refusal shows next to the field it names.
 * @param {number} caseId @param {{ term: string, soc: string }[]} terms @param {{ id: number, visit_date: string }[]} visits
 */
function toxicityForm(caseId, terms, visits) {
  /** @type {Map<string, string[]>} */
  const bySoc = new Map();
  for (const t of terms) bySoc.set(t.soc, [...(bySoc.get(t.soc) || []), t.term]);
  const term = h('select', { required: true, 'data-testid': 'tox-term' }, h('option', { value: '' }, tr('web-ctcae-term-choose')),
    [...bySoc].map(([soc, list]) => h('optgroup', { label: soc }, list.map((x) => h('option', { value: x }, x)))));
  const grade = h('select', { 'data-testid': 'tox-grade' }, [1, 2, 3, 4, 5].map((g) => h('option', { value: String(g) }, tr('web-grade-n', { grade: g }))));
  const visit = h('select', { 'data-testid': 'tox-visit' }, h('option', { value: '' }, tr('web-toxicity-no-visit')),
    visits.map((v) => h('option', { value: String(v.id) }, v.visit_date)));
  const onset = h('input', { type: 'date', 'data-testid': 'tox-onset' });
  const attribution = h('select', { 'data-testid': 'tox-attribution' }, h('option', { value: '' }, '—'),
    Object.keys(ATTRIBUTION_WORDS).map((a) => h('option', { value: a }, attributionWord(a))));
  const notes = h('textarea', { rows: 2, cols: 60, 'data-testid': 'tox-notes' });
  const out = h('div');
  const fields = { term: formField(tr('web-ctcae-term'), term, tr('web-ctcae-term-hint')), grade: formField(tr('web-grade'), grade),
    follow_up_id: formField(tr('web-visit'), visit), onset_date: formField(tr('web-onset'), onset),
    attribution: formField(tr('web-attribution'), attribution), notes: formField(tr('web-notes'), notes) };
  const form = h('form', { class: 'panel', 'data-testid': 'toxicity-form', onsubmit: async (e) => {
    e.preventDefault(); clearErrors(form, out);
    const body = { term: term.value, grade: Number(grade.value) };
    if (visit.value) body.follow_up_id = Number(visit.value);
    if (onset.value) body.onset_date = onset.value;
    if (attribution.value) body.attribution = attribution.value;
    if (notes.value.trim()) body.notes = notes.value;
    try {
      await api('POST', `/api/cases/${caseId}/toxicities`, body);
      route();
    } catch (err) { showFieldError(err, fields, out); }
  } }, h('h2', {}, tr('web-record-toxicity')), Object.values(fields), h('button', { type: 'submit', 'data-testid': 'save-toxicity' }, tr('web-save-toxicity')), out);
  return form;
}

// ------------------------------------------------------------------------------------------- cohort

async function cohortPage(main) {
  main.append(h('h1', {}, tr('web-nav-cohort')));
  const text = h('textarea', { rows: 8, cols: 100, 'data-testid': 'registry', placeholder: tr('web-registry-placeholder') });
  const out = h('div');
  const presets = { os: ['os_months', 'death'], pfs: ['pfs_months', 'progression'] };
  const endpoint = h('select', { onchange: () => { const p = presets[endpoint.value]; if (p) { duration.value = p[0]; event.value = p[1]; } } },
    h('option', { value: 'os' }, tr('web-overall-survival')), h('option', { value: 'pfs' }, tr('web-progression-free-survival')), h('option', { value: 'other' }, tr('web-other-columns')));
  const duration = h('input', { value: 'os_months', size: 14, title: tr('web-duration-column') });
  const event = h('input', { value: 'death', size: 12, title: tr('web-event-column') });
  const UNIT_WORDS = { months: tr('web-unit-months'), days: tr('web-unit-days'), weeks: tr('web-unit-weeks'), years: tr('web-unit-years') };
  const unit = h('select', {}, ['months', 'days', 'weeks', 'years'].map((u) => h('option', { value: u }, UNIT_WORDS[u])));
  const group = h('input', { value: 'group', size: 12, title: tr('web-group-column') });
  const run = async () => {
    out.replaceChildren();
    try {
      const r = /** @type {KmAnswer} */ ((await api('POST', '/api/cohort/km', { registry_csv: text.value, duration: duration.value, event: event.value, unit: unit.value, group: group.value || null })).data);
      const img = h('img', { alt: tr('web-km-curves'), 'data-testid': 'km', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.svg)}` });
      /** @param {TimeEstimate} m */
      const med = (m) => (m && m.status === 'reached' ? fmt(m.time, 1) : tr('web-not-reached'));
      const rows = r.groups.map((g) => [g.label, g.curve.n, g.curve.events, med(g.curve.median.median), `${med(g.curve.median.lower)} – ${med(g.curve.median.upper)}`]);
      out.append(h('div', { class: 'panel km' }, img), h('div', { class: 'panel' },
        table([tr('web-group'), 'n', tr('web-events'), tr('web-median', { unit: UNIT_WORDS[r.time_unit] ?? r.time_unit }), tr('web-ci-95')], rows, { num: [1, 2, 3], testid: 'km-table' }),
        h('p', { class: 'small muted' }, tr('web-km-note'))));
    } catch (e) { out.append(errorBox(e)); }
  };
  main.append(h('div', { class: 'panel' }, text,
    h('div', { class: 'row' }, h('label', {}, `${tr('web-endpoint')} `, endpoint), h('label', {}, `${tr('web-duration')} `, duration), h('label', {}, `${tr('web-unit')} `, unit),
      h('label', {}, `${tr('web-event')} `, event), h('label', {}, `${tr('web-group')} `, group),
      h('button', { class: 'primary', onclick: run, 'data-testid': 'estimate' }, tr('web-estimate')),
      h('button', { 'data-testid': 'load-demo-registry', onclick: async () => {
        try {
          /** @type {Reply<Answer<'/api/cohort/demo-registry', 'get'>>} */
          const r = await api('GET', '/api/cohort/demo-registry');
          text.value = r.data.registry_csv;
        } catch (e) { out.replaceChildren(errorBox(e)); }
      } }, tr('web-load-demo-registry')))), out);
}

// ------------------------------------------------------------------------------------------ accounts

const ROLES = ['admin', 'physician', 'physicist', 'technologist', 'viewer'];

/** Accounts (admins): the list with role, state and last login; change role, disable or enable,
 * set a password; create an account. The server keeps the rules (password length, last admin). */
/** One's own password: the current one, the new one twice (`POST /api/account/password`). */
function ownPasswordPage(main) {
  main.append(h('h1', {}, tr('web-own-password')));
  const input = (name, auto) => h('input', { type: 'password', name, autocomplete: auto, 'data-testid': name, required: true, minlength: 12, maxlength: 128 });
  const current = input('current-password', 'current-password');
  const next = input('new-password', 'new-password');
  const again = input('new-password-again', 'new-password');
  const out = h('div', { class: 'status-line', 'data-testid': 'password-status', 'aria-live': 'polite' });
  main.append(h('form', { class: 'panel', 'data-testid': 'own-password-form', onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    if (next.value !== again.value) { out.append(errorBox(new Error(tr('web-own-password-differ')))); return; }
    try {
      await api('POST', '/api/account/password', { current_password: current.value, new_password: next.value });
      current.value = ''; next.value = ''; again.value = '';
      out.textContent = tr('web-own-password-changed');
    } catch (err) { out.append(errorBox(err)); }
  } },
  h('p', {}, tr('web-own-password-help')),
  h('label', { class: 'field' }, h('span', {}, tr('web-own-password-current')), current),
  h('label', { class: 'field' }, h('span', {}, tr('web-own-password-new')), next),
  h('label', { class: 'field' }, h('span', {}, tr('web-own-password-again')), again),
  h('button', { type: 'submit', 'data-testid': 'own-password-submit' }, tr('web-own-password-submit')), out));
}

async function accountsPage(main) {
  main.append(h('h1', {}, tr('web-nav-accounts')));
  const status = h('div', { class: 'status-line', 'data-testid': 'accounts-status', 'aria-live': 'polite' });
  const list = h('div');
  const load = async () => {
    /** @type {Reply<Answer<'/api/users', 'get'>>} */
    const answer = await api('GET', '/api/users');
    const users = answer.data.users;
    const rows = users.map((u) => {
      const self = u.id === session.user.id;
      const why = self ? tr('web-own-account-why') : null;
      const change = async (body, done) => {
        status.replaceChildren();
        let failure = null;
        try {
          await api('PATCH', `/api/users/${u.id}`, body);
        } catch (e) { failure = e; }
        // The list first, then the message: what the message says is on screen when it shows.
        await load();
        if (failure) status.replaceChildren(errorBox(failure));
        else status.textContent = tr('web-account-changed', { username: u.username, change: done });
      };
      const role = h('select', { disabled: self, title: why, 'data-testid': `role-${u.username}`, onchange: () => change({ role: role.value }, tr('web-change-role', { role: roleWord(role.value) })) },
        ROLES.map((r) => h('option', { value: r }, roleWord(r))));
      role.value = u.role;
      const toggle = h('button', { disabled: self, title: why, 'data-testid': `toggle-${u.username}`,
        onclick: () => change({ disabled: !u.disabled }, u.disabled ? tr('web-change-enabled') : tr('web-change-disabled')) }, u.disabled ? tr('web-enable') : tr('web-disable'));
      const pw = h('input', { type: 'password', autocomplete: 'new-password', placeholder: tr('web-new-password-placeholder'), size: 20, 'data-testid': `password-${u.username}` });
      const setPw = h('button', { onclick: () => { if (pw.value) change({ password: pw.value }, tr('web-change-password')); } }, tr('web-set-password'));
      return [h('b', {}, u.username), u.display_name, role,
        h('span', { class: `badge ${u.disabled ? 'fail' : 'pass'}`, 'data-testid': `state-${u.username}` }, u.disabled ? tr('web-account-disabled') : tr('web-account-enabled')),
        when(u.created_at), when(u.last_login_at), h('div', { class: 'row' }, toggle, pw, setPw)];
    });
    list.replaceChildren(table([tr('web-username'), tr('web-display-name'), tr('web-role'), tr('web-state'), tr('web-created'), tr('web-last-login'), ''], rows, { testid: 'users' }));
  };
  main.append(h('div', { class: 'panel' }, status, list,
    h('p', { class: 'small muted' }, tr('web-accounts-help'))),
  newAccountForm(async (u) => { await load(); status.textContent = tr('web-account-created', { username: u.username, role: roleWord(u.role) }); }));
  await load();
}

/** @param {(account: Answer<'/api/users', 'post'>) => Promise<void>} onCreated */
function newAccountForm(onCreated) {
  const username = h('input', { maxlength: 64, required: true, autocomplete: 'off', pattern: '[A-Za-z0-9._\\-]+', title: tr('web-username-rule'), 'data-testid': 'new-username' });
  const display = h('input', { maxlength: 200, placeholder: tr('web-display-name-placeholder'), 'data-testid': 'new-display-name' });
  const role = h('select', { 'data-testid': 'new-role' }, ROLES.map((r) => h('option', { value: r }, roleWord(r))));
  role.value = 'viewer';
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 128, required: true, placeholder: tr('web-password-length'), 'data-testid': 'new-password' });
  const out = h('div');
  const form = h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      /** @type {Reply<Answer<'/api/users', 'post'>>} */
      const r = await api('POST', '/api/users', { username: username.value, display_name: display.value, role: role.value, password: pw.value });
      form.reset(); role.value = 'viewer';
      await onCreated(r.data);
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, tr('web-new-account')),
  h('label', { class: 'field' }, h('span', {}, tr('web-username')), username), h('label', { class: 'field' }, h('span', {}, tr('web-display-name')), display),
  h('label', { class: 'field' }, h('span', {}, tr('web-role')), role), h('label', { class: 'field' }, h('span', {}, tr('web-password')), pw),
  h('button', { type: 'submit', 'data-testid': 'create-account' }, tr('web-create-account')), out);
  return form;
}

// ------------------------------------------------------------------------------------------- router

async function route() {
  if (!session) {
    try {
      /** @type {Reply<Answer<'/api/session', 'get'>>} */
      const r = await api('GET', '/api/session');
      session = r.data;
    } catch { session = null; }
  }
  // The messages of the user's language, else of the page's (`<html lang>`: the site's language).
  const want = session ? session.language : (document.documentElement.lang || 'en');
  if (!loaded || want !== currentLang()) {
    try { await loadMessages(want); loaded = true; } catch (e) { document.body.replaceChildren(errorBox(e)); return; }
  }
  if (!session) { loginPage(); return; }
  const hash = location.hash || '#/patients';
  const parts = hash.replace(/^#\/?/, '').split('/');
  const active = ['cohort', 'accounts', 'pacs'].includes(parts[0]) ? parts[0] : 'patients';
  const main = shell(active);
  try {
    if (parts[0] === 'patients' && parts[1]) await patientPage(main, Number(parts[1]));
    else if (parts[0] === 'cases' && parts[2] === 'followup') await followUpPage(main, Number(parts[1]));
    else if (parts[0] === 'cases' && parts[2] === 'planning') await planningPage(main, Number(parts[1]));
    else if (parts[0] === 'cases' && parts[1]) await casePage(main, Number(parts[1]));
    else if (parts[0] === 'plans' && parts[2] === 'report') await reportPage(main, Number(parts[1]));
    else if (parts[0] === 'plans' && parts[1]) await planPage(main, Number(parts[1]));
    else if (parts[0] === 'cohort') await cohortPage(main);
    else if (parts[0] === 'accounts') await accountsPage(main);
    else if (parts[0] === 'pacs') await (await import('./pacs.js')).pacsPage(main, { api, h, errorBox, table, when });
    else if (parts[0] === 'password') ownPasswordPage(main);
    else await patientsPage(main);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { session = null; loginPage(tr('web-session-ended')); return; }
    main.append(errorBox(e));
  }
}

/** Whether the messages of a language are loaded. */
let loaded = false;

window.addEventListener('hashchange', route);
route();
