// @ts-check
// sirtplan web application: one page, hash routes, the JSON API of docs/server.md. Every text from the
// server is put in the page as text (textContent), never as HTML. No external resource.
// Type-checked (JSDoc, no build step) against the types generated from the OpenAPI document:
// `npm run typecheck --prefix crates/sirt-server/e2e` (see crates/sirt-server/e2e/tsconfig.json).
import { Viewer } from './viewer.js';

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
const fmt = (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '—' : Number(x).toFixed(d));
const when = (s) => (s ? String(s).replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC').replace(/\[.*\]$/, '') : '—');
const badge = (state) => h('span', { class: `badge ${state}` }, state);
const errorBox = (e) => h('div', { class: 'error', role: 'alert' }, e instanceof ApiError ? `${e.message} (${e.code})` : String(e.message || e));

function table(headers, rows, opts = {}) {
  const t = h('table', { class: opts.wide ? 'data wide' : 'data', 'data-testid': opts.testid });
  const num = new Set(opts.num || []);
  t.append(h('thead', {}, h('tr', {}, headers.map((x, i) => h('th', { class: num.has(i) ? 'num' : null }, x)))));
  const tb = h('tbody');
  for (const r of rows) {
    const cells = r.cells || r;
    const tr = h('tr', { class: r.onclick ? 'click' : null, onclick: r.onclick });
    cells.forEach((c, i) => tr.append(h('td', { class: num.has(i) ? 'num' : null }, c)));
    tb.append(tr);
  }
  t.append(tb);
  return t;
}

// ---------------------------------------------------------------------------------------------- shell

function shell(active) {
  const top = h('header', { class: 'top' },
    h('span', { class: 'brand' }, 'sirtplan', h('small', {}, 'SIRT planning & follow-up')),
    h('nav', {},
      h('a', { href: '#/patients', class: active === 'patients' ? 'active' : null }, 'Patients'),
      h('a', { href: '#/cohort', class: active === 'cohort' ? 'active' : null }, 'Cohort'),
      can('manage_accounts') ? h('a', { href: '#/accounts', class: active === 'accounts' ? 'active' : null, 'data-testid': 'nav-accounts' }, 'Accounts') : null),
    h('span', { class: 'who', 'data-testid': 'who' },
      `${session.user.display_name || session.user.username} · ${session.user.role}`,
      h('button', { onclick: logout }, 'Sign out')));
  const notice = h('div', { class: 'notice' },
    'Research use only. sirtplan is not a medical device and has no clinical clearance; every number must be checked by a qualified professional.');
  const main = h('main', { id: 'main' });
  document.body.replaceChildren(top, notice, main);
  return main;
}

async function logout() {
  try { await api('POST', '/api/logout', {}); } catch { /* already gone */ }
  session = null;
  location.hash = '#/login';
  route();
}

function loginPage(message) {
  const user = h('input', { name: 'username', autocomplete: 'username', placeholder: 'Username', 'data-testid': 'username' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', placeholder: 'Password', 'data-testid': 'password' });
  const out = h('div');
  const form = h('form', { class: 'panel login', onsubmit: async (e) => {
    e.preventDefault();
    out.replaceChildren();
    try {
      /** @type {Reply<Answer<'/api/login', 'post'>>} */
      const r = await api('POST', '/api/login', { username: user.value, password: pass.value });
      session = r.data;
      if (!location.hash || location.hash === '#/login') location.hash = '#/patients';
      route();
    } catch (err) { out.append(errorBox(err)); }
  } },
  h('h1', {}, 'sirtplan'), h('p', { class: 'muted' }, 'SIRT (radioembolization) planning and follow-up'),
  message ? h('p', {}, message) : null, user, pass,
  h('button', { class: 'primary', type: 'submit', 'data-testid': 'sign-in' }, 'Sign in'), out,
  h('p', { class: 'small muted' }, 'Research use only: not a medical device, no clinical clearance.'));
  document.body.replaceChildren(form);
  user.focus();
}

// ------------------------------------------------------------------------------------------ patients

async function patientsPage(main) {
  main.append(h('h1', {}, 'Patients'));
  const q = h('input', { type: 'search', placeholder: 'Search by MRN or name', size: 30, 'data-testid': 'patient-search' });
  const list = h('div');
  const status = h('div', { class: 'status-line' });
  const load = async () => {
    try {
      /** @type {Reply<Answer<'/api/patients', 'get'>>} */
      const r = await api('GET', `/api/patients?q=${encodeURIComponent(q.value)}&limit=200`);
      const rows = r.data.patients.map((p) => ({
        cells: [h('a', { href: `#/patients/${p.id}` }, p.mrn), p.name, p.birth_date || '—', p.sex || '—', when(p.created_at)],
        onclick: () => { location.hash = `#/patients/${p.id}`; },
      }));
      list.replaceChildren(rows.length ? table(['MRN', 'Name', 'Birth date', 'Sex', 'Created'], rows, { testid: 'patients' })
        : h('p', { class: 'muted' }, q.value ? 'No patient matches.' : 'No patient yet.'));
    } catch (e) { list.replaceChildren(errorBox(e)); }
  };
  let timer = null;
  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(load, 250); });
  const actions = h('div', { class: 'row' }, q);
  if (can('import_demo')) {
    actions.append(h('button', { class: 'primary', 'data-testid': 'import-demo', onclick: async (e) => {
      e.target.disabled = true; status.textContent = 'Importing and planning the demo case…';
      try {
        /** @type {Reply<Answer<'/api/demo/import', 'post'>>} */
        const r = await api('POST', '/api/demo/import', {});
        location.hash = `#/plans/${r.data.plan.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); e.target.disabled = false; }
    } }, 'Import demo case'));
    actions.append(h('button', { 'data-testid': 'import-phantom', onclick: async (e) => {
      e.target.disabled = true; status.textContent = 'Writing the digital phantom\'s images and planning its case…';
      try {
        /** @type {Reply<Answer<'/api/demo/import-phantom', 'post'>>} */
        const r = await api('POST', '/api/demo/import-phantom', {});
        location.hash = `#/plans/${r.data.plan.id}`;
      } catch (err) { status.replaceChildren(errorBox(err)); e.target.disabled = false; }
    } }, 'Import phantom demo (with images)'));
  }
  main.append(h('div', { class: 'panel' }, actions, status, list));
  if (can('create_patient')) main.append(newPatientForm());
  await load();
}

function newPatientForm() {
  const mrn = h('input', { name: 'mrn', maxlength: 64, required: true });
  const name = h('input', { name: 'name', maxlength: 200, required: true });
  const birth = h('input', { name: 'birth_date', type: 'date' });
  const sex = h('select', { name: 'sex' }, ['', 'female', 'male', 'other', 'unknown'].map((s) => h('option', { value: s }, s || '—')));
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
  } }, h('h2', {}, 'New patient'),
  h('label', { class: 'field' }, h('span', {}, 'MRN'), mrn), h('label', { class: 'field' }, h('span', {}, 'Name'), name),
  h('label', { class: 'field' }, h('span', {}, 'Birth date'), birth), h('label', { class: 'field' }, h('span', {}, 'Sex'), sex),
  h('label', { class: 'field', title: 'the identifier a case file or RECIST file may carry instead of the MRN' }, h('span', {}, 'Pseudonym'), pseudonym),
  h('button', { type: 'submit' }, 'Create'), out);
}

/** Changes a patient's birth date, sex and pseudonym (`PATCH /api/patients/{id}`; an empty field clears it; the MRN never changes). */
function patientRecordForm(p) {
  const birth = h('input', { name: 'birth_date', type: 'date', value: p.birth_date || '' });
  const sex = h('select', { name: 'sex' }, ['', 'female', 'male', 'other', 'unknown'].map((s) => h('option', { value: s, selected: (p.sex || '') === s }, s || '—')));
  const pseudonym = h('input', { name: 'pseudonym', maxlength: 64, value: p.pseudonym || '' });
  const out = h('div');
  return h('form', { class: 'panel', 'data-testid': 'patient-record-form', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      await api('PATCH', `/api/patients/${p.id}`, { birth_date: birth.value || null, sex: sex.value || null, pseudonym: pseudonym.value || null });
      route();
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, 'Patient record'),
  h('label', { class: 'field' }, h('span', {}, 'Birth date'), birth), h('label', { class: 'field' }, h('span', {}, 'Sex'), sex),
  h('label', { class: 'field', title: 'the identifier a case file or RECIST file may carry instead of the MRN' }, h('span', {}, 'Pseudonym'), pseudonym),
  h('button', { type: 'submit' }, 'Save'), out);
}

async function patientPage(main, id) {
  /** @type {Reply<Answer<'/api/patients/{id}', 'get'>>} */
  const r = await api('GET', `/api/patients/${id}`);
  const p = r.data.patient;
  main.append(h('h1', {}, `${p.name} `, h('span', { class: 'muted' }, `(${p.mrn})`)),
    h('div', { class: 'panel' }, `Birth date ${p.birth_date || '—'} · sex ${p.sex || '—'} · pseudonym ${p.pseudonym || '—'} · created ${when(p.created_at)}`));
  if (can('create_patient')) main.append(patientRecordForm(p));
  const cases = r.data.cases.map((c) => ({ cells: [h('a', { href: `#/cases/${c.id}` }, c.title), c.indication || '—', when(c.created_at), c.updated_by || '—'],
    onclick: () => { location.hash = `#/cases/${c.id}`; } }));
  main.append(h('div', { class: 'panel' }, h('h2', {}, 'Cases'),
    cases.length ? table(['Title', 'Indication', 'Created', 'Last changed by'], cases, { testid: 'cases' }) : h('p', { class: 'muted' }, 'No case yet.')));
  const studies = r.data.studies.map((s) => [s.modality || '—', s.description || '—', s.study_date || '—', when(s.created_at)]);
  main.append(h('div', { class: 'panel' }, h('h2', {}, 'Imaging studies'),
    studies.length ? table(['Modality', 'Description', 'Date', 'Imported'], studies) : h('p', { class: 'muted' }, 'No imported study.')));
  if (can('create_case')) {
    const title = h('input', { maxlength: 200, required: true, size: 40 });
    const ind = h('input', { maxlength: 200, size: 30, placeholder: 'e.g. NET' });
    const out = h('div');
    main.append(h('form', { class: 'panel', onsubmit: async (e) => {
      e.preventDefault(); out.replaceChildren();
      try {
        /** @type {Reply<Answer<'/api/patients/{id}/cases', 'post'>>} */
        const c = await api('POST', `/api/patients/${id}/cases`, { title: title.value, indication: ind.value });
        location.hash = `#/cases/${c.data.id}`;
      } catch (err) { out.append(errorBox(err)); }
    } }, h('h2', {}, 'New case'), h('label', { class: 'field' }, h('span', {}, 'Title'), title),
    h('label', { class: 'field' }, h('span', {}, 'Indication'), ind), h('button', { type: 'submit' }, 'Create'), out));
  }
}

// ------------------------------------------------------------------------------------------- case

async function casePage(main, id) {
  /** @type {Reply<Answer<'/api/cases/{id}', 'get'>>} */
  const r = await api('GET', `/api/cases/${id}`);
  const { case: c, patient: p } = r.data;
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${p.id}` }, `${p.name} (${p.mrn})`), ' › case'),
    h('h1', {}, c.title), caseTabs(id, 'case'));
  const plans = r.data.plans.map((x) => ({
    cells: [h('a', { href: `#/plans/${x.id}` }, `v${x.version}`), badge(x.state), `${x.created_by} · ${when(x.created_at)}`,
      x.checked_by ? `${x.checked_by} · ${when(x.checked_at)}` : '—', x.approved_by ? `${x.approved_by} · ${when(x.approved_at)}` : '—',
      x.based_on ? `v${r.data.plans.find((y) => y.id === x.based_on)?.version ?? '?'}` : '—'],
    onclick: () => { location.hash = `#/plans/${x.id}`; },
  }));
  const tl = h('ul', { class: 'timeline', 'data-testid': 'timeline' });
  tl.append(h('li', { class: 'workup' }, h('span', { class: 'at' }, when(c.created_at)), `case opened (${c.indication || 'indication not given'})`));
  for (const e of r.data.timeline) {
    const text = e.plan_id ? h('a', { href: `#/plans/${e.plan_id}` }, e.text) : e.text;
    tl.append(h('li', { class: e.kind }, h('span', { class: 'at' }, when(e.at)), text));
  }
  main.append(h('div', { class: 'row' },
    h('div', { class: 'panel grow' }, h('h2', {}, 'Plans'), plans.length ? table(['Version', 'State', 'Created', 'Checked', 'Approved', 'Based on'], plans, { testid: 'plans' }) : h('p', { class: 'muted' }, 'No plan yet.')),
    h('div', { class: 'panel', style: null }, h('h2', {}, 'Timeline'), tl)));
  const tr = r.data.treatments.map((t) => [t.injection_id, fmt(t.delivered_activity_gbq, 3), fmt(t.delivered_activity_gbq * 1000 / 37, 1), t.residual_gbq === null ? '—' : fmt(t.residual_gbq, 3), when(t.administered_at)]);
  if (tr.length) main.append(h('div', { class: 'panel' }, h('h2', {}, 'Treatments'), table(['Injection', 'Delivered GBq', 'mCi', 'Residual GBq', 'Administered'], tr, { num: [1, 2, 3] })));
  main.append(await documentsPanel(id));
  if (can('create_plan')) main.append(caseFileForm(id));
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
  } }, h('h2', {}, 'New plan from a case file'),
  h('p', { class: 'muted' }, 'The file must belong to this patient and case: [patient].id (MRN or pseudonym), sex, age, indication.'),
  h('label', { class: 'field' }, h('span', {}, 'Case file'), file), h('button', { type: 'submit' }, 'Create plan'), out);
}

const docType = (mime) => (String(mime).startsWith('text/html') ? 'HTML' : String(mime).startsWith('application/pdf') ? 'PDF' : mime);
const docKind = (kind) => (kind === 'plan_report' ? 'Plan report' : kind);

/** The documents of a case (stored plan reports, ...) with their download links. */
async function documentsPanel(caseId) {
  const panel = h('div', { class: 'panel', 'data-testid': 'documents-panel' }, h('h2', {}, 'Documents'));
  try {
    /** @type {Reply<Answer<'/api/cases/{id}/documents', 'get'>>} */
    const answer = await api('GET', `/api/cases/${caseId}/documents`);
    const docs = answer.data.documents;
    const rows = docs.map((d) => [docKind(d.kind), d.plan_id ? h('a', { href: `#/plans/${d.plan_id}` }, `v${d.plan_version ?? '?'}`) : '—', docType(d.mime),
      `${fmt(d.size_bytes / 1024, 1)} kB`, h('span', { class: 'diff', title: d.sha256 }, `${d.sha256.slice(0, 16)}…`), `${d.created_by || '—'} · ${when(d.created_at)}`,
      h('a', { href: d.download, download: '', 'data-testid': `download-doc-${d.id}` }, 'Download')]);
    panel.append(rows.length ? table(['Document', 'Plan', 'Type', 'Size', 'SHA-256', 'Stored', ''], rows, { num: [3], testid: 'documents' })
      : h('p', { class: 'muted' }, 'No document stored. "Store report in the case" on a plan keeps its report here.'));
  } catch (e) { panel.append(errorBox(e)); }
  return panel;
}

function caseTabs(id, active) {
  return h('div', { class: 'tabs' },
    h('a', { href: `#/cases/${id}`, class: active === 'case' ? 'active' : null }, 'Case & timeline'),
    h('a', { href: `#/cases/${id}/followup`, class: active === 'followup' ? 'active' : null, 'data-testid': 'tab-followup' }, 'Follow-up'));
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
    const tumours = (w.tumour_gy || j.tumour_gy || []).map((t) => h('div', { class: 'nowrap' }, `${t.id} ${fmt(t.gy, 0)}`));
    const tum = tumours.length ? h('div', {}, tumours) : '—';
    const act = j.prescribed_activity_gbq;
    return [
      h('b', {}, j.id), j.label || '—', `${j.device} · ${j.method}`, h('span', { 'data-testid': `activity-${j.id}` }, fmt(act, 3)), fmt(act === null ? null : act / GBQ_PER_MCI, 1),
      ...(w.administered_activity_gbq !== undefined ? activityCells(w.administered_activity_gbq) : ['—', '—']),
      fmt(w.perfused_gy ?? j.perfused_gy, 1), fmt(w.normal_liver_gy ?? j.normal_liver_gy, 1), tum, fmt(w.lung_gy ?? j.lung_gy, 2),
      j.binding_constraint_text || j.status || '—',
    ];
  });
  return table(['Injection', 'Catheter', 'Device · method', 'Prescribed GBq', 'mCi', 'With vial GBq', 'mCi', 'Perfused Gy', 'Normal liver Gy', 'Tumours Gy', 'Lung Gy', 'Bound by'], rows, { num: [3, 4, 5, 6, 7, 8, 10], testid: 'activity-table', wide: true });
}

/** @param {PlanResult} result */
function sessionTable(result) {
  // The lung limits were set on K · A · LSF / 1 kg: that dose is decisive, the one with the lung
  // mass used is shown beside it. A whole-liver NTAD that cannot be evaluated says so.
  return table(['Session', 'Treatment', 'Extent', 'Lung Gy (1 kg)', 'Cumulative lung Gy (1 kg)', 'Lung Gy (mass used)', 'Whole-liver NTAD Gy'],
    result.sessions.map((s) => [s.id, when(s.treatment), s.extent || '—', fmt(s.lung_gy_1kg_convention, 2),
      fmt(s.cumulative_lung_gy_1kg_convention, 2), fmt(s.lung_gy, 2),
      s.ntad_not_evaluable ? h('span', { title: s.ntad_not_evaluable }, 'not evaluable') : fmt(s.whole_liver_ntad_gy, 1)]),
    { num: [3, 4, 5, 6] });
}

/** @param {PlanResult} result */
function vialTable(result) {
  const rows = result.injections.filter((j) => j.vial_order).map((j) => {
    const v = j.vial_order;
    return [j.id, `${v.vials ?? '—'} × ${fmt(v.vial_activity_at_calibration_gbq, 2)} GBq`, when(v.calibration), fmt(v.activity_at_injection_gbq ?? v.required_at_injection_gbq, 3), fmt(v.deviation_percent, 1), when(v.exact_instant)];
  });
  return rows.length ? table(['Injection', 'Vials', 'Calibration', 'At injection GBq', 'Deviation %', 'Exact instant'], rows, { num: [3, 4] }) : h('p', { class: 'muted' }, 'No vial order.');
}

/** Failed checks first, then warnings, passes and information (the order a reviewer reads). */
const STATUS_ORDER = { fail: 0, warn: 1, not_evaluated: 2, pass: 3, info: 4 };

/** A check's value as the report prints it: yes/no for a flag, else the number and its unit. @param {PlanCheck} c */
function checkValue(c) {
  if (typeof c.value === 'boolean') return c.value ? 'yes' : 'no';
  return `${fmt(c.value, 2)} ${c.unit || ''}`;
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
  const rows = checks.map((c) => [badge(c.status), c.subject, c.title, h('span', { title: c.values_from }, c.basis), checkValue(c), `${c.comparison} ${c.threshold_written}`, h('span', { class: 'small' }, c.source), h('span', { class: 'small muted' }, c.evidence)]);
  return h('div', {}, summary, table(['', 'Subject', 'Check', 'Basis', 'Value', 'Limit', 'Source', 'Evidence'], rows, { num: [4], testid }));
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
 * DVH plot (cumulative) from the voxel part of a plan result, as SVG built with DOM calls.
 * @param {Schemas['DvhCurve'][]} curves
 */
function dvhPlot(curves) {
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
    svg.append(s('line', { x1: x(d), x2: x(d), y1: T, y2: H - B, stroke: '#e3e7ec' }), s('text', { x: x(d), y: H - B + 15, 'text-anchor': 'middle', 'font-size': 11 }, `${d}`));
  }
  svg.append(s('text', { x: (L + W - R) / 2, y: H - 5, 'text-anchor': 'middle', 'font-size': 12 }, 'Absorbed dose (Gy)'),
    s('text', { x: 14, y: (T + H - B) / 2, 'text-anchor': 'middle', 'font-size': 12, transform: `rotate(-90 14 ${(T + H - B) / 2})` }, 'Volume (%)'));
  const colours = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
  curves.forEach((c, i) => {
    const pts = c.dose_gy.map((d, k) => `${x(d).toFixed(1)},${y(c.volume_percent[k]).toFixed(1)}`).join(' ');
    svg.append(s('polyline', { points: pts, fill: 'none', stroke: colours[i % colours.length], 'stroke-width': 1.8 }));
    svg.append(s('line', { x1: W - R + 10, x2: W - R + 30, y1: T + 10 + 16 * i, y2: T + 10 + 16 * i, stroke: colours[i % colours.length], 'stroke-width': 3 }),
      s('text', { x: W - R + 35, y: T + 14 + 16 * i, 'font-size': 11 }, c.name));
  });
  return svg;
}

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
    const fs = h('fieldset', {}, h('legend', {}, `Injection ${j.id}${j.label ? ` · ${j.label}` : ''}`));
    fs.append(field('Device', select(opts.devices.map((d) => ({ value: d.id, label: `${d.name} (${d.nuclide})` })), ip.device ?? j.device, ['injections', j.id, 'device'], (v) => wrap({ device: v })), ['injections', j.id, 'device']));
    fs.append(field('Method', select(opts.methods.map((m) => ({ value: m, label: m })), ip.method ?? j.method, ['injections', j.id, 'method'], (v) => wrap({ method: v })), ['injections', j.id, 'method']));
    fs.append(field('K convention', select([{ value: '', label: `device default (${j.k_convention})` }, ...opts.k_conventions.map((k) => ({ value: k, label: k }))], ip.k ?? '', ['injections', j.id, 'k'], (v) => wrap({ k: v })), ['injections', j.id, 'k']));
    fs.append(field('Lung shunt (0–1)', number(ip.lsf ?? j.lsf, ['injections', j.id, 'lsf'], (v) => wrap({ lsf: v }), { min: 0, max: 1, step: 0.005 }), ['injections', j.id, 'lsf']));
    fs.append(field('Residual (0–1)', number(ip.residual_fraction ?? j.residual_fraction, ['injections', j.id, 'residual_fraction'], (v) => wrap({ residual_fraction: v }), { min: 0, max: 1, step: 0.01 }), ['injections', j.id, 'residual_fraction']));
    for (const t of j.tumour_gy || []) {
      const path = ['injections', j.id, 'tnr', t.id];
      fs.append(field(`TNR ${t.id}`, number((ip.tnr || {})[t.id] ?? t.tnr, path, (v) => wrap({ tnr: { [t.id]: v } }), { min: 0, step: 0.1, 'data-testid': `tnr-${j.id}-${t.id}` }), path));
    }
    form.append(fs);
  }
  for (const s of result.sessions) {
    const sp = (params.sessions || {})[s.id] || {};
    const path = ['sessions', s.id, 'treatment'];
    const i = h('input', { type: 'text', size: 34, value: sp.treatment ?? s.treatment, disabled, 'data-param': path.join('.') });
    i.addEventListener('change', () => onChange({ sessions: { [s.id]: { treatment: i.value || null } } }));
    form.append(h('fieldset', {}, h('legend', {}, `Session ${s.id}`), field('Treatment', i, path)));
  }
  if (disabled) form.append(h('p', { class: 'small muted' }, 'Your role cannot change plans.'));
  else if (!plan.editable) form.append(h('p', { class: 'small muted' }, 'This plan is frozen: a change makes a new draft version.'));
  form.append(h('p', { class: 'small muted' }, '• changed from the case file. Every change recomputes the plan on the server (the CLI\'s engine).'));
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
    const pw = /** @type {HTMLInputElement} */ (h('input', { type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'sign-password', 'aria-label': 'Password' }));
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { 'data-testid': 'sign-dialog', 'aria-label': `Sign: ${label}` }));
    const done = (/** @type {{ row_version: number, password: string } | null} */ v) => { dlg.close(); dlg.remove(); resolve(v); };
    const form = h('form', { method: 'dialog', onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); if (pw.value) done({ row_version: rowVersion, password: pw.value }); } },
      h('h2', {}, `Electronic signature: ${label}`),
      h('p', { 'data-testid': 'sign-meaning' }, `By entering your password you sign this plan version with the meaning “${meaning}”. `
        + `Signer: ${session ? `${session.user.display_name || session.user.username} (${session.user.username}, ${session.user.role})` : '—'}; the instant is recorded.`),
      h('label', {}, 'Password ', pw),
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-submit' }, `Sign: ${meaning}`),
        h('button', { type: 'button', 'data-testid': 'sign-cancel', onclick: () => done(null) }, 'Cancel')));
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
async function loadSignatures(panel, plan, reload) {
  try {
    const s = /** @type {Answer<'/api/plans/{id}/signatures', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/signatures`)).data);
    panel.append(h('h3', {}, 'Failed checks'));
    if (!s.failed_checks.length) panel.append(h('p', { class: 'muted', 'data-testid': 'no-failed-checks' }, 'No failed check.'));
    const frozen = plan.state === 'approved' || plan.state === 'delivered';
    panel.append(table(['Rule', 'Subject', 'Acknowledgement'], s.failed_checks.map((c) => {
      if (c.acknowledgement) {
        const a = c.acknowledgement;
        return [c.rule, c.subject, `${a.reason} — ${a.full_name} (${a.username}) · ${when(a.acknowledged_at)}`];
      }
      if (frozen || !can('edit_plan')) return [c.rule, c.subject, 'not acknowledged'];
      const reason = /** @type {HTMLInputElement} */ (h('input', { type: 'text', placeholder: 'reason (kept in the record)', 'aria-label': `Reason for ${c.rule} (${c.subject})`, 'data-testid': `ack-reason-${c.rule}` }));
      const msg = h('span', { class: 'small' });
      const btn = h('button', { 'data-testid': `ack-${c.rule}`, onclick: async () => {
        if (!reason.value.trim()) { msg.textContent = 'A reason is needed.'; return; }
        try {
          await api('POST', `/api/plans/${plan.id}/acknowledgements`, { rule: c.rule, subject: c.subject, reason: reason.value });
          reload();
        } catch (e) { msg.replaceChildren(errorBox(e)); }
      } }, 'Acknowledge');
      return [c.rule, c.subject, h('span', {}, reason, ' ', btn, ' ', msg)];
    }), { testid: 'failed-checks' }));
    panel.append(h('h3', {}, 'Signatures'));
    if (!s.signatures.length) panel.append(h('p', { class: 'muted' }, 'Not signed yet.'));
    else {
      panel.append(table(['Meaning', 'Signer', 'Role', 'When'], s.signatures.map((g) => [g.meaning, `${g.full_name} (${g.username})`, g.role, when(g.signed_at)]), { testid: 'signatures' }));
    }
    if (s.frozen) {
      const f = s.frozen;
      const out = h('span', { class: 'small', 'data-testid': 'recompute-result' });
      panel.append(h('p', { class: 'small', 'data-testid': 'frozen-record' },
        `Report frozen at approval (${when(f.frozen_at)}): HTML SHA-256 ${f.report_html_sha256.slice(0, 16)}…, ${f.report_pdf_sha256 ? `PDF SHA-256 ${f.report_pdf_sha256.slice(0, 16)}…` : 'no PDF printed'}; approval SHA-256 ${f.approval_sha256.slice(0, 16)}…; engine ${f.engine_id}. `,
        h('button', { 'data-testid': 'recompute', onclick: async () => {
          try {
            const d = /** @type {Answer<'/api/plans/{id}/recompute-difference', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/recompute-difference`)).data);
            out.textContent = d.summary;
          } catch (e) { out.replaceChildren(errorBox(e)); }
        } }, 'Compare with today’s engine'), ' ', out));
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
    const dlg = /** @type {HTMLDialogElement} */ (h('dialog', { 'data-testid': 'delivery-dialog', 'aria-label': `Delivery of session ${s.id}` }));
    const done = (/** @type {DeliveryAnswer | null} */ v) => { dlg.close(); dlg.remove(); resolve(v); };
    const input = (/** @type {Record<string, string>} */ attrs) => /** @type {HTMLInputElement} */ (h('input', attrs));
    const unit = (/** @type {string} */ testid) => /** @type {HTMLSelectElement} */ (h('select', { 'data-testid': testid, 'aria-label': 'Unit' }, h('option', { value: 'GBq' }, 'GBq'), h('option', { value: 'mCi' }, 'mCi')));
    const zoneInput = input({ type: 'text', value: zone, 'data-testid': 'delivery-zone', 'aria-label': 'Time zone', size: '16' });
    const rows = todo.map((i) => {
      const t = (/** @type {string} */ k) => `delivery-${i.id}-${k}`;
      const f = {
        injected: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('injected'), 'aria-label': `Injection ${i.id}: injection instant` }),
        vial: input({ type: 'number', step: 'any', min: '0', required: 'required', 'data-testid': t('vial'), 'aria-label': `Injection ${i.id}: vial assay` }),
        vialUnit: unit(t('vial-unit')),
        assayed: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('assayed'), 'aria-label': `Injection ${i.id}: assay instant` }),
        residual: input({ type: 'number', step: 'any', min: '0', required: 'required', 'data-testid': t('residual'), 'aria-label': `Injection ${i.id}: residual` }),
        residualUnit: unit(t('residual-unit')),
        measured: input({ type: 'datetime-local', value: local, required: 'required', 'data-testid': t('measured'), 'aria-label': `Injection ${i.id}: residual measured at` }),
        catheter: input({ type: 'text', value: i.label ?? '', required: 'required', 'data-testid': t('catheter'), 'aria-label': `Injection ${i.id}: catheter position` }),
        reason: input({ type: 'text', 'data-testid': t('reason'), 'aria-label': `Injection ${i.id}: reason`, placeholder: 'only when more than ±50 % from the plan' }),
      };
      const box = h('fieldset', { 'data-testid': t('fieldset') },
        h('legend', {}, `Injection ${i.id} (${i.device}; the plan intends ${fmt(i.intended_gbq, 3)} GBq)`),
        h('label', {}, 'Injected at ', f.injected), ' ',
        h('div', {}, h('label', {}, 'Vial assay before ', f.vial, ' ', f.vialUnit), ' ', h('label', {}, 'at ', f.assayed)),
        h('div', {}, h('label', {}, 'Residual measured ', f.residual, ' ', f.residualUnit), ' ', h('label', {}, 'at ', f.measured)),
        h('div', {}, h('label', {}, 'Catheter position ', f.catheter)),
        h('div', {}, h('label', {}, 'Reason (delivered more than ±50 % from the plan) ', f.reason)));
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
    const why = correct ? input({ type: 'text', required: 'required', 'data-testid': 'delivery-correction-reason', 'aria-label': 'Reason for the correction', size: '60' }) : null;
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
      h('h2', {}, correct ? `Correction of injection ${correct.injection_id} (session ${s.id}, record version ${correct.record_version})`
        : `Delivery of session ${s.id} (planned ${when(s.treatment)})`),
      h('p', { class: 'small', 'data-testid': 'delivery-recorder' }, `Recorded by ${session ? `${session.user.display_name || session.user.username} (${session.user.username}, ${session.user.role})` : '—'}; sessions are delivered one at a time, in order.`),
      h('label', {}, 'Time zone of the instants ', zoneInput),
      ...rows.map((r) => r.box),
      ...(why ? [h('label', {}, 'Reason for the correction (kept with the record; the old version is kept) ', why)] : []),
      msg,
      h('div', { class: 'row' },
        h('button', { type: 'submit', class: 'primary', 'data-testid': 'delivery-submit' }, correct ? 'Record the correction' : `Record session ${s.id}`),
        h('button', { type: 'button', 'data-testid': 'delivery-cancel', onclick: () => done(null) }, 'Cancel')));
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
    panel.append(table(['Session', 'Planned', 'State'], d.sessions.map((s) => [s.id, when(s.treatment),
      s.delivered ? 'delivered' : 'not delivered']), { testid: 'delivery-sessions' }));
    if (!d.delivery.records.length) { panel.append(h('p', { class: 'muted' }, 'No delivery recorded.')); return; }
    panel.append(table(['Injection', 'Injected', 'Vial', 'Residual', 'Delivered (GBq)', 'Catheter', 'Recorded by', 'Version'],
      d.delivery.records.map((r) => [`${r.injection_id} (session ${r.session_id})`, when(r.administered_at), r.vial_entered, r.residual_entered,
        fmt(r.delivered_activity_gbq, 4), r.catheter_position, `${r.recorded_by} · ${when(r.recorded_at)}`,
        h('span', {}, `${r.record_version}${r.current ? '' : ' (corrected)'}${r.confirm_reason ? `; confirmed: ${r.confirm_reason}` : ''}${r.correction_reason ? `; correction: ${r.correction_reason}` : ''}`,
          ...(r.current && can('deliver_plan') ? [' ', h('button', { 'data-testid': `correct-${r.injection_id}`, onclick: async () => {
            try {
              const a = await deliveryDialog(plan, r);
              if (a) corrected(a);
            } catch (e) { panel.append(errorBox(e)); }
          } }, 'Correct')] : []))]),
      { testid: 'delivery-records' }));
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
    h('a', { href: `#/cases/${plan.case_id}` }, caseData.case.title), ' › plan'), head, status, body);
  let inflight = Promise.resolve();

  const render = () => {
    head.replaceChildren(h('h1', {}, `Plan v${plan.version} `, badge(plan.state), h('span', { class: 'small muted', 'data-testid': 'row-version' }, ` row version ${plan.row_version}`)),
      workflowBar());
    const r = plan.result;
    const left = h('div', { class: 'panel' }, h('h2', {}, 'Parameters'), paramForm(plan, change));
    const right = h('div');
    right.append(h('div', { class: 'panel' }, h('h2', {}, 'Activity per injection and predicted doses'), injectionTable(r),
      h('p', { class: 'small muted' }, 'Prescribed: the activity the method gives at injection. With vial: what the ordered vials deliver (GBq and mCi, 1 mCi = 37 MBq).')));
    const viewerPanel = h('div', { class: 'panel', 'data-testid': 'viewer-panel' }, h('h2', {}, 'Images and dose'));
    right.append(viewerPanel);
    const dvhPanel = h('div', { class: 'panel dvh' }, h('h2', {}, 'Dose–volume histograms'));
    right.append(dvhPanel);
    const voxelPanel = h('div', { class: 'panel', 'data-testid': 'voxel-panel' }, h('h2', {}, 'Voxel dosimetry'));
    right.append(voxelPanel);
    right.append(h('div', { class: 'panel' }, h('h2', {}, 'Guideline and safety checks'), checksTable(r)));
    const signPanel = h('div', { class: 'panel', 'data-testid': 'signature-panel' }, h('h2', {}, 'Acknowledgements and signatures'));
    right.append(signPanel);
    loadSignatures(signPanel, plan, render);
    if (plan.state === 'approved' || plan.state === 'delivered') {
      const deliveryPanel = h('div', { class: 'panel', 'data-testid': 'delivery-panel' }, h('h2', {}, 'Delivery'));
      right.append(deliveryPanel);
      loadDelivery(deliveryPanel, plan, async (a) => {
        plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
        render();
        status.textContent = `Correction recorded: injection ${a.delivery.records[a.delivery.records.length - 1].injection_id}, a new version of its record (the old one kept).`;
      });
    }
    right.append(h('div', { class: 'panel' }, h('h2', {}, 'Sessions'), sessionTable(r)));
    right.append(h('div', { class: 'panel' }, h('h2', {}, 'Vial order'), vialTable(r)));
    right.append(h('div', { class: 'panel' }, h('h2', {}, 'Notes'), h('ul', {}, (r.notes || []).map((n) => h('li', {}, n)))));
    const hist = h('div', { class: 'panel' }, h('h2', {}, 'History'));
    right.append(hist);
    body.replaceChildren(h('div', { class: 'workspace' }, left, right));
    loadViewer(viewerPanel, dvhPanel, voxelPanel);
    loadHistory(hist);
  };

  const loadViewer = async (panel, dvhPanel, voxelPanel) => {
    const wait = h('p', { class: 'muted' }, 'Computing the voxel dosimetry for the viewer…');
    panel.append(wait);
    try {
      const meta = /** @type {VolumesAnswer} */ ((await api('GET', `/api/plans/${plan.id}/volumes`)).data);
      wait.remove();
      if (meta.dvh_session) dvhPanel.append(h('p', { class: 'small muted' }, `Predicted dose of session ${meta.dvh_session} (MAA SPECT, at the planned activities).`));
      const curves = meta.dvh;
      if (curves.length) dvhPanel.append(dvhPlot(curves));
      else dvhPanel.append(h('p', { class: 'muted' }, 'No DVH: the plan has no dose map.'));
      const blocks = meta.report_blocks;
      const imageChecks = /** @type {PlanCheck[]} */ (meta.image_checks);
      if (imageChecks.length) {
        voxelPanel.append(h('h3', {}, 'Checks of the voxel results'), checksTable({ checks: imageChecks }, 'image-checks'));
      }
      if (blocks.length) voxelPanel.append(reportBlocks(blocks));
      else voxelPanel.append(h('p', { class: 'muted' }, 'No voxel dosimetry: the plan has no dose map.'));
      const root = h('div');
      panel.append(root);
      await new Viewer(root, meta).load();
    } catch (e) {
      wait.remove();
      const msg = e instanceof ApiError && e.code === 'no_images'
        ? e.message : `The images could not be shown: ${e.message}`;
      panel.append(h('p', { class: 'muted', 'data-testid': 'no-images' }, msg));
      if (!dvhPanel.querySelector('svg,p')) dvhPanel.append(h('p', { class: 'muted' }, 'No DVH: the plan has no dose map (an analytic plan without images).'));
      if (!voxelPanel.querySelector('table,p')) {
        const why = e instanceof ApiError && e.code === 'no_images'
          ? 'No voxel dosimetry: an analytic plan without images uses the partition model only.'
          : `No voxel dosimetry: ${e.message}`;
        voxelPanel.append(h('p', { class: 'muted', 'data-testid': 'no-voxel' }, why));
      }
    }
  };

  const loadHistory = async (panel) => {
    try {
      const hs = /** @type {Answer<'/api/plans/{id}/history', 'get'>} */ ((await api('GET', `/api/plans/${plan.id}/history`)).data);
      panel.append(table(['Version', 'State', 'Created', 'Approved'], hs.versions.map((v) => ({
        cells: [h('a', { href: `#/plans/${v.id}` }, `v${v.version}`), badge(v.state), `${v.created_by} · ${when(v.created_at)}`, v.approved_by ? `${v.approved_by} · ${when(v.approved_at)}` : '—'],
      }))));
      const edits = hs.edits.filter((e) => e.plan_id === plan.id);
      if (edits.length) {
        panel.append(h('h3', {}, 'Steps of this version'), table(['When', 'Who', 'Action', 'Changes'], edits.map((e) => [when(e.at), e.by, e.action,
          h('span', { class: 'diff' }, e.changes.map((c) => `${c.parameter}: ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ') || (e.state_after ? `${e.state_before ?? '—'} → ${e.state_after}` : ''))])));
      }
      for (const d of hs.diffs) {
        if (d.to_plan === plan.id) {
          panel.append(h('p', { class: 'small', 'data-testid': 'plan-diff' }, `Differences from the version it came from: ${d.changes.map((c) => `${c.parameter} ${JSON.stringify(c.before ?? null)} → ${JSON.stringify(c.after ?? null)}`).join('; ') || 'none'}`));
        }
      }
    } catch (e) { panel.append(errorBox(e)); }
  };

  const workflowBar = () => {
    const bar = h('div', { class: 'row no-print' });
    const step = (label, action, path, state, extra) => {
      const allowed = can(action) && plan.state === state;
      bar.append(h('button', { class: allowed ? 'primary' : null, disabled: !allowed, 'data-testid': `do-${path}`,
        title: can(action) ? (plan.state === state ? '' : `only a ${state} plan`) : `your role (${session.user.role}) may not ${label.toLowerCase()}`,
        onclick: async () => {
          status.textContent = `${label}…`;
          try {
            const bodyJson = extra ? await extra() : { row_version: plan.row_version };
            if (!bodyJson) { status.textContent = ''; return; }
            const answer = /** @type {PlanView} */ ((await api('POST', `/api/plans/${plan.id}/${path}`, bodyJson)).data);
            plan = { ...plan, ...answer };
            plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
            status.textContent = `${label}: done.`;
            render();
          } catch (e) { status.replaceChildren(errorBox(e)); }
        } }, label));
    };
    step('Check', 'check_plan', 'check', 'draft', () => signDialog('Check', 'checked by physicist', plan.row_version));
    step('Approve', 'approve_plan', 'approve', 'checked', () => signDialog('Approve', 'approved by physician', plan.row_version));
    const canDeliver = can('deliver_plan') && plan.state === 'approved';
    bar.append(h('button', { class: canDeliver ? 'primary' : null, disabled: !canDeliver, 'data-testid': 'do-deliver',
      title: can('deliver_plan') ? (plan.state === 'approved' ? '' : 'only an approved plan, one session at a time') : `your role (${session.user.role}) may not record a delivery`,
      onclick: async () => {
        try {
          const r = await deliveryDialog(plan);
          if (!r) return;
          plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data);
          render();
          const n = r.sessions.filter((x) => x.delivered).length;
          status.textContent = `Delivery recorded: ${n} of ${r.sessions.length} sessions delivered${r.plan.state === 'delivered' ? '; the plan is delivered' : ''}.`;
        } catch (e) { status.replaceChildren(errorBox(e)); }
      } }, 'Record delivery'));
    bar.append(h('a', { class: 'button', href: `#/plans/${plan.id}/report`, 'data-testid': 'open-report' }, 'Report'),
      h('a', { class: 'button', href: `/api/plans/${plan.id}/report.pdf`, download: `sirtplan-plan-${plan.id}-v${plan.version}.pdf`, 'data-testid': 'download-pdf' }, 'PDF'));
    if (can('store_document')) {
      bar.append(h('button', { 'data-testid': 'store-report', title: 'Keep the report as it is now (HTML and PDF) among the documents of the case', onclick: async (e) => {
        const b = e.currentTarget;
        b.disabled = true; status.textContent = 'Storing the report in the case…';
        try {
          const r = /** @type {Answer<'/api/plans/{id}/documents/report', 'post'>} */ ((await api('POST', `/api/plans/${plan.id}/documents/report`)).data);
          status.textContent = `Report of plan v${r.plan_version} stored in the case: ${r.documents.map((d) => docType(d.mime)).join(' and ')}${r.pdf_unavailable ? ` (no PDF: ${r.pdf_unavailable})` : ''}.`;
        } catch (err) { status.replaceChildren(errorBox(err)); }
        b.disabled = false;
      } }, 'Store report in the case'));
    }
    if (plan.approved_by) bar.append(h('span', { class: 'small muted' }, `approved by ${plan.approved_by} at ${when(plan.approved_at)}; inputs SHA-256 ${String(plan.inputs_sha256 || '').slice(0, 16)}…`));
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
    status.textContent = 'Recomputing…';
    try {
      /** @type {Reply<PlanView>} */
      const r = await api('PATCH', `/api/plans/${plan.id}`, { row_version: plan.row_version, parameters: patch });
      const ms = performance.now() - t0;
      if (r.status === 201) {
        status.textContent = `The approved plan is not changed: version ${r.data.version} was created as a draft.`;
        location.hash = `#/plans/${r.data.id}`;
        return;
      }
      plan = r.data;
      render();
      status.textContent = `Recomputed in ${ms.toFixed(0)} ms (server and network).`;
    } catch (e) {
      status.replaceChildren(errorBox(e));
      if (e.status === 409) {
        status.append(h('button', { onclick: async () => { plan = /** @type {PlanView} */ ((await api('GET', `/api/plans/${plan.id}`)).data); render(); status.textContent = 'Reloaded.'; } }, 'Reload the plan'));
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
  main.append(h('div', { class: 'small' }, h('a', { href: `#/plans/${id}` }, `‹ back to plan v${plan.version}`)),
    h('h1', {}, `Plan report v${plan.version} `, badge(plan.state)),
    h('div', { class: 'row no-print' },
      h('a', { class: 'button primary', href: `/api/plans/${id}/report.pdf`, download: `sirtplan-plan-${id}-v${plan.version}.pdf`, 'data-testid': 'download-pdf' }, 'Download PDF'),
      h('a', { class: 'button', href: `/api/plans/${id}/report.html`, target: '_blank', rel: 'noopener' }, 'Open printable page')),
    h('iframe', { class: 'report-frame', src: `/api/plans/${id}/report.html`, title: 'plan report', 'data-testid': 'report-frame' }));
}

// ------------------------------------------------------------------------------------------ follow-up

async function followUpPage(main, id) {
  const c = /** @type {Answer<'/api/cases/{id}', 'get'>} */ ((await api('GET', `/api/cases/${id}`)).data);
  const fu = /** @type {FollowUpsAnswer} */ ((await api('GET', `/api/cases/${id}/followups`)).data);
  main.append(h('div', { class: 'small' }, h('a', { href: `#/patients/${c.patient.id}` }, `${c.patient.name} (${c.patient.mrn})`), ' › case'),
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
  const gradeText = (g) => (g.status === 'graded' ? `G${g.grade}` : `not gradable (${g.reason || g.cause || g.status})`);
  const labs = fu.follow_ups.map((v) => {
    const values = Object.entries(v.labs).filter(([k]) => k !== 'reference_ranges').map(([k, x]) => h('div', { class: 'small' }, `${k} ${typeof x === 'object' ? JSON.stringify(x) : x}`));
    const grades = (byDate[v.visit_date] || []).map((g) => h('div', { class: 'small' }, `${g.name} (${g.value}): `, h('b', {}, gradeText(g.grade)), h('span', { class: 'muted' }, ` ${g.phase}`)));
    return [v.visit_date, h('div', {}, values.length ? values : '—'), h('div', { 'data-testid': 'ctcae' }, grades.length ? grades : '—'), v.notes || ''];
  });
  main.append(h('div', { class: 'panel' }, h('h2', {}, 'Visits and laboratory values (CTCAE v5.0)'),
    labsError ? errorBox({ message: `Laboratory values: ${labsError}` }) : null,
    labs.length ? table(['Visit', 'Labs', 'CTCAE grade', 'Notes'], labs, { testid: 'visits' }) : h('p', { class: 'muted' }, 'No visit yet.')));
  if (lg && lg.tracks) {
    const rows = lg.tracks.filter((t) => t.points.length).map((t) => [t.name, t.baseline_grade ? gradeText(t.baseline_grade) : '—',
      t.worst_after ? `G${t.worst_after.grade} on day ${t.worst_after.day} (${t.worst_after.value})` : '—', t.first_worsening_day ?? '—']);
    main.append(h('div', { class: 'panel' }, h('h2', {}, 'Liver toxicity after SIRT'),
      h('p', { class: 'small muted' }, lg.treatment_date
        ? `Day 0: ${lg.treatment_date} (${lg.treatment_date_from}). Baseline: the latest value on or before day 0.`
        : 'No treatment recorded: values are graded against their reference ranges only; no baseline and no grade after treatment yet.'),
      table(['CTCAE term', 'Baseline', 'Worst after treatment', 'First worsening (day)'], rows, { testid: 'ctcae-summary' }),
      h('p', { 'data-testid': 'reild' }, `REILD (Braat 2017): ${lg.reild?.status ?? '—'}`, lg.braat?.grade !== undefined && lg.braat?.grade !== null ? ` · Braat hepatotoxicity grade ${lg.braat.grade}` : '')));
  }
  const tp = (a ? a.time_points : []).map((t) => [t.date, t.visit || '—', fmt(t.sum_mm, 1), t.change_from_baseline_percent === null ? '—' : fmt(t.change_from_baseline_percent, 1), t.target ?? '—', t.non_target ?? '—', t.new_lesions ?? '—', h('b', {}, t.overall ?? '—')]);
  main.append(h('div', { class: 'panel' }, h('h2', {}, `Tumour response${a ? ` (${a.criteria})` : ''}`),
    recistError ? errorBox({ message: recistError }) : null,
    a ? h('p', { class: 'small muted' }, `Baseline sum of diameters ${fmt(a.baseline_sum_mm, 1)} mm; measurements of the visit of ${fu.follow_ups.find((v) => v.id === a.source_visit_id)?.visit_date ?? '—'}.`) : null,
    tp.length ? table(['Date', 'Visit', 'Sum mm', 'Change %', 'Target', 'Non-target', 'New lesions', 'Overall'], tp, { num: [2, 3], testid: 'recist' }) : h('p', { class: 'muted' }, 'No RECIST measurements recorded.'),
    a && a.best_overall_response ? h('p', { 'data-testid': 'bor' }, 'Best overall response: ', h('b', {}, a.best_overall_response), ` (${a.best_overall_response_date})`,
      a.first_progression ? ` · first progression ${a.first_progression}` : '', a.hepatic_best_overall_response ? ` · hepatic BOR ${a.hepatic_best_overall_response}` : '') : null));
  const tox = c.toxicities.map((t) => [t.onset_date || '—', t.term, `grade ${t.grade}`, t.attribution || '—', t.notes || '']);
  main.append(h('div', { class: 'panel' }, h('h2', {}, 'Adverse events'), tox.length ? table(['Onset', 'CTCAE term', 'Grade', 'Attribution', 'Notes'], tox) : h('p', { class: 'muted' }, 'None recorded.')));
  if (can('record_follow_up')) main.append(visitForm(id));
}

function visitForm(caseId) {
  const date = h('input', { type: 'date', required: true });
  const labs = h('textarea', { rows: 4, cols: 60, 'data-testid': 'visit-labs', placeholder: '{"bilirubin": "1.9 mg/dL", "albumin": "33 g/L", "ast": "52 U/L", "inr": 1.1, "reference_ranges": {"bilirubin_uln": "1.2 mg/dL", "ast_uln": "40 U/L"}, "anticoagulated": false}' });
  const recist = h('textarea', { rows: 4, cols: 60, placeholder: 'RECIST measurements (sirtplan-recist/1 TOML), optional' });
  const notes = h('textarea', { rows: 2, cols: 60 });
  const out = h('div');
  return h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      const body = { visit_date: date.value };
      if (labs.value.trim()) body.labs = JSON.parse(labs.value);
      if (recist.value.trim()) body.recist = recist.value;
      if (notes.value.trim()) body.notes = notes.value;
      await api('POST', `/api/cases/${caseId}/followups`, body);
      route();
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, 'Record a visit'), h('label', { class: 'field' }, h('span', {}, 'Visit date'), date),
  h('label', { class: 'field' }, h('span', {}, 'Labs (JSON)'), labs), h('label', { class: 'field' }, h('span', {}, 'RECIST'), recist),
  h('label', { class: 'field' }, h('span', {}, 'Notes'), notes), h('button', { type: 'submit' }, 'Save visit'), out);
}

// ------------------------------------------------------------------------------------------- cohort

async function cohortPage(main) {
  main.append(h('h1', {}, 'Cohort'));
  const text = h('textarea', { rows: 8, cols: 100, 'data-testid': 'registry', placeholder: 'Registry CSV (docs/followup.md): a header line of column names, then one patient per line' });
  const out = h('div');
  const presets = { os: ['os_months', 'death'], pfs: ['pfs_months', 'progression'] };
  const endpoint = h('select', { onchange: () => { const p = presets[endpoint.value]; if (p) { duration.value = p[0]; event.value = p[1]; } } },
    h('option', { value: 'os' }, 'Overall survival'), h('option', { value: 'pfs' }, 'Progression-free survival'), h('option', { value: 'other' }, 'Other columns'));
  const duration = h('input', { value: 'os_months', size: 14, title: 'duration column' });
  const event = h('input', { value: 'death', size: 12, title: 'event column (1 event, 0 censored)' });
  const unit = h('select', {}, ['months', 'days', 'weeks', 'years'].map((u) => h('option', { value: u }, u)));
  const group = h('input', { value: 'group', size: 12, title: 'group column (empty: one curve)' });
  const run = async () => {
    out.replaceChildren();
    try {
      const r = /** @type {KmAnswer} */ ((await api('POST', '/api/cohort/km', { registry_csv: text.value, duration: duration.value, event: event.value, unit: unit.value, group: group.value || null })).data);
      const img = h('img', { alt: 'Kaplan–Meier curves', 'data-testid': 'km', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(r.svg)}` });
      /** @param {TimeEstimate} m */
      const med = (m) => (m && m.status === 'reached' ? fmt(m.time, 1) : 'not reached');
      const rows = r.groups.map((g) => [g.label, g.curve.n, g.curve.events, med(g.curve.median.median), `${med(g.curve.median.lower)} – ${med(g.curve.median.upper)}`]);
      out.append(h('div', { class: 'panel km' }, img), h('div', { class: 'panel' },
        table(['Group', 'n', 'Events', `Median (${r.time_unit})`, '95 % CI'], rows, { num: [1, 2, 3], testid: 'km-table' }),
        h('p', { class: 'small muted' }, 'Kaplan–Meier with log-log intervals (lifelines conventions), the statistics of sirtplan cohort km.')));
    } catch (e) { out.append(errorBox(e)); }
  };
  main.append(h('div', { class: 'panel' }, text,
    h('div', { class: 'row' }, h('label', {}, 'Endpoint ', endpoint), h('label', {}, 'Duration ', duration), h('label', {}, 'Unit ', unit),
      h('label', {}, 'Event ', event), h('label', {}, 'Group ', group),
      h('button', { class: 'primary', onclick: run, 'data-testid': 'estimate' }, 'Estimate'),
      h('button', { 'data-testid': 'load-demo-registry', onclick: async () => {
        try {
          /** @type {Reply<Answer<'/api/cohort/demo-registry', 'get'>>} */
          const r = await api('GET', '/api/cohort/demo-registry');
          text.value = r.data.registry_csv;
        } catch (e) { out.replaceChildren(errorBox(e)); }
      } }, 'Load the synthetic demo registry'))), out);
}

// ------------------------------------------------------------------------------------------ accounts

const ROLES = ['admin', 'physician', 'physicist', 'technologist', 'viewer'];

/** Accounts (admins): the list with role, state and last login; change role, disable or enable,
 * set a password; create an account. The server keeps the rules (password length, last admin). */
async function accountsPage(main) {
  main.append(h('h1', {}, 'Accounts'));
  const status = h('div', { class: 'status-line', 'data-testid': 'accounts-status', 'aria-live': 'polite' });
  const list = h('div');
  const load = async () => {
    /** @type {Reply<Answer<'/api/users', 'get'>>} */
    const answer = await api('GET', '/api/users');
    const users = answer.data.users;
    const rows = users.map((u) => {
      const self = u.id === session.user.id;
      const why = self ? 'another admin changes your role or disables your account' : null;
      const change = async (body, done) => {
        status.replaceChildren();
        let failure = null;
        try {
          await api('PATCH', `/api/users/${u.id}`, body);
        } catch (e) { failure = e; }
        // The list first, then the message: what the message says is on screen when it shows.
        await load();
        if (failure) status.replaceChildren(errorBox(failure));
        else status.textContent = `${u.username}: ${done}.`;
      };
      const role = h('select', { disabled: self, title: why, 'data-testid': `role-${u.username}`, onchange: () => change({ role: role.value }, `role ${role.value}`) },
        ROLES.map((r) => h('option', { value: r }, r)));
      role.value = u.role;
      const toggle = h('button', { disabled: self, title: why, 'data-testid': `toggle-${u.username}`,
        onclick: () => change({ disabled: !u.disabled }, u.disabled ? 'enabled' : 'disabled, its sessions ended') }, u.disabled ? 'Enable' : 'Disable');
      const pw = h('input', { type: 'password', autocomplete: 'new-password', placeholder: 'new password (12–128)', size: 20, 'data-testid': `password-${u.username}` });
      const setPw = h('button', { onclick: () => { if (pw.value) change({ password: pw.value }, 'password set, its other sessions ended'); } }, 'Set password');
      return [h('b', {}, u.username), u.display_name, role,
        h('span', { class: `badge ${u.disabled ? 'fail' : 'pass'}`, 'data-testid': `state-${u.username}` }, u.disabled ? 'disabled' : 'enabled'),
        when(u.created_at), when(u.last_login_at), h('div', { class: 'row' }, toggle, pw, setPw)];
    });
    list.replaceChildren(table(['Username', 'Display name', 'Role', 'State', 'Created', 'Last login', ''], rows, { testid: 'users' }));
  };
  main.append(h('div', { class: 'panel' }, status, list,
    h('p', { class: 'small muted' }, 'Disabling an account ends its sessions; a new password ends its other sessions. An admin cannot disable or demote their own account, and the last enabled admin stays. Every change is in the audit log.')),
  newAccountForm(async (u) => { await load(); status.textContent = `Account ${u.username} created (${u.role}).`; }));
  await load();
}

/** @param {(account: Answer<'/api/users', 'post'>) => Promise<void>} onCreated */
function newAccountForm(onCreated) {
  const username = h('input', { maxlength: 64, required: true, autocomplete: 'off', pattern: '[A-Za-z0-9._\\-]+', title: 'letters, digits, . _ -', 'data-testid': 'new-username' });
  const display = h('input', { maxlength: 200, placeholder: 'the username when empty', 'data-testid': 'new-display-name' });
  const role = h('select', { 'data-testid': 'new-role' }, ROLES.map((r) => h('option', { value: r }, r)));
  role.value = 'viewer';
  const pw = h('input', { type: 'password', autocomplete: 'new-password', minlength: 12, maxlength: 128, required: true, placeholder: '12–128 characters', 'data-testid': 'new-password' });
  const out = h('div');
  const form = h('form', { class: 'panel', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    try {
      /** @type {Reply<Answer<'/api/users', 'post'>>} */
      const r = await api('POST', '/api/users', { username: username.value, display_name: display.value, role: role.value, password: pw.value });
      form.reset(); role.value = 'viewer';
      await onCreated(r.data);
    } catch (err) { out.append(errorBox(err)); }
  } }, h('h2', {}, 'New account'),
  h('label', { class: 'field' }, h('span', {}, 'Username'), username), h('label', { class: 'field' }, h('span', {}, 'Display name'), display),
  h('label', { class: 'field' }, h('span', {}, 'Role'), role), h('label', { class: 'field' }, h('span', {}, 'Password'), pw),
  h('button', { type: 'submit', 'data-testid': 'create-account' }, 'Create account'), out);
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
  if (!session) { loginPage(); return; }
  const hash = location.hash || '#/patients';
  const parts = hash.replace(/^#\/?/, '').split('/');
  const active = ['cohort', 'accounts'].includes(parts[0]) ? parts[0] : 'patients';
  const main = shell(active);
  try {
    if (parts[0] === 'patients' && parts[1]) await patientPage(main, Number(parts[1]));
    else if (parts[0] === 'cases' && parts[2] === 'followup') await followUpPage(main, Number(parts[1]));
    else if (parts[0] === 'cases' && parts[1]) await casePage(main, Number(parts[1]));
    else if (parts[0] === 'plans' && parts[2] === 'report') await reportPage(main, Number(parts[1]));
    else if (parts[0] === 'plans' && parts[1]) await planPage(main, Number(parts[1]));
    else if (parts[0] === 'cohort') await cohortPage(main);
    else if (parts[0] === 'accounts') await accountsPage(main);
    else await patientsPage(main);
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) { session = null; loginPage('Your session has ended: sign in again.'); return; }
    main.append(errorBox(e));
  }
}

window.addEventListener('hashchange', route);
route();
