// @ts-check
// The PACS pages (issue 17, "Web app"): the site's PACS nodes for admins (`#/pacs`: list, test, add,
// change, remove; a password is never shown, only whether one is set), and "Import from PACS" on a
// patient's page (search a node, pick series, retrieve them in the background with the progress shown;
// the series become a study of the patient, offered to the planning workbench's roles). Every text
// from the server is put in the page as text. The helpers of app.js come in `o`.

import { tr, num } from './i18n.js';

/** How often a retrieve's progress is asked, ms (design choice: as often as the server records it,
 * one heartbeat a second). */
const POLL_MS = 1000;

/** Modalities offered in the search (DICOM PS3.3 C.7.3.1.1.1 defined terms used in SIRT work-ups). */
const MODALITIES = ['CT', 'NM', 'PT', 'MR', 'SEG', 'RTSTRUCT', 'RTDOSE', 'REG', 'DOC'];

/**
 * @typedef {{ api: (method: string, path: string, body?: unknown) => Promise<{ data: any, headers: Headers }>,
 *   h: (tag: any, attrs?: Record<string, any>, ...children: any[]) => any,
 *   errorBox: (err: unknown) => HTMLElement,
 *   table: (headers: any[], rows: any[], opts?: Record<string, any>) => HTMLElement,
 *   when: (s: string | null | undefined) => string }} Helpers
 */

/** @typedef {import('../e2e/types/api').components['schemas']} Schemas */

/**
 * The PACS page (admins).
 * @param {HTMLElement} main
 * @param {Helpers} o
 */
export async function pacsPage(main, o) {
  const { h, api } = o;
  main.append(h('h1', {}, tr('web-pacs-title')));
  const status = h('div', { class: 'status-line', 'data-testid': 'pacs-status', 'aria-live': 'polite' });
  const list = h('div');
  const formBox = h('div');
  const load = async () => {
    const r = await api('GET', '/api/pacs/nodes');
    /** @type {Schemas['PacsNodeView'][]} */
    const nodes = r.data.nodes;
    const rows = nodes.map((n) => {
      const out = h('span', { 'data-testid': `pacs-test-${n.name}` });
      const test = h('button', { onclick: async () => {
        out.replaceChildren(h('span', { class: 'muted' }, tr('web-pacs-testing')));
        try {
          const t = await api('POST', `/api/pacs/nodes/${n.id}/test`);
          out.replaceChildren(h('span', { class: 'badge pass' }, tr('web-pacs-test-ok', { exchange: t.data.exchange, ms: t.data.elapsed_ms })));
        } catch (e) { out.replaceChildren(o.errorBox(e)); }
      } }, tr('web-pacs-test'));
      const edit = h('button', { onclick: () => { formBox.replaceChildren(nodeForm(o, n, done)); } }, tr('web-pacs-edit'));
      const remove = h('button', { onclick: async () => {
        if (!confirm(tr('web-pacs-remove-confirm', { name: n.name }))) return;
        status.replaceChildren();
        try { await api('DELETE', `/api/pacs/nodes/${n.id}`); await load(); status.textContent = tr('web-pacs-removed', { name: n.name }); } catch (e) { status.replaceChildren(o.errorBox(e)); }
      } }, tr('web-pacs-remove'));
      const password = n.protocol === 'dicomweb' ? (n.password_set ? tr('web-pacs-password-set') : tr('web-pacs-password-none')) : '—';
      return [h('b', {}, n.name), n.protocol === 'dicomweb' ? 'DICOMweb' : 'DIMSE', h('code', {}, n.shown), n.username || '—', password,
        `${num(n.connect_timeout_s, 0)} / ${num(n.request_timeout_s, 0)} / ${num(n.transfer_timeout_s, 0)}`,
        h('div', { class: 'row' }, test, edit, remove, out)];
    });
    list.replaceChildren(rows.length
      ? o.table([tr('web-pacs-name'), tr('web-pacs-protocol'), tr('web-pacs-address'), tr('web-pacs-username'), tr('web-pacs-password'), tr('web-pacs-timeouts'), ''], rows, { testid: 'pacs-nodes' })
      : h('p', { class: 'muted' }, tr('web-pacs-none')));
  };
  /** @param {string} message */
  const done = async (message) => { await load(); formBox.replaceChildren(nodeForm(o, null, done)); status.textContent = message; };
  main.append(h('div', { class: 'panel' }, status, list, h('p', { class: 'small muted' }, tr('web-pacs-help'))), formBox);
  formBox.append(nodeForm(o, null, done));
  await load();
}

/**
 * The form that adds a node (`node` null) or changes one.
 * @param {Helpers} o
 * @param {Schemas['PacsNodeView'] | null} node
 * @param {(message: string) => Promise<void>} done
 */
function nodeForm(o, node, done) {
  const { h, api } = o;
  const input = (name, attrs = {}) => h('input', { name, 'data-testid': `pacs-${name}`, autocomplete: 'off', ...attrs });
  const name = input('name', { maxlength: 100, required: true, value: node ? node.name : '' });
  const protocol = h('select', { name: 'protocol', 'data-testid': 'pacs-protocol' },
    h('option', { value: 'dicomweb' }, 'DICOMweb'), h('option', { value: 'dimse' }, 'DIMSE'));
  protocol.value = node ? node.protocol : 'dicomweb';
  const url = input('url', { size: 44, placeholder: 'http://pacs.example:8042/dicom-web', value: node?.url || '' });
  const username = input('username', { maxlength: 200, value: node?.username || '' });
  const password = input('password', { type: 'password', autocomplete: 'new-password', maxlength: 200,
    placeholder: node?.password_set ? tr('web-pacs-password-unchanged') : '' });
  const clear = h('input', { type: 'checkbox', 'data-testid': 'pacs-clear-password' });
  const called = input('called_aet', { maxlength: 16, size: 16, value: node?.called_aet || '' });
  const host = input('host', { maxlength: 253, value: node?.host || '' });
  const port = input('port', { type: 'number', min: 1, max: 65535, value: node?.port ?? '' });
  const calling = input('calling_aet', { maxlength: 16, size: 16, value: node?.calling_aet || 'SIRTPLAN' });
  const seconds = (n, v) => input(n, { type: 'number', min: 0.1, step: 'any', size: 6, value: v });
  const connect = seconds('connect_timeout_s', node ? node.connect_timeout_s : 10);
  const request = seconds('request_timeout_s', node ? node.request_timeout_s : 60);
  const transfer = seconds('transfer_timeout_s', node ? node.transfer_timeout_s : 1800);
  const field = (label, el) => h('label', { class: 'field' }, h('span', {}, label), el);
  const web = h('fieldset', {}, h('legend', {}, 'DICOMweb'), field(tr('web-pacs-url'), url), field(tr('web-pacs-username'), username),
    field(tr('web-pacs-password'), password), node?.password_set ? h('label', {}, clear, ' ', tr('web-pacs-clear-password')) : null);
  const dimse = h('fieldset', {}, h('legend', {}, 'DIMSE'), field(tr('web-pacs-called-aet'), called), field(tr('web-pacs-host'), host),
    field(tr('web-pacs-port'), port), field(tr('web-pacs-calling-aet'), calling));
  const show = () => { web.hidden = protocol.value !== 'dicomweb'; dimse.hidden = protocol.value !== 'dimse'; };
  protocol.addEventListener('change', show);
  show();
  const out = h('div', { 'aria-live': 'polite' });
  const numberOf = (el) => (el.value === '' ? null : Number(el.value));
  const form = h('form', { class: 'panel', 'data-testid': 'pacs-form', onsubmit: async (e) => {
    e.preventDefault(); out.replaceChildren();
    /** @type {Record<string, unknown>} */
    const body = { name: name.value, protocol: protocol.value, connect_timeout_s: numberOf(connect), request_timeout_s: numberOf(request), transfer_timeout_s: numberOf(transfer) };
    if (protocol.value === 'dicomweb') {
      Object.assign(body, { url: url.value, username: username.value });
      if (password.value) body.password = password.value;
      if (node && clear.checked) body.clear_password = true;
    } else {
      Object.assign(body, { called_aet: called.value, host: host.value, port: numberOf(port), calling_aet: calling.value });
    }
    try {
      if (node) {
        await api('PATCH', `/api/pacs/nodes/${node.id}`, body);
        await done(tr('web-pacs-changed', { name: name.value }));
      } else {
        await api('POST', '/api/pacs/nodes', body);
        await done(tr('web-pacs-added', { name: name.value }));
      }
    } catch (err) { out.append(o.errorBox(err)); }
  } }, h('h2', {}, node ? tr('web-pacs-edit-title', { name: node.name }) : tr('web-pacs-add-title')),
  field(tr('web-pacs-name'), name), field(tr('web-pacs-protocol'), protocol), web, dimse,
  h('fieldset', {}, h('legend', {}, tr('web-pacs-timeouts')), field(tr('web-pacs-connect-timeout'), connect),
    field(tr('web-pacs-request-timeout'), request), field(tr('web-pacs-transfer-timeout'), transfer)),
  h('div', { class: 'row' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'pacs-save' }, node ? tr('web-pacs-save') : tr('web-pacs-add')),
    node ? h('button', { type: 'button', onclick: () => done('') }, tr('web-pacs-cancel')) : null), out);
  return form;
}

/**
 * "Import from PACS" on a patient's page.
 * @param {HTMLElement} box
 * @param {Helpers & { patientId: number, mrn: string, onStored: () => void }} o
 */
export async function mountImport(box, o) {
  const { h, api } = o;
  box.append(h('h2', {}, tr('web-pacs-import-title')));
  const r = await api('GET', '/api/pacs/sources');
  /** @type {{ id: number, name: string, protocol: string }[]} */
  const sources = r.data.nodes;
  if (!sources.length) { box.append(h('p', { class: 'muted', 'data-testid': 'pacs-no-node' }, tr('web-pacs-import-no-node'))); return; }
  const node = h('select', { 'data-testid': 'pacs-node' }, sources.map((s) => h('option', { value: String(s.id) }, s.name)));
  const input = (testid, attrs = {}) => h('input', { 'data-testid': testid, autocomplete: 'off', ...attrs });
  const patientId = input('pacs-q-patient-id', { value: o.mrn, size: 16 });
  const name = input('pacs-q-name', { size: 20, placeholder: tr('web-pacs-q-name-hint') });
  const accession = input('pacs-q-accession', { size: 14 });
  const modality = h('select', { 'data-testid': 'pacs-q-modality' }, h('option', { value: '' }, tr('web-pacs-q-any')), MODALITIES.map((m) => h('option', { value: m }, m)));
  const from = input('pacs-q-from', { type: 'date' });
  const to = input('pacs-q-to', { type: 'date' });
  const results = h('div', { 'data-testid': 'pacs-results', 'aria-live': 'polite' });
  const field = (label, el) => h('label', { class: 'field' }, h('span', {}, label), el);
  const search = h('button', { type: 'submit', class: 'primary', 'data-testid': 'pacs-search' }, tr('web-pacs-search'));
  box.append(h('form', { onsubmit: async (e) => {
    e.preventDefault(); results.replaceChildren(h('p', { class: 'muted' }, tr('web-pacs-searching', { node: node.selectedOptions[0]?.textContent || '' })));
    const q = new URLSearchParams({ node: node.value });
    for (const [k, el] of [['patient_id', patientId], ['name', name], ['accession', accession], ['modality', modality], ['date_from', from], ['date_to', to]]) {
      if (el.value) q.set(k, el.value);
    }
    search.disabled = true;
    try {
      const s = await api('GET', `/api/patients/${o.patientId}/pacs/studies?${q}`);
      results.replaceChildren(studyList(o, Number(node.value), s.data));
    } catch (err) { results.replaceChildren(o.errorBox(err)); }
    search.disabled = false;
  } }, h('div', { class: 'row' }, field(tr('web-pacs-node'), node), field(tr('web-pacs-q-patient-id'), patientId), field(tr('web-pacs-q-name'), name),
    field(tr('web-pacs-q-accession'), accession), field(tr('web-modality'), modality), field(tr('web-pacs-q-from'), from), field(tr('web-pacs-q-to'), to)),
  search), results);
}

/**
 * The studies found, each with its series to pick and a button that retrieves them.
 * @param {Helpers & { patientId: number, onStored: () => void }} o
 * @param {number} nodeId
 * @param {Schemas['PacsSearch']} found
 */
function studyList(o, nodeId, found) {
  const { h } = o;
  if (!found.studies.length) return h('p', { class: 'muted', 'data-testid': 'pacs-nothing' }, tr('web-pacs-nothing', { node: found.node }));
  return h('div', {}, h('p', {}, tr('web-pacs-found', { node: found.node, studies: found.studies.length })),
    found.studies.map((st) => {
      const picks = st.series.map((se) => h('input', { type: 'checkbox', value: se.series_uid, 'data-testid': `pacs-pick-${se.modality}-${se.number ?? ''}` }));
      const rows = st.series.map((se, i) => [picks[i], se.modality || '—', se.number === null || se.number === undefined ? '—' : String(se.number), se.description || '—',
        se.instances === null || se.instances === undefined ? '—' : String(se.instances)]);
      const progress = h('div', { 'aria-live': 'polite', 'data-testid': 'pacs-progress' });
      const go = h('button', { class: 'primary', 'data-testid': 'pacs-retrieve', onclick: async () => {
        const chosen = picks.filter((p) => p.checked).map((p) => p.value);
        if (!chosen.length) { progress.replaceChildren(o.errorBox(new Error(tr('web-pacs-pick-one')))); return; }
        go.disabled = true;
        await retrieve(o, nodeId, st.study_uid, chosen, progress);
        go.disabled = false;
      } }, tr('web-pacs-retrieve'));
      const date = st.study_date ? `${st.study_date.slice(0, 4)}-${st.study_date.slice(4, 6)}-${st.study_date.slice(6, 8)}` : '—';
      return h('div', { class: 'panel', 'data-testid': 'pacs-study' },
        h('h3', {}, `${date} · ${st.description || tr('web-pacs-no-description')}`),
        h('p', { class: 'small muted' }, tr('web-pacs-study-line', { patient: st.patient_name || '—', id: st.patient_id || '—', accession: st.accession || '—' })),
        o.table(['', tr('web-modality'), tr('web-pacs-series-number'), tr('web-description'), tr('web-wb-images')], rows, { num: [2, 4], testid: 'pacs-series' }),
        h('div', { class: 'row' }, go, progress));
    }));
}

/**
 * Starts a retrieve and shows its progress until it is done or failed.
 * @param {Helpers & { patientId: number, onStored: () => void }} o
 * @param {number} nodeId @param {string} studyUid @param {string[]} series @param {HTMLElement} out
 */
async function retrieve(o, nodeId, studyUid, series, out) {
  const { h, api } = o;
  const bar = h('progress', { max: 1, value: 0 });
  const text = h('span', {});
  out.replaceChildren(bar, ' ', text);
  let r;
  try {
    r = await api('POST', `/api/patients/${o.patientId}/pacs/retrievals`, { node_id: nodeId, study_uid: studyUid, series_uids: series });
  } catch (e) { out.replaceChildren(o.errorBox(e)); return; }
  /** @type {Schemas['PacsRetrieval']} */
  let job = r.data;
  for (;;) {
    bar.value = job.progress;
    text.textContent = tr('web-pacs-retrieving', { stage: stageWord(job.stage), percent: num(job.progress * 100, 0) });
    if (job.state === 'done') {
      out.replaceChildren(h('span', { class: 'badge pass', 'data-testid': 'pacs-retrieved' }, tr('web-pacs-retrieved', { instances: job.instances ?? 0 })));
      o.onStored();
      return;
    }
    if (job.state === 'failed') {
      out.replaceChildren(o.errorBox(new Error(`${job.error?.message || ''} (${job.error?.code || 'failed'})`)));
      return;
    }
    await new Promise((ok) => setTimeout(ok, POLL_MS));
    try { job = (await api('GET', `/api/pacs/retrievals/${job.job_id}`)).data; } catch (e) { out.replaceChildren(o.errorBox(e)); return; }
  }
}

/** The words of a retrieve's stage. @param {string} stage */
function stageWord(stage) {
  const words = { queued: 'web-pacs-stage-queued', claimed: 'web-pacs-stage-queued', searching: 'web-pacs-stage-searching',
    retrieving: 'web-pacs-stage-retrieving', storing: 'web-pacs-stage-storing', done: 'web-pacs-stage-storing' };
  return tr(words[stage] || 'web-pacs-stage-retrieving');
}

/**
 * "Send to PACS" on an approved plan's page: a node to choose and the button; what the node stored
 * and refused (with its reason) shown after.
 * @param {HTMLElement} box
 * @param {Helpers & { planId: number }} o
 */
export async function mountSend(box, o) {
  const { h, api } = o;
  const r = await api('GET', '/api/pacs/sources');
  /** @type {{ id: number, name: string }[]} */
  const sources = r.data.nodes;
  if (!sources.length) return;
  const node = h('select', { 'data-testid': 'pacs-send-node', title: tr('web-pacs-send-title') }, sources.map((s) => h('option', { value: String(s.id) }, s.name)));
  const out = h('span', { 'aria-live': 'polite', 'data-testid': 'pacs-send-result' });
  const go = h('button', { 'data-testid': 'pacs-send-go', title: tr('web-pacs-send-title'), onclick: async () => {
    go.disabled = true;
    out.replaceChildren(h('span', { class: 'muted' }, tr('web-pacs-sending', { node: node.selectedOptions[0]?.textContent || '' })));
    try {
      /** @type {Schemas['PacsSend']} */
      const sent = (await api('POST', `/api/plans/${o.planId}/pacs/send`, { node_id: Number(node.value) })).data;
      const refused = sent.objects.filter((x) => !x.stored);
      const stored = sent.objects.length - refused.length;
      out.replaceChildren(h('span', { class: `badge ${refused.length ? 'fail' : 'pass'}` },
        tr('web-pacs-sent', { node: sent.node, stored, objects: sent.objects.length, modalities: [...new Set(sent.objects.filter((x) => x.stored).map((x) => x.modality))].join(', ') })),
      sent.report_sent ? null : h('span', { class: 'small muted' }, ' ', tr('web-pacs-no-report')),
      refused.map((x) => h('div', { class: 'error' }, tr('web-pacs-refused', { modality: x.modality, uid: x.sop_instance_uid, reason: x.reason || '' }))));
    } catch (e) { out.replaceChildren(o.errorBox(e)); }
    go.disabled = false;
  } }, tr('web-pacs-send'));
  box.append(node, go, out);
}
