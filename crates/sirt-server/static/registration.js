// @ts-check
// The registration tool of the planning pages (issue 16, "Registration"): the planning CT with the
// moving image (the CT of the MAA SPECT/CT or of the Y-90 PET/CT for the fit check, or the SPECT/PET
// itself) fused as a colour overlay or as a checkerboard, in NiiVue; the automatic registration
// (POST /api/cases/{id}/workbench/registration), nudges by keys and mouse, and the save as a DICOM
// Spatial Registration series (PUT, the same path). The registration the draft picks is read back
// (GET, the same path: its matrix, how it was found, who saved it and when) and shown when the page
// opens.
//
// Geometry (docs/coordinates.md): `fixed_from_moving` (T) takes a point in the moving series' patient
// coordinates (LPS, mm) to the planning CT's. The volumes come as NIfTI whose affine takes a voxel to
// RAS mm in the series' own frame (series_volume.rs); the overlay is drawn through T by replacing its
// affine with D·T·D·A0 (D = diag(−1, −1, 1, 1), LPS ↔ RAS; A0 its own affine): no server round trip
// per key. A nudge N (rotation R about the view's centre c, then a translation t, planning CT LPS)
// makes T' = N·T, N(q) = R (q − c) + c + t.
//
// Keys (the canvas focused): ←/→ and ↑/↓ move the overlay in the view's plane, PageUp/PageDown along
// its normal, 1 mm (with Shift 5 mm); with Ctrl, ←/→ turn it 0.5° about the view's normal through the
// centre of the view. A drag with the left mouse button moves it in the view's plane.
//
// The view (NiiVue, a WebGL context) opens only when asked ("Open the registration view"): browsers
// give a page few WebGL contexts, and most drafts need no registration. `releaseRegistration` frees
// it when the view is closed or the page is drawn again.

import { Niivue, NVImage, SLICE_TYPE, DRAG_MODE } from './niivue.min.js';
import { tr, num, currentLang } from './i18n.js';

/** Translation step of a key, mm (design choice: about a third of a CT voxel's width or less). */
const STEP_MM = 1;
/** Translation step with Shift, mm (design choice). */
const BIG_STEP_MM = 5;
/** Rotation step of a key, degrees (design choice: the accuracy limit for CT–CT, 0.5°). */
const STEP_DEG = 0.5;
/** Side of the checkerboard's blocks, mm (design choice: a few blocks across the liver). */
const CHECKER_MM = 24;
/** Window of the CT images shown, HU: width and level of the abdomen preset (viewer.js WINDOWS). */
const WINDOW = [400, 40];
/** Opacity of the fused overlay at the start (design choice: both images visible). */
const FUSED_OPACITY = 0.5;
/** A SPECT or PET voxel below this fraction of the image's maximum is not drawn (design choice, as the viewer's wash). */
const ACTIVITY_FROM = 0.05;
/** Crosshair width, voxels (design choice: thin, as the plan viewer's CROSSHAIR_VOXELS). */
const CROSSHAIR_WIDTH = 0.35;
/** Grey levels of an image drawn opaque in the checkerboard (1 … 255; 0 is a block left out). */
const GREY_LEVELS = 254;

/** @typedef {number[][]} M4 a 4 × 4 matrix, row-major */
/** @typedef {{ hdr: { affine: number[][], dims: number[], pixDims: number[] }, img: ArrayLike<number> & { [i: number]: number },
 *   setAffine(m: number[][]): void, clone(): any, cal_min: number, cal_max: number, colormapType: number, opacity: number,
 *   global_max: number }} Vol */

const IDENTITY = () => [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
/** @param {M4} a @param {M4} b @returns {M4} */
const mul = (a, b) => a.map((row) => [0, 1, 2, 3].map((j) => row.reduce((s, x, k) => s + x * b[k][j], 0)));
/** LPS ↔ RAS. */
const D = [[-1, 0, 0, 0], [0, -1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];

/** R = Rz(γ)·Ry(β)·Rx(α) of angles in degrees (sirt_registration::rotation_from_angles_deg). @returns {M4} */
function rotation([ax, ay, az]) {
  const [a, b, c] = [ax, ay, az].map((d) => (d * Math.PI) / 180);
  const rx = [[1, 0, 0, 0], [0, Math.cos(a), -Math.sin(a), 0], [0, Math.sin(a), Math.cos(a), 0], [0, 0, 0, 1]];
  const ry = [[Math.cos(b), 0, Math.sin(b), 0], [0, 1, 0, 0], [-Math.sin(b), 0, Math.cos(b), 0], [0, 0, 0, 1]];
  const rz = [[Math.cos(c), -Math.sin(c), 0, 0], [Math.sin(c), Math.cos(c), 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]];
  return mul(rz, mul(ry, rx));
}

/** Angles about x, y, z (degrees) of a rotation R = Rz·Ry·Rx (sirt_registration::rotation_angles_deg). @param {M4} m */
function angles(m) {
  const deg = (r) => (r * 180) / Math.PI;
  return [deg(Math.atan2(m[2][1], m[2][2])), deg(-Math.asin(Math.max(-1, Math.min(1, m[2][0])))), deg(Math.atan2(m[1][0], m[0][0]))];
}

/** N·T with N a rotation about `c` (LPS) by `deg` then a translation `t` (LPS, mm). @param {M4} tm @param {number[]} c */
export function nudge(tm, c, deg, t) {
  const r = rotation(deg);
  const toC = [[1, 0, 0, -c[0]], [0, 1, 0, -c[1]], [0, 0, 1, -c[2]], [0, 0, 0, 1]];
  const back = [[1, 0, 0, c[0] + t[0]], [0, 1, 0, c[1] + t[1]], [0, 0, 1, c[2] + t[2]], [0, 0, 0, 1]];
  return mul(back, mul(r, mul(toC, tm)));
}

/**
 * The view's axes in LPS: screen right, screen up, and the normal (towards the viewer), for NiiVue's
 * radiological display (axial: the patient's left on the right, anterior up; coronal: superior up;
 * sagittal with the nose on the left).
 * @param {number} slice SLICE_TYPE
 */
function viewAxes(slice) {
  if (slice === SLICE_TYPE.CORONAL) return { right: [1, 0, 0], up: [0, 0, 1], normal: [0, -1, 0], about: [0, 1, 0] };
  if (slice === SLICE_TYPE.SAGITTAL) return { right: [0, 1, 0], up: [0, 0, 1], normal: [1, 0, 0], about: [1, 0, 0] };
  return { right: [1, 0, 0], up: [0, -1, 0], normal: [0, 0, 1], about: [0, 0, 1] };
}

/** The view holding a WebGL context now. @type {{ close: () => void } | null} */
let live = null;

/** Frees the registration view's WebGL context (closed, or the page drawn again). */
export function releaseRegistration() {
  const d = live;
  live = null;
  if (d) d.close();
}

/**
 * Mounts the tool in `box`.
 * @param {HTMLElement} box
 * @param {{ caseId: number, workbench: any, editable: boolean,
 *   api: (method: string, path: string, body?: unknown) => Promise<{ data: any }>,
 *   h: (tag: any, attrs?: Record<string, any>, ...children: any[]) => any,
 *   errorBox: (err: unknown) => HTMLElement, onSaved: (workbench: any) => void }} o
 */
export function mountRegistration(box, o) {
  const { h, api } = o;
  const roles = o.workbench.draft.roles;
  const movings = [];
  if (roles.maa_spect) movings.push('spect');
  if (roles.y90_pet) movings.push('pet');
  if (!roles.planning_ct || !movings.length) {
    box.append(h('p', { class: 'muted' }, tr('web-reg-need-roles')));
    return;
  }
  const state = {
    moving: movings[0], region: 'liver', show: 'ct', slice: /** @type {number} */ (SLICE_TYPE.AXIAL), view: 'fused',
    /** @type {M4} */ transform: IDENTITY(), /** @type {M4 | null} */ automatic: null,
    /** @type {{ kind: string, text: string }[]} */ warnings: [],
  };
  const out = h('div', { 'data-testid': 'reg-out' });
  const note = h('p', { class: 'small muted', 'data-testid': 'reg-note' });
  /** The registrations the draft picks, read back (GET …/registration), by moving image; null until
   *  read. @type {Record<string, any> | null} */
  let saved = null;
  /** Why they could not be read, if so. */
  let savedError = '';
  /** The transform to start from: the registration the draft picks for the moving image (its
   *  figures, how it was found, who saved it and when), else none. */
  const startFrom = () => {
    const picked = state.moving === 'spect' ? roles.registration : roles.pet_registration;
    const s = saved && saved[state.moving];
    state.transform = s && s.series_id === picked ? s.fixed_from_moving.map((r) => r.slice()) : IDENTITY();
    state.automatic = null;
    if (!picked) note.textContent = '';
    else if (savedError) note.textContent = tr('web-reg-saved-error', { error: savedError });
    else if (!s) note.textContent = saved ? '' : tr('web-reg-loading');
    else {
      const method = s.method ? tr(`web-reg-saved-${s.method.replace('_', '-')}`) : tr('web-reg-saved-other', { description: s.description || '—' });
      note.textContent = tr('web-reg-saved', { series: s.series_id, method, creator: s.creator || tr('web-reg-not-stated'), when: s.made_at || tr('web-reg-not-stated') });
    }
  };
  startFrom();
  const figures = h('div', { class: 'small', 'data-testid': 'reg-transform' });
  const canvasBox = h('div', { class: 'reg-view', 'data-testid': 'reg-viewbox' });
  const opacity = /** @type {HTMLInputElement} */ (h('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(FUSED_OPACITY), 'data-testid': 'reg-opacity',
    oninput: () => { if (fused && nv) { fused.opacity = Number(opacity.value); nv.updateGLVolume(); } } }));
  const accept = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', 'data-testid': 'reg-accept-warnings' }));
  const acceptRow = h('label', { class: 'nowrap', hidden: true }, accept, ' ', tr('web-reg-accept-warnings'));
  /** NiiVue, while the view is open. @type {import('./niivue.min.js').Niivue | null} */
  let nv = null;
  /** @type {Vol | null} */ let fixed = null;
  /** @type {Vol | null} */ let fused = null;
  /** @type {Vol | null} */ let checker = null;
  /** The moving volume's own affine (RAS, its frame). @type {M4 | null} */ let ownAffine = null;

  const seriesId = () => {
    if (state.moving === 'spect') return state.show === 'ct' && roles.maa_ct ? roles.maa_ct : roles.maa_spect;
    return state.show === 'ct' && roles.pet_ct ? roles.pet_ct : roles.y90_pet;
  };
  const isCt = () => (state.moving === 'spect' ? state.show === 'ct' && !!roles.maa_ct : state.show === 'ct' && !!roles.pet_ct);
  const volumeUrl = (id) => `/api/cases/${o.caseId}/workbench/series/${id}/volume`;

  /** Draws the overlays through the current transform. */
  const place = () => {
    if (!ownAffine) { showFigures(); return; }
    const a = mul(D, mul(state.transform, mul(D, ownAffine)));
    for (const v of [fused, checker]) if (v) v.setAffine(a.map((r) => r.slice()));
    if (nv) nv.updateGLVolume();
    showFigures();
  };
  const showFigures = () => {
    const t = state.transform; const [ax, ay, az] = angles(t);
    // No "−0.00" for what rounds to zero; in French the numbers have a decimal comma: apart by " ; ".
    const f = (v, d) => num(Math.abs(v) < 0.5 * 10 ** -d ? 0 : v, d);
    const sep = currentLang() === 'fr' ? '\u00a0; ' : ', ';
    const mm = (v) => `${v.map((x) => f(x, 1)).join(sep)} mm`;
    const deg = (v) => v.map((x) => `${f(x, 2)}°`).join(sep);
    const rows = [[tr('web-reg-translation'), mm([t[0][3], t[1][3], t[2][3]])], [tr('web-reg-angles'), deg([ax, ay, az])]];
    if (state.automatic) {
      const a = state.automatic; const [bx, by, bz] = angles(a);
      rows.push([tr('web-reg-difference'), `${mm([t[0][3] - a[0][3], t[1][3] - a[1][3], t[2][3] - a[2][3]])}${currentLang() === 'fr' ? '\u00a0;' : ';'} ${deg([ax - bx, ay - by, az - bz])}`]);
    }
    figures.replaceChildren(h('table', {}, ...rows.map(([k, v]) => h('tr', {}, h('th', {}, k), h('td', { 'data-testid': `reg-${k === rows[0][0] ? 'translation' : k === rows[1][0] ? 'angles' : 'difference'}` }, v)))));
  };

  /** The moving image's values for the two overlays: windowed grey (1 … 255, 0 outside the checker's blocks). */
  const fillOverlays = () => {
    if (!fused || !checker) return;
    const src = fused.img; const dst = checker.img;
    const [, nx, ny, nz] = checker.hdr.dims; const [, sx, sy, sz] = checker.hdr.pixDims;
    const [w, l] = WINDOW;
    const max = fused.global_max || 1;
    const lo = isCt() ? l - w / 2 : 0; const hi = isCt() ? l + w / 2 : max;
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      const n = i + nx * (j + ny * k);
      const on = (Math.floor((i * sx) / CHECKER_MM) + Math.floor((j * sy) / CHECKER_MM) + Math.floor((k * sz) / CHECKER_MM)) % 2 === 0;
      const g = 1 + Math.round(GREY_LEVELS * Math.max(0, Math.min(1, (src[n] - lo) / (hi - lo))));
      dst[n] = on ? g : 0;
    }
    checker.cal_min = 0.5; checker.cal_max = 255; checker.colormapType = 1;
    fused.cal_min = isCt() ? lo : ACTIVITY_FROM * max; fused.cal_max = isCt() ? hi : max; fused.colormapType = isCt() ? 0 : 1;
  };
  const applyView = () => {
    if (!fused || !checker) return;
    fused.opacity = state.view === 'fused' ? Number(opacity.value) : 0;
    checker.opacity = state.view === 'checker' ? 1 : 0;
    // The checkerboard's blocks with sharp edges (a linear blend of a block with the 0 beside it
    // draws dark seams).
    if (nv) { /** @type {any} */ (nv).setInterpolation(state.view === 'checker'); nv.updateGLVolume(); }
  };

  const load = async () => {
    if (!nv) return;
    const view = nv;
    canvasBox.dataset.ready = '0';
    out.replaceChildren(h('p', { class: 'muted' }, tr('web-reg-loading')));
    try {
      const f = /** @type {any} */ (await NVImage.loadFromUrl({ url: volumeUrl(roles.planning_ct), name: 'fixed.nii.gz', colormap: 'gray' }));
      f.cal_min = WINDOW[1] - WINDOW[0] / 2; f.cal_max = WINDOW[1] + WINDOW[0] / 2;
      const m = /** @type {any} */ (await NVImage.loadFromUrl({ url: volumeUrl(seriesId()), name: 'moving.nii.gz', colormap: isCt() ? 'warm' : 'hot' }));
      // The checkerboard's copy: same header and voxel type (its values 0 … 255 fit both int16 and float32).
      const c = m.clone();
      c.colormap = 'sirt-opaque-grey';
      if (nv !== view) return;
      const nva = /** @type {any} */ (nv);
      for (const v of [...nv.volumes]) nva.removeVolume(v);
      nva.addVolume(f); nva.addVolume(m); nva.addVolume(c);
      fixed = f; fused = m; checker = c;
      ownAffine = m.hdr.affine.map((r) => Array.from(r));
      fillOverlays();
      nv.setSliceType(state.slice);
      place();
      applyView();
      out.replaceChildren();
      canvasBox.dataset.ready = '1';
    } catch (err) { out.replaceChildren(o.errorBox(err)); }
  };

  /** The centre of the view (the crosshair), LPS mm. */
  const centre = () => {
    if (!nv) return [0, 0, 0];
    const ras = nv.frac2mm(nv.scene.crosshairPos);
    return [-ras[0], -ras[1], ras[2]];
  };
  const move = (lps) => { state.transform = nudge(state.transform, [0, 0, 0], [0, 0, 0], lps); place(); };
  const turn = (deg) => {
    const ax = viewAxes(state.slice).about;
    state.transform = nudge(state.transform, centre(), ax.map((a) => a * deg), [0, 0, 0]); place();
  };
  /** @param {KeyboardEvent} e */
  const onKey = (e) => {
    const ax = viewAxes(state.slice); const s = e.shiftKey ? BIG_STEP_MM : STEP_MM;
    const by = (v, k) => v.map((x) => x * k);
    if (e.ctrlKey && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) turn(e.key === 'ArrowLeft' ? STEP_DEG : -STEP_DEG);
    else if (e.key === 'ArrowLeft') move(by(ax.right, -s));
    else if (e.key === 'ArrowRight') move(by(ax.right, s));
    else if (e.key === 'ArrowUp') move(by(ax.up, s));
    else if (e.key === 'ArrowDown') move(by(ax.up, -s));
    else if (e.key === 'PageUp') move(by(ax.normal, s));
    else if (e.key === 'PageDown') move(by(ax.normal, -s));
    else return;
    e.preventDefault(); e.stopPropagation();
  };
  /** A drag moves the overlay by the drag's vector in the view's plane (NiiVue gives RAS mm). */
  /** @param {any} d */
  const onDragRelease = (d) => {
    if (!d || !d.mmStart || !d.mmEnd) return;
    const v = [0, 1, 2].map((i) => d.mmEnd[i] - d.mmStart[i]);
    if (Math.hypot(...v) === 0) return;
    move([-v[0], -v[1], v[2]]);
  };


  /** The view's place before it is opened (or after it is closed): the button that opens it. */
  const closedView = () => {
    delete canvasBox.dataset.ready;
    canvasBox.classList.add('closed');
    canvasBox.replaceChildren(h('button', { type: 'button', 'data-testid': 'reg-open', onclick: openView }, tr('web-reg-open')));
    fixed = null; fused = null; checker = null; ownAffine = null;
  };
  /** Opens the view: a new canvas and NiiVue (an earlier view anywhere released first). */
  async function openView() {
    releaseRegistration();
    const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', { tabindex: '0', 'data-testid': 'reg-canvas', 'aria-label': tr('web-reg-canvas') }));
    canvas.addEventListener('keydown', onKey, true);
    canvasBox.classList.remove('closed');
    canvasBox.replaceChildren(canvas, h('button', { type: 'button', class: 'reg-close', 'data-testid': 'reg-close', onclick: () => { if (live && live.close === close) releaseRegistration(); } }, tr('web-reg-close')));
    const view = new Niivue({ isRadiologicalConvention: true, sagittalNoseLeft: true, isOrientationTextVisible: true, isColorbar: false,
      show3Dcrosshair: false, crosshairColor: [1, 1, 0, 0.35], crosshairWidth: CROSSHAIR_WIDTH, backColor: [0, 0, 0, 1], dragMode: DRAG_MODE.callbackOnly,
      viewModeHotKey: 'None', clipPlaneHotKey: 'None', cycleClipPlaneHotKey: 'None', dragAndDropEnabled: false, logLevel: 'error', loadingText: '' });
    view.addColormap('sirt-opaque-grey', { R: [0, 0, 255], G: [0, 0, 255], B: [0, 0, 255], A: [0, 255, 255], I: [0, 1, 255] });
    /** @type {any} */ (view).onDragRelease = onDragRelease;
    const leave = () => { if (!box.isConnected) releaseRegistration(); };
    const close = () => {
      window.removeEventListener('hashchange', leave);
      try {
        view.cleanup();
        const gl = /** @type {WebGL2RenderingContext | null} */ (view.gl);
        const lose = gl && gl.getExtension('WEBGL_lose_context');
        if (lose) lose.loseContext();
      } catch (e) { /* the context may be gone already */ }
      if (nv === view) { nv = null; closedView(); }
    };
    window.addEventListener('hashchange', leave);
    live = { close };
    nv = view;
    try {
      await view.attachToCanvas(canvas);
    } catch (err) { out.replaceChildren(o.errorBox(err)); return; }
    await load();
    canvas.focus();
  }
  const run = async () => {
    out.replaceChildren(h('p', { class: 'muted', 'data-testid': 'reg-running' }, tr('web-reg-running')));
    try {
      const r = await api('POST', `/api/cases/${o.caseId}/workbench/registration`, { moving: state.moving, region: state.region });
      state.automatic = r.data.fixed_from_moving; state.transform = r.data.fixed_from_moving.map((x) => x.slice());
      state.warnings = r.data.warnings;
      acceptRow.hidden = !state.warnings.length;
      const q = r.data.quality;
      out.replaceChildren(h('p', { 'data-testid': 'reg-quality' }, tr('web-reg-quality', { nmi: num(q.normalised_mi, 3), start: num(q.normalised_mi_initial, 3), overlap: num(100 * q.overlap, 1) }),
        ' ', h('span', { class: 'small muted' }, r.data.region)),
        ...state.warnings.map((w) => h('p', { class: 'error', 'data-testid': 'reg-warning' }, w.text)));
      place();
    } catch (err) { out.replaceChildren(o.errorBox(err)); }
  };
  const saveIt = async () => {
    try {
      const r = await api('PUT', `/api/cases/${o.caseId}/workbench/registration`, { moving: state.moving, fixed_from_moving: state.transform,
        automatic: state.automatic, accept_warnings: accept.checked, revision: o.workbench.revision });
      o.onSaved(r.data);
    } catch (err) { out.replaceChildren(o.errorBox(err)); }
  };
  const select = (testid, options, key, after) => {
    const sel = /** @type {HTMLSelectElement} */ (h('select', { 'data-testid': testid, onchange: () => { state[key] = sel.value; if (after) after(); } },
      options.map(([v, words]) => h('option', { value: v }, words))));
    sel.value = state[key];
    return sel;
  };
  const dis = { disabled: !o.editable };
  box.append(
    h('div', { class: 'row' },
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-moving')), select('reg-moving', movings.map((m) => [m, tr(`web-reg-moving-${m}`)]), 'moving', () => { startFrom(); place(); load(); })),
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-show')), select('reg-show', [['ct', tr('web-reg-show-ct')], ['activity', tr('web-reg-show-activity')]], 'show', load)),
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-region')), select('reg-region', [['liver', tr('web-reg-region-liver')], ['none', tr('web-reg-region-none')]], 'region'))),
    h('div', { class: 'row' },
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-view')), select('reg-view', [['fused', tr('web-reg-view-fused')], ['checker', tr('web-reg-view-checker')]], 'view', applyView)),
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-opacity')), opacity),
      h('label', { class: 'field' }, h('span', {}, tr('web-reg-plane')), select('reg-plane', [[String(SLICE_TYPE.AXIAL), tr('web-reg-plane-axial')], [String(SLICE_TYPE.CORONAL), tr('web-reg-plane-coronal')],
        [String(SLICE_TYPE.SAGITTAL), tr('web-reg-plane-sagittal')]], 'slice', () => { state.slice = Number(state.slice); if (nv) nv.setSliceType(state.slice); }))),
    canvasBox,
    h('p', { class: 'small muted' }, tr('web-reg-keys')),
    note,
    figures,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'primary', ...dis, 'data-testid': 'reg-run', onclick: run }, tr('web-reg-run')), ' ',
      h('button', { type: 'button', ...dis, 'data-testid': 'reg-back', onclick: () => { if (state.automatic) { state.transform = state.automatic.map((x) => x.slice()); place(); } } }, tr('web-reg-back')), ' ',
      h('button', { type: 'button', class: 'primary', ...dis, 'data-testid': 'reg-save', onclick: saveIt }, tr('web-reg-save')), ' ', acceptRow),
    out);
  closedView();
  showFigures();
  // The registrations picked, read back (the page may have been reloaded since they were saved).
  if (roles.registration || roles.pet_registration) {
    box.dataset.saved = '0';
    api('GET', `/api/cases/${o.caseId}/workbench/registration`)
      .then((r) => { saved = r.data; }, (err) => { saved = {}; savedError = err instanceof Error ? err.message : String(err); })
      .then(() => { startFrom(); place(); box.dataset.saved = '1'; });
  }
}
