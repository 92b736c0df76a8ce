// @ts-check
// The plan's uncertainty and the optimisation in the planning workspace (issue 18: "Shown in the
// report and the workspace", "and a button in the workspace"; docs/uncertainty.md). Both are
// computed on demand by the server (`GET /api/plans/{id}/uncertainty`, `POST /api/plans/{id}/optimise`)
// and kept for the plan version they were computed on (a re-render of the page shows them again; a
// change of the plan makes a new row version, and they are computed again). The best choice of the
// optimisation is offered to the plan only when its parameters can express it (`apply`); otherwise it
// is shown as a recommendation, saying so. Every text from the server is put in the page as text.

import { tr, num, qty, withUnit, numeric, ruleTitle } from './i18n.js';

/** @typedef {import('../e2e/types/api').components['schemas']} Schemas */
/**
 * The helpers of app.js.
 * @typedef {{ api: (method: string, path: string, body?: unknown) => Promise<{ data: any, status: number }>,
 *   h: (tag: any, attrs?: Record<string, any>, ...children: any[]) => any,
 *   errorBox: (err: unknown) => HTMLElement,
 *   table: (headers: any[], rows: any[], opts?: Record<string, any>) => HTMLElement,
 *   badge: (state: string) => HTMLElement,
 *   subjectWords: (subject: string) => string,
 *   can: (action: string) => boolean,
 *   plan: { id: number, row_version: number, editable: boolean },
 *   applyParameters: (patch: Schemas['Parameters']) => void }} Helpers
 */

/** Samples of the uncertainty asked for by default: the command line's default (sirt-uncertainty
 * DEFAULT_SAMPLES, 20 000: intervals stable to 1 % between seeds). */
const DEFAULT_SAMPLES = 20000;
/** Samples of the optimisation by default: the command line's default (DEFAULT_OPTIMISE_SAMPLES, 4 000). */
const DEFAULT_OPTIMISE_SAMPLES = 4000;
/** The default seed of both (sirt-uncertainty DEFAULT_SEED). */
const DEFAULT_SEED = 20260305;
/** The default window of days (sirt-uncertainty DEFAULT_DAYS, 0 to 7). */
const DEFAULT_DAYS = [0, 7];
/** 1 mCi = 37 MBq (definition of the curie). */
const GBQ_PER_MCI = 0.037;

/** The last answers, by plan id and row version: shown again when the page is drawn anew. */
const kept = new Map();

/** An instant as the page prints it: date, hours and minutes, and its offset ("2026-06-06 10:00 +02:00"). */
const instant = (/** @type {string} */ s) => String(s).replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)(:\d\d(\.\d+)?)?([^[]*)(\[.*\])?$/, '$1 $2 $5').trim();
/** A probability as a percentage with one decimal ("93.7 %", "93,7 %"). */
const pct = (/** @type {number} */ p) => withUnit(num(p * 100, 1), '%');
/** An activity in GBq (4 decimals, as the reports print vial activities) and mCi. */
const activity = (/** @type {number} */ gbq) => `${qty(gbq, 4, 'GBq')} (${qty(gbq / GBQ_PER_MCI, 2, 'mCi')})`;
/** A day relative to the planned one: "+2", "0", "-1". */
const signed = (/** @type {number} */ d) => (d > 0 ? `+${d}` : String(d));

const DOSE_WORDS = {
  tumours_combined_gy: () => tr('web-unc-dose-tumours-combined'),
  normal_liver_gy: () => tr('web-unc-dose-normal-liver'),
  perfused_gy: () => tr('web-unc-dose-perfused'),
  lung_gy: () => tr('web-unc-dose-lung'),
  whole_liver_ntad_gy: () => tr('web-unc-dose-whole-liver-ntad'),
  cumulative_lung_gy: () => tr('web-unc-dose-cumulative-lung'),
  plan_whole_liver_ntad_gy: () => tr('web-unc-dose-plan-ntad'),
  cumulative_whole_liver_ntad_gy: () => tr('web-unc-dose-cumulative-ntad'),
  lung_gy_1kg_convention: () => tr('web-unc-dose-lung-1kg'),
  cumulative_lung_gy_1kg_convention: () => tr('web-unc-dose-cumulative-lung-1kg'),
};

/** A dose's name in words. @param {Schemas['DoseInterval']} d */
function doseName(d) {
  if (d.tumour) return tr('web-unc-dose-tumour', { tumour: d.tumour });
  return DOSE_WORDS[d.key] ? DOSE_WORDS[d.key]() : d.key;
}

/** Where a dose is, in words. @param {Schemas['DoseInterval']} d */
function doseWhere(d) {
  if (d.of === 'session') return tr('web-unc-where-session', { session: d.id });
  if (d.of === 'with_ordered_vial') return tr('web-unc-where-vial', { injection: d.id });
  return tr('web-unc-where-prescribed', { injection: d.id });
}

/**
 * The doses the workspace shows: each injection's doses with its ordered vial (those at the prescribed
 * activity where it has no vial order), then the sessions'. The others stay in the answer's `result`.
 * @param {Schemas['DoseInterval'][]} doses
 */
function shownDoses(doses) {
  const withVial = new Set(doses.filter((d) => d.of === 'with_ordered_vial').map((d) => d.id));
  return doses.filter((d) => d.of === 'session' || d.of === 'with_ordered_vial' || !withVial.has(d.id));
}

/** The spreads used, named: where they come from, and which defaults. @param {Helpers} o @param {Schemas['PlanUncertainty'] | Schemas['PlanOptimisation']} u */
function spreadsLine(o, u) {
  const defaults = 'defaults_used' in u ? u.defaults_used : u.uncertainty_defaults_used;
  const from = u.spreads_from === 'case' ? tr('web-unc-spreads-case')
    : u.spreads_from === 'case_and_defaults' ? tr('web-unc-spreads-case-defaults', { defaults: defaults.join(', ') })
      : tr('web-unc-spreads-defaults');
  return o.h('span', { 'data-testid': 'unc-spreads-from' }, from);
}

/** The spreads as a table: key, value, origin (the case, or the default with its source). @param {Helpers} o @param {Schemas['SpreadView'][]} spreads */
function spreadsTable(o, spreads) {
  const { h } = o;
  const value = (/** @type {Schemas['SpreadView']} */ p) => {
    if (p.value === undefined) return tr('web-unc-value-by-device');
    if (p.key.startsWith('maa_discrepancy')) return qty(p.value, 1, 'Gy');
    return p.key.endsWith('_sd') ? tr('web-unc-value-sd', { value: num(p.value * 100, 2) }) : tr('web-unc-value-cv', { value: num(p.value * 100, 1) });
  };
  const rows = spreads.map((p) => [h('code', {}, p.key), value(p), p.default ? h('span', { class: 'small' }, tr('web-unc-origin-default', { source: p.source })) : (p.source ? h('span', { class: 'small' }, p.source) : tr('web-unc-origin-case'))]);
  return h('details', { class: 'small' }, h('summary', {}, tr('web-unc-spreads-title')),
    table3(o, [tr('web-unc-col-parameter'), tr('web-unc-col-value'), tr('web-unc-col-origin')], rows, 'unc-spreads'));
}

/** @param {Helpers} o @param {string[]} headers @param {any[]} rows @param {string} testid @param {number[]} [numCols] */
function table3(o, headers, rows, testid, numCols = []) {
  return o.table(headers, rows, { testid, num: numCols, wide: true });
}

/** Decimals of a check's value: 3 for an activity in GBq (a lung activity of 0.040 GBq), 2 below 10,
 * else 1 (design choice: three significant figures, as the reports print doses). @param {number} v @param {string | undefined} unit */
const valueDecimals = (v, unit) => (unit === 'GBq' ? 3 : Math.abs(v) < 10 ? 2 : 1);

/** The uncertainty's result. @param {Helpers} o @param {Schemas['PlanUncertainty']} u */
function uncertaintyResult(o, u) {
  const { h } = o;
  const box = h('div', { 'data-testid': 'unc-result' });
  box.append(h('p', { class: 'small' }, tr('web-unc-done', { samples: u.samples, seed: String(u.seed), model: u.maa_discrepancy }), ' ', spreadsLine(o, u)));
  box.append(spreadsTable(o, u.spreads));
  const doses = shownDoses(u.doses).map((d) => [
    doseWhere(d), doseName(d), num(d.planned_gy, 1),
    h('b', { class: 'nowrap' }, `${num(d.interval_gy.p5, 1)} – ${num(d.interval_gy.p95, 1)}`), num(d.interval_gy.p50, 1),
  ]);
  box.append(h('h4', {}, tr('web-unc-doses-title')),
    table3(o, [tr('web-unc-col-where'), tr('web-unc-col-dose'), tr('web-unc-col-planned-gy'), tr('web-unc-col-interval-gy'), tr('web-unc-col-median-gy')], doses, 'unc-doses', [2, 3, 4]));
  const checks = u.checks.map((c) => {
    const value = c.value === undefined ? '—' : withUnit(num(c.value, valueDecimals(c.value, c.unit)), c.unit || '');
    return [o.badge(c.status), o.subjectWords(c.subject), ruleTitle(c.title), value, h('span', { class: 'nowrap' }, numeric(`${c.comparison} ${c.threshold_written}`)),
      h('b', { class: c.probability_met < 0.95 ? 'unc-low' : null }, pct(c.probability_met))];
  });
  box.append(h('h4', {}, tr('web-unc-checks-title')),
    table3(o, ['', tr('web-unc-col-subject'), tr('web-unc-col-check'), tr('web-unc-col-plan-value'), tr('web-unc-col-must-hold'), tr('web-unc-col-probability')], checks, 'unc-checks', [3, 5]));
  box.append(h('p', { class: 'small muted' }, tr('web-unc-method')));
  return box;
}

/** A number field of a form. @param {Helpers} o @param {string} label @param {number | string} value @param {string} testid @param {Record<string, any>} [attrs] */
function numberField(o, label, value, testid, attrs = {}) {
  const input = o.h('input', { type: 'number', value: String(value), 'data-testid': testid, step: 'any', class: 'unc-number', ...attrs });
  return { input, field: o.h('label', { class: 'field' }, o.h('span', {}, label), input) };
}

/** An optional whole number of a field: undefined when empty. @param {HTMLInputElement} i */
const wholeOf = (i) => (i.value.trim() === '' ? undefined : Number(i.value));

/** The uncertainty part: the button, the computing state, the result. @param {HTMLElement} box @param {Helpers} o */
function mountPropagation(box, o) {
  const { h, api, plan } = o;
  const key = `u:${plan.id}:${plan.row_version}`;
  const samples = numberField(o, tr('web-unc-samples'), DEFAULT_SAMPLES, 'unc-samples', { min: 100, max: 100000, step: 1000 });
  const seed = numberField(o, tr('web-unc-seed'), DEFAULT_SEED, 'unc-seed', { min: 0, step: 1 });
  const status = h('div', { class: 'status-line', 'aria-live': 'polite', 'data-testid': 'unc-status' });
  const out = h('div');
  const go = h('button', { class: 'primary', 'data-testid': 'unc-compute', onclick: async () => {
    go.disabled = true;
    out.setAttribute('aria-busy', 'true');
    status.replaceChildren(h('span', { class: 'unc-computing', 'data-testid': 'unc-computing' }, tr('web-unc-computing', { samples: samples.input.value })));
    try {
      const q = new URLSearchParams();
      if (samples.input.value.trim() !== '') q.set('samples', samples.input.value.trim());
      if (seed.input.value.trim() !== '') q.set('seed', seed.input.value.trim());
      /** @type {Schemas['PlanUncertainty']} */
      const u = (await api('GET', `/api/plans/${plan.id}/uncertainty?${q}`)).data;
      kept.set(key, u);
      status.replaceChildren();
      out.replaceChildren(uncertaintyResult(o, u));
    } catch (e) { status.replaceChildren(o.errorBox(e)); }
    out.removeAttribute('aria-busy');
    go.disabled = false;
  } }, tr('web-unc-compute'));
  if (!o.can('analyse_plan')) { go.disabled = true; go.title = tr('web-unc-role-may-not'); }
  box.append(h('h3', {}, tr('web-unc-title')), h('p', { class: 'small muted' }, tr('web-unc-help')),
    h('div', { class: 'row unc-form' }, samples.field, seed.field, go), status, out);
  if (kept.has(key)) out.replaceChildren(uncertaintyResult(o, kept.get(key)));
}

/** One injection's choice in words. @param {Schemas['ChoiceView']} c */
function choiceText(c) {
  const calibration = instant(c.calibration);
  const main = c.ordering === 'vials'
    ? tr('web-opt-choice-vial', { injection: c.injection, device: c.device_name, size: qty(c.vial_gbq, 0, 'GBq'), calibration, vial: activity(c.vial_at_injection_gbq), administered: activity(c.administered_gbq) })
    : c.ordering === 'fraction'
      ? tr('web-opt-choice-drawn', { injection: c.injection, device: c.device_name, administered: activity(c.administered_gbq), fraction: pct(c.fraction_drawn ?? 1), vials: c.vials, size: qty(c.vial_gbq, 1, 'GBq'), calibration })
      : tr('web-opt-choice-ordered', { injection: c.injection, device: c.device_name, ordered: activity(c.vial_gbq), calibration, administered: activity(c.administered_gbq) });
  if (c.spheres === undefined || c.activity_per_sphere_bq === undefined) return main;
  return `${main}; ${tr('web-opt-spheres', { millions: num(c.spheres / 1e6, 2), per_sphere: qty(c.activity_per_sphere_bq, 0, 'Bq') })}`;
}

/** A candidate's short cell: the vial or the activity per injection, one line each. @param {Helpers} o @param {Schemas['CandidateView']} c */
function choiceCell(o, c) {
  return o.h('div', {}, c.injections.map((x) => o.h('div', { class: 'nowrap' }, x.ordering === 'vials'
    ? tr('web-opt-cell-vial', { injection: x.injection, size: qty(x.vial_gbq, 0, 'GBq'), calibration: instant(x.calibration).slice(0, 10) })
    : `${x.injection}: ${qty(x.administered_gbq, 4, 'GBq')}`)));
}

/** A candidate's two probabilities, in words. @param {Helpers} o @param {Schemas['CandidateView']} c @param {number} epsilon */
function probabilities(o, c, epsilon) {
  const { h } = o;
  return h('div', { class: 'unc-probabilities' },
    h('span', {}, tr('web-opt-p-goals'), ' ', h('b', { 'data-testid': 'opt-p-goals' }, pct(c.p_goals_met))),
    h('span', { class: c.p_limit_exceeded > epsilon ? 'unc-low' : null }, tr('web-opt-p-limit'), ' ', h('b', { 'data-testid': 'opt-p-limit' }, pct(c.p_limit_exceeded))));
}

/** The case file's limits in words (their keys: docs/case-format.md, `[planning.limits]`). */
const LIMIT_WORDS = {
  normal_liver_max: () => tr('web-opt-limit-normal-liver'),
  perfused_max: () => tr('web-opt-limit-perfused'),
  lung_max: () => tr('web-opt-limit-lung'),
  whole_liver_ntad_max: () => tr('web-opt-limit-whole-liver-ntad'),
  lung_session_max: () => tr('web-opt-limit-lung-session'),
  lung_cumulative_max: () => tr('web-opt-limit-lung-cumulative'),
};

/** What the goals and limits are, in words. @param {Schemas['PlanOptimisation']} r */
function goalsText(r) {
  const goals = r.goals.map((g) => tr('web-opt-goal', {
    injection: g.injection, dose: qty(g.dose_gy, 0, 'Gy'),
    target: g.target.kind === 'combined' ? tr('web-opt-goal-combined') : g.target.kind === 'every' ? tr('web-opt-goal-every') : tr('web-opt-goal-named', { tumour: 'id' in g.target ? g.target.id : '' }),
  })).join('; ');
  const limits = r.limits.map((l) => `${l.injection ? `${l.injection}: ` : ''}${LIMIT_WORDS[l.limit] ? LIMIT_WORDS[l.limit]() : l.limit} ≤ ${qty(l.max_gy, l.limit.startsWith('lung') ? 1 : 0, 'Gy')}`).join('; ');
  return { goals, limits };
}

/** Whether and how the best choice can be applied. @param {Helpers} o @param {Schemas['PlanOptimisation']} r */
function applyBox(o, r) {
  const { h } = o;
  const box = h('div', { class: 'unc-apply', 'data-testid': 'opt-apply' });
  const a = r.apply;
  if (!a || !r.best) return box;
  if (a.already_planned) {
    box.append(h('p', {}, tr('web-opt-already-planned')));
  } else if (a.reproduces_best) {
    const allowed = o.can('edit_plan');
    box.append(h('p', {}, tr('web-opt-applicable', { day: signed(r.best.day), treatment: instant(r.best.treatment) })),
      h('button', { class: allowed ? 'primary' : null, disabled: !allowed, 'data-testid': 'opt-apply-button',
        title: allowed ? (o.plan.editable ? '' : tr('web-opt-apply-new-version')) : tr('web-opt-role-may-not-apply'),
        onclick: () => o.applyParameters(a.parameters) }, o.plan.editable ? tr('web-opt-apply') : tr('web-opt-apply-new-version')));
  } else {
    box.append(h('p', { 'data-testid': 'opt-recommendation-only' }, h('b', {}, tr('web-opt-recommendation-only')), ' ', tr('web-opt-why-not', { day: signed(r.best.day) })),
      h('ul', { class: 'small' }, a.plan_orders.map((p) => h('li', {}, tr('web-opt-plan-would-order', {
        injection: p.injection, vials: p.vials, size: qty(p.vial_gbq, p.vial_gbq < 1 ? 3 : 1, 'GBq'), calibration: instant(p.calibration), administered: activity(p.administered_gbq),
      })))),
      h('p', { class: 'small muted' }, tr('web-opt-how-to-follow')));
  }
  return box;
}

/** The trade-off table (Pareto front): the best marked, those above ε marked. @param {Helpers} o @param {Schemas['PlanOptimisation']} r */
function frontTable(o, r) {
  const { h } = o;
  const best = r.best;
  const isBest = (/** @type {Schemas['CandidateView']} */ c) => !!best && c.day === best.day && c.treatment === best.treatment
    && c.p_goals_met === best.p_goals_met && c.p_limit_exceeded === best.p_limit_exceeded && c.administered_gbq === best.administered_gbq;
  const rows = r.pareto_front.map((c) => [signed(c.day), h('span', { class: 'nowrap' }, instant(c.treatment).slice(0, 16)), choiceCell(o, c), h('span', { class: 'nowrap' }, activity(c.administered_gbq)),
    pct(c.p_goals_met), pct(c.p_limit_exceeded),
    isBest(c) ? h('span', { class: 'badge pass' }, tr('web-opt-mark-best')) : (c.feasible ? '' : h('span', { class: 'unc-tag', title: tr('web-opt-above-title', { epsilon: pct(r.epsilon) }) }, tr('web-opt-mark-above', { epsilon: pct(r.epsilon) })))]);
  const t = table3(o, [tr('web-opt-col-day'), tr('web-opt-col-treatment'), tr('web-opt-col-choice'), tr('web-opt-col-administered'), tr('web-opt-col-goals'), tr('web-opt-col-limit'), ''], rows, 'opt-front', [0, 3, 4, 5]);
  t.querySelectorAll('tbody tr').forEach((tr_, i) => {
    const c = r.pareto_front[i];
    if (isBest(c)) tr_.classList.add('unc-best');
    else if (!c.feasible) tr_.classList.add('unc-above');
  });
  return t;
}

/** The optimisation's result. @param {Helpers} o @param {Schemas['PlanOptimisation']} r */
function optimisationResult(o, r) {
  const { h } = o;
  const box = h('div', { 'data-testid': 'opt-result' });
  const { goals, limits } = goalsText(r);
  const source = r.epsilon_source === 'request' ? tr('web-opt-epsilon-request') : tr('web-opt-epsilon-site');
  box.append(h('p', { class: 'unc-aim', 'data-testid': 'opt-aim' }, tr('web-opt-aim', { session: r.session, planned: instant(r.planned_treatment), epsilon: pct(r.epsilon), source })),
    h('dl', { class: 'kv small' },
      h('dt', {}, tr('web-opt-goals')), h('dd', {}, goals),
      h('dt', {}, tr('web-opt-limits')), h('dd', {}, limits),
      h('dt', {}, tr('web-opt-monte-carlo')), h('dd', {}, tr('web-opt-monte-carlo-text', { samples: r.samples, seed: String(r.seed) }), ' ', spreadsLine(o, r)),
      h('dt', {}, tr('web-opt-candidates')), h('dd', {}, tr('web-opt-candidates-text', { count: r.candidates_evaluated, from: signed(r.days.from), to: signed(r.days.to) }),
        r.days_without_order.length ? ` ${tr('web-opt-days-without-order', { days: r.days_without_order.map(signed).join(', ') })}` : '')));
  if (r.best) {
    const b = r.best;
    box.append(h('div', { class: 'unc-best-box', 'data-testid': 'opt-best' },
      h('h4', {}, tr('web-opt-best', { day: signed(b.day), treatment: instant(b.treatment) })),
      h('ul', {}, b.injections.map((c) => h('li', {}, choiceText(c)))),
      probabilities(o, b, r.epsilon)));
  } else {
    box.append(h('p', { class: 'error', 'data-testid': 'opt-none-feasible' }, tr('web-opt-none-feasible', { epsilon: pct(r.epsilon) })));
  }
  box.append(applyBox(o, r));
  box.append(h('div', { class: 'unc-planned', 'data-testid': 'opt-planned' },
    h('h4', {}, tr('web-opt-planned', { treatment: instant(r.planned.treatment) })),
    h('ul', {}, r.planned.injections.map((c) => h('li', {}, choiceText(c)))),
    probabilities(o, r.planned, r.epsilon)));
  box.append(h('h4', {}, tr('web-opt-front')), h('p', { class: 'small muted' }, tr('web-opt-front-help')), frontTable(o, r),
    h('p', { class: 'small muted' }, tr('web-opt-legend', { epsilon: pct(r.epsilon) })),
    h('p', { class: 'small muted' }, tr('web-opt-method')));
  return box;
}

/** The optimisation part: its options, the button, the computing state, the result. @param {HTMLElement} box @param {Helpers} o */
function mountOptimisation(box, o) {
  const { h, api, plan } = o;
  const key = `o:${plan.id}:${plan.row_version}`;
  const from = numberField(o, tr('web-opt-days-from'), DEFAULT_DAYS[0], 'opt-days-from', { step: 1, min: -60, max: 60 });
  const to = numberField(o, tr('web-opt-days-to'), DEFAULT_DAYS[1], 'opt-days-to', { step: 1, min: -60, max: 60 });
  const epsilon = numberField(o, tr('web-opt-epsilon-percent'), '', 'opt-epsilon', { min: 0.1, max: 99.9, step: 0.5, placeholder: tr('web-opt-epsilon-placeholder') });
  const samples = numberField(o, tr('web-unc-samples'), DEFAULT_OPTIMISE_SAMPLES, 'opt-samples', { min: 100, max: 20000, step: 1000 });
  const seed = numberField(o, tr('web-unc-seed'), DEFAULT_SEED, 'opt-seed', { min: 0, step: 1 });
  const status = h('div', { class: 'status-line', 'aria-live': 'polite', 'data-testid': 'opt-status' });
  const out = h('div');
  const go = h('button', { class: 'primary', 'data-testid': 'opt-run', onclick: async () => {
    go.disabled = true;
    out.setAttribute('aria-busy', 'true');
    status.replaceChildren(h('span', { class: 'unc-computing', 'data-testid': 'opt-computing' }, tr('web-opt-computing', { samples: samples.input.value })));
    try {
      /** @type {Schemas['OptimiseBody']} */
      const body = {};
      const f = wholeOf(from.input); const t = wholeOf(to.input);
      if (f !== undefined || t !== undefined) body.days = { from: f ?? DEFAULT_DAYS[0], to: t ?? DEFAULT_DAYS[1] };
      const e = wholeOf(epsilon.input);
      if (e !== undefined) body.epsilon = e / 100;
      const n = wholeOf(samples.input); if (n !== undefined) body.samples = n;
      const s = wholeOf(seed.input); if (s !== undefined) body.seed = s;
      /** @type {Schemas['PlanOptimisation']} */
      const r = (await api('POST', `/api/plans/${plan.id}/optimise`, body)).data;
      kept.set(key, r);
      status.replaceChildren();
      out.replaceChildren(optimisationResult(o, r));
    } catch (err) { status.replaceChildren(o.errorBox(err)); }
    out.removeAttribute('aria-busy');
    go.disabled = false;
  } }, tr('web-opt-run'));
  if (!o.can('analyse_plan')) { go.disabled = true; go.title = tr('web-unc-role-may-not'); }
  box.append(h('h3', {}, tr('web-opt-title')), h('p', { class: 'small muted' }, tr('web-opt-help')),
    h('div', { class: 'row unc-form' }, from.field, to.field, epsilon.field, samples.field, seed.field, go), status, out);
  if (kept.has(key)) out.replaceChildren(optimisationResult(o, kept.get(key)));
}

/**
 * The panel "Uncertainty and optimisation" of the planning workspace.
 * @param {HTMLElement} panel
 * @param {Helpers} o
 */
export function mountUncertainty(panel, o) {
  const { h } = o;
  const propagation = h('div', { 'data-testid': 'unc-propagation' });
  const optimisation = h('div', { 'data-testid': 'opt-panel' });
  panel.append(propagation, optimisation);
  mountPropagation(propagation, o);
  mountOptimisation(optimisation, o);
}
