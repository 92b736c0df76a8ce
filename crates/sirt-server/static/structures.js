// @ts-check
// sirtplan structure editor of the planning pages (issue 16, "Structures"): the planning CT in
// NiiVue with the structures of the case's editing session as coloured outlines (or fills), a list
// with their live volumes, the tools of the server (region growing from the crosshair, thresholds,
// the perfused territory of an injection, booleans, margins, fill holes, interpolation), NiiVue's
// own drawing (pen, filled pen, eraser) on the active structure, sent to the server as the slab of
// the slices it touched, undo and redo (Ctrl+Z, Ctrl+Y), naming a structure and its role (a NIfTI
// label map's labels come as "label N"), and saving as a DICOM SEG or RT Structure Set picked as the
// draft's structures. Every tool runs on the server (crates/sirt-server/src/workbench/
// structures_edit.rs); this page shows and sends.
//
// Geometry: the CT is `GET …/workbench/series/{id}/volume` (NIfTI, the series' affine); each mask
// is `GET …/structures/session/mask` (one byte a voxel in the CT grid's order: i fastest, then j,
// then k) shown through the CT's own NIfTI header (`format=nifti` once), so that it lies on the CT.
// NiiVue keeps its drawing bitmap in the back volume's RAS-reoriented voxel order (`dimsRAS`);
// `img2RASstart`/`img2RASstep` take a RAS voxel (x, y, z) to its native offset: the sum of the three
// start offsets plus x·step0 + y·step1 + z·step2 (NiiVue's own reorientation when it saves a
// drawing). `rasCopy` uses the same formula both ways. NiiVue's millimetres are RAS: a point's LPS
// coordinates are (−x, −y, z) (docs/coordinates.md).
//
// One editor at a time holds a WebGL context (headless browsers and small GPUs have few):
// `releaseStructureEditor` frees it when the panel closes or the page is drawn again.

/**
 * @typedef {import('../e2e/types/api').components['schemas']} Schemas
 * @typedef {Schemas['StructureSession']} Session
 * @typedef {Schemas['EditedStructure']} Edited
 * @typedef {import('./niivue.min.js').NVImage & { hdr: any, img: any }} Volume
 * @typedef {import('./niivue.min.js').Niivue & {
 *   drawBitmap: Uint8Array | null, opts: Record<string, any>,
 *   setDrawingEnabled(on: boolean): void, setPenValue(value: number, filled?: boolean): void,
 *   createEmptyDrawing(): void, refreshDrawing(force?: boolean): void, setDrawColormap(cm: object): void,
 *   setDrawOpacity(o: number): void, onDrawingChanged: (action: string) => void,
 *   loadVolumes(list: object[]): Promise<unknown>,
 * }} DrawingNiivue
 * @typedef {{ img2RASstart: number[], img2RASstep: number[], dimsRAS: number[] }} RasMap
 */

import { Niivue, NVImage, SLICE_TYPE } from './niivue.min.js';
import { STRUCTURE_COLOURS, WINDOWS, structureColour } from './viewer.js';
import { tr, num } from './i18n.js';

/** Default HU window of the region growing: a contrast-enhanced liver (portal phase ~60 HU,
 *  noise ~12 HU) against fat and muscle (design choice; the physicist changes it). */
const GROW_HU = [48, 200];
/** Default threshold of a perfused territory, % of the SPECT's maximum in the liver (design
 *  choice: the isocontour level of common practice, adjusted per patient). */
const TERRITORY_PERCENT = 10;
/** Opacity of the structures' fills over the CT when "fill" is ticked (design choice, as the plan
 *  viewer's FILL_OPACITY: the CT stays readable). */
const FILL_OPACITY = 0.3;
/**
 * Opacity of a structure drawn as its outline only: NiiVue (with `atlasOutline`) draws a label's
 * border at full strength and its inside at this opacity, and skips a layer at exactly 0 (design
 * choice, as viewer.js's OUTLINE_ONLY_OPACITY).
 */
const OUTLINE_ONLY_OPACITY = 0.001;
/** Opacity of the active structure's drawing (design choice: the structure being edited stands out). */
const DRAW_OPACITY = 0.5;
/** Colours for a new structure once the plan viewer's twelve are all shown (design choice: bright
 *  hues apart from that palette; the editor draws no isodose lines, whose colours they may recall). */
const EXTRA_COLOURS = ['#c6ff00', '#ff9e80', '#84ffff', '#ea80fc', '#ffffff'];
/** Pen widths offered, voxels (design choice: a line, a small and a broad brush). */
const PEN_SIZES = [1, 3, 5];
/** Crosshair: colour (RGBA 0–1) and width in voxels (design choice: thin and translucent, so that
 *  the edge being drawn stays visible; the width as the plan viewer's CROSSHAIR_VOXELS). */
const CROSSHAIR_COLOUR = [1, 0.85, 0, 0.6];
const CROSSHAIR_WIDTH = 0.35;
/** NIfTI-1: header bytes (348), and the offset of the voxels with the 4 extension bytes (352). */
const NIFTI_HEADER_BYTES = 348;
const NIFTI_VOX_OFFSET = 352;
/** NIfTI-1 header fields (nifti1.h): intent_code, datatype, bitpix, vox_offset, scl_slope,
 *  scl_inter byte offsets; DT_UINT8 and NIFTI_INTENT_LABEL codes. */
const NIFTI_INTENT_AT = 68;
const NIFTI_DATATYPE_AT = 70;
const NIFTI_BITPIX_AT = 72;
const NIFTI_VOX_OFFSET_AT = 108;
const NIFTI_SLOPE_AT = 112;
const NIFTI_INTER_AT = 116;
const DT_UINT8 = 2;
const NIFTI_INTENT_LABEL = 1002;

/**
 * The colour of a structure: its own, else the plan viewer's colour of its place in the list
 * (viewer.js `structureColour`).
 * @param {Edited} s @param {Edited[]} all
 */
export function colourOf(s, all) {
  return s.colour || structureColour(s.name, all) || STRUCTURE_COLOURS[0];
}

/** @param {string} hex */
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/**
 * Copies between NiiVue's drawing bitmap (RAS voxel order of the back volume) and a mask in the
 * volume's own (file) voxel order: `toNative` false fills `to` (RAS) from `from` (native), true
 * fills `to` (native) from `from` (RAS). Offsets out of the volume are skipped.
 * @param {RasMap} back @param {Uint8Array} from @param {Uint8Array} to @param {boolean} toNative
 */
export function rasCopy(back, from, to, toNative) {
  const [, dx, dy, dz] = back.dimsRAS;
  const [s0, s1, s2] = back.img2RASstep;
  const [a0, a1, a2] = back.img2RASstart;
  const native = toNative ? to.length : from.length;
  let r = 0;
  for (let z = 0; z < dz; z++) {
    for (let y = 0; y < dy; y++) {
      let n = a0 + a1 + a2 + y * s1 + z * s2;
      for (let x = 0; x < dx; x++, r++, n += s0) {
        if (n < 0 || n >= native) continue;
        if (toNative) to[n] = from[r] ? 1 : 0; else to[r] = from[n];
      }
    }
  }
}

/**
 * A label NIfTI of one mask (one byte a voxel, the grid's order) with the CT's own header (its
 * dimensions and affine), as uint8 with the label intent.
 * @param {Uint8Array} header the first 348 bytes of a NIfTI-1 file of the CT grid
 * @param {Uint8Array} mask
 */
export function labelNifti(header, mask) {
  const buf = new ArrayBuffer(NIFTI_VOX_OFFSET + mask.byteLength);
  const bytes = new Uint8Array(buf);
  bytes.set(header.subarray(0, NIFTI_HEADER_BYTES), 0);
  const v = new DataView(buf);
  v.setInt16(NIFTI_INTENT_AT, NIFTI_INTENT_LABEL, true);
  v.setInt16(NIFTI_DATATYPE_AT, DT_UINT8, true);
  v.setInt16(NIFTI_BITPIX_AT, 8, true);
  v.setFloat32(NIFTI_VOX_OFFSET_AT, NIFTI_VOX_OFFSET, true);
  v.setFloat32(NIFTI_SLOPE_AT, 1, true);
  v.setFloat32(NIFTI_INTER_AT, 0, true);
  bytes.set(mask, NIFTI_VOX_OFFSET);
  return buf;
}

/** The editor holding a WebGL context now. @type {{ nv: DrawingNiivue, root: HTMLElement, stop: () => void } | null} */
let live = null;

/** Frees the editor's WebGL context and listeners (the panel closed, the page drawn again). */
export function releaseStructureEditor() {
  const d = live;
  live = null;
  if (!d) return;
  d.stop();
  try {
    d.nv.cleanup();
    const gl = /** @type {WebGL2RenderingContext | null} */ (d.nv.gl);
    const lose = gl && gl.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();
  } catch (e) { /* the context may be gone already */ }
  d.root.replaceChildren();
}

/**
 * Mounts the editor in `root` (an earlier one is released first).
 * @param {HTMLElement} root
 * @param {{ caseId: number, ctSeriesId: number, editable: boolean, revision: () => number,
 *   injections: string[], api: (method: string, path: string, body?: unknown) => Promise<{ data: any }>,
 *   csrf: () => string, h: (tag: any, attrs?: Record<string, any>, ...children: any[]) => any,
 *   errorBox: (err: unknown) => HTMLElement, onSaved: () => Promise<void> }} o
 */
export async function mountStructureEditor(root, o) {
  releaseStructureEditor();
  const { h, api } = o;
  const base = `/api/cases/${o.caseId}/workbench/structures/session`;
  const status = h('div', { class: 'status-line', 'data-testid': 'se-status', 'aria-live': 'polite' });
  const list = h('div', { class: 'se-list-box', 'data-testid': 'se-structures' });
  const side = h('div', { class: 'se-side' });
  const tools = h('div', { class: 'se-tools' });
  const canvas = /** @type {HTMLCanvasElement} */ (h('canvas', { 'data-testid': 'se-canvas', tabindex: '0', 'aria-label': tr('web-seg-canvas') }));
  const readout = h('div', { class: 'se-readout small', 'data-testid': 'se-readout' });
  const viewBar = h('div', { class: 'se-viewbar' });
  const view = h('div', { class: 'se-view' }, canvas);
  root.replaceChildren(status, h('div', { class: 'se-layout' }, h('div', { class: 'se-main' }, viewBar, view, readout), side), tools);

  /** @type {Session | null} */
  let session = null;
  /** The active structure's name. */
  let active = '';
  /** The active structure's mask as the server has it (grid order). @type {Uint8Array | null} */
  let activeMask = null;
  /** The drawing mode: navigate, pen, fill, erase. */
  let mode = 'navigate';
  let penSize = PEN_SIZES[0];
  /** The object the structures are saved as. */
  let saveFormat = SAVE_FORMATS[0];
  /** Structures hidden by the user; fills on or outlines only. @type {Set<string>} */
  const hidden = new Set();
  let filled = false;
  let slice = /** @type {number} */ (SLICE_TYPE.AXIAL);
  let windowIndex = 0;
  /** The CT grid's NIfTI header (348 bytes), fetched once. @type {Uint8Array | null} */
  let header = null;
  /** Label images by structure, with the signature of the mask they show. @type {Map<string, { sig: string, img: any }>} */
  const layers = new Map();
  /** The CT. @type {any} */
  let ct = null;

  const nv = /** @type {DrawingNiivue} */ (/** @type {any} */ (new Niivue({
    backColor: [0, 0, 0, 1], show3Dcrosshair: false, isResizeCanvas: true, isRadiologicalConvention: true, sagittalNoseLeft: true,
    isOrientationTextVisible: true, isColorbar: false, crosshairColor: CROSSHAIR_COLOUR, crosshairWidth: CROSSHAIR_WIDTH, atlasOutline: 1,
    penSize, viewModeHotKey: 'None', clipPlaneHotKey: 'None', cycleClipPlaneHotKey: 'None', dragAndDropEnabled: false, logLevel: 'error', loadingText: '',
  })));

  /** Ctrl+Z / Ctrl+Y (Cmd on a Mac) while the editor is on the page. @param {KeyboardEvent} e */
  const keys = (e) => {
    if (!root.isConnected) { releaseStructureEditor(); return; }
    const t = /** @type {HTMLElement} */ (e.target);
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (!(e.ctrlKey || e.metaKey) || !session || !session.open || !o.editable) return;
    const k = e.key.toLowerCase();
    if (k === 'z' && !e.shiftKey && session.undo) { e.preventDefault(); call('POST', `${base}/undo`); }
    else if ((k === 'y' || (k === 'z' && e.shiftKey)) && session.redo) { e.preventDefault(); call('POST', `${base}/redo`); }
  };
  const leave = () => { if (!root.isConnected) releaseStructureEditor(); };
  document.addEventListener('keydown', keys);
  window.addEventListener('hashchange', leave);
  live = { nv, root, stop: () => { document.removeEventListener('keydown', keys); window.removeEventListener('hashchange', leave); } };
  const mine = () => live !== null && live.nv === nv;

  /** The status line (after the images are drawn: what it says is on screen). */
  const say = (text, error = false) => { status.textContent = text; status.classList.toggle('error', error); };
  const fail = (err) => { say(err instanceof Error ? err.message : String(err), true); };
  /** @param {string} name */
  const maskUrl = (name, format = 'u8') => `${base}/mask?structure=${encodeURIComponent(name)}&format=${format}`;
  /** @param {string} url */
  const fetchBytes = async (url) => {
    const r = await fetch(url, { credentials: 'same-origin' });
    if (!r.ok) throw new Error(`${url}: ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };

  const any = /** @type {any} */ (nv);
  /** The centre of the CT voxel under the crosshair: the slice shown and the seed the tools take. */
  const crosshairVoxelFrac = () => any.vox2frac(any.frac2vox(nv.scene.crosshairPos));
  /** The crosshair's voxel centre in patient coordinates (LPS, mm). */
  const crosshairLps = () => {
    const mm = nv.frac2mm(crosshairVoxelFrac());
    return [-mm[0], -mm[1], mm[2]];
  };
  /** @param {any} d NiiVue's location answer */
  any.onLocationChange = (d) => {
    if (!d || !ct) return;
    const v = d.values && d.values[0] ? d.values[0].value : null;
    const [x, y, z] = crosshairLps();
    readout.textContent = tr('web-seg-readout', { x: num(x, 1), y: num(y, 1), z: num(z, 1), hu: v === null ? '—' : num(v, 0) });
  };

  /** The mask images over the CT, the structures' outlines (or fills), the active one excepted. */
  const drawLayers = async () => {
    const s = session;
    if (!s || !s.open || !s.dims || !ct) return;
    const wanted = s.structures.filter((x) => x.name !== active && x.voxels > 0 && !hidden.has(x.name));
    if (wanted.length && !header) header = (await fetchBytes(maskUrl(wanted[0].name, 'nifti'))).slice(0, NIFTI_HEADER_BYTES);
    const shown = [];
    for (const x of wanted) {
      const sig = `${x.voxels}|${x.how}|${x.edited_slices.join(',')}|${colourOf(x, s.structures)}`;
      let layer = layers.get(x.name);
      if (!layer || layer.sig !== sig) {
        const mask = await fetchBytes(maskUrl(x.name));
        const img = await NVImage.loadFromUrl({ url: `${x.name}.nii`, name: `${x.name}.nii`, buffer: labelNifti(/** @type {Uint8Array} */ (header), mask) });
        const [r, g, b] = rgb(colourOf(x, s.structures));
        img.setColormapLabel({ R: [0, r], G: [0, g], B: [0, b], A: [0, 255], I: [0, 1], labels: ['', x.name] });
        layer = { sig, img };
        layers.set(x.name, layer);
      }
      layer.img.opacity = filled ? FILL_OPACITY : OUTLINE_ONLY_OPACITY;
      shown.push(layer.img);
    }
    for (const name of [...layers.keys()]) if (!s.structures.some((x) => x.name === name)) layers.delete(name);
    if (!mine()) return;
    any.volumes = [ct, ...shown];
    any.back = ct;
    any.overlays = shown;
    nv.updateGLVolume();
  };

  /** The layers drawn again (shown, hidden, filled), the editor marked busy meanwhile. */
  const redraw = async () => { root.dataset.ready = '0'; await drawLayers(); root.dataset.ready = '1'; };

  /** The active structure in NiiVue's drawing, in its colour. */
  const drawActive = async () => {
    const s = session;
    const x = s && s.structures.find((y) => y.name === active);
    if (!x || !nv.back) { activeMask = null; return; }
    const mask = await fetchBytes(maskUrl(x.name));
    if (!mine()) return;
    activeMask = mask;
    nv.createEmptyDrawing();
    const [r, g, b] = rgb(colourOf(x, s.structures));
    nv.setDrawColormap({ R: [0, r], G: [0, g], B: [0, b], A: [0, 255], I: [0, 1] });
    nv.setDrawOpacity(DRAW_OPACITY);
    if (nv.drawBitmap) rasCopy(/** @type {any} */ (nv.back), activeMask, nv.drawBitmap, false);
    nv.refreshDrawing(true);
    applyMode();
  };

  /** A drawing finished: the slices it changed go to the server. */
  nv.onDrawingChanged = async (action) => {
    if (action !== 'draw' || !session || !session.dims || !activeMask || !nv.drawBitmap) return;
    const [nx, ny] = session.dims;
    const plane = nx * ny;
    const now = new Uint8Array(activeMask.length);
    rasCopy(/** @type {any} */ (nv.back), nv.drawBitmap, now, true);
    let lo = -1, hi = -1;
    for (let i = 0; i < now.length; i++) {
      if (now[i] !== activeMask[i]) { const k = Math.floor(i / plane); if (lo < 0) lo = k; hi = k; }
    }
    if (lo < 0) return;
    const slab = now.slice(lo * plane, (hi + 1) * plane);
    try {
      say(tr('web-seg-working'));
      const r = await fetch(`${base}/slab?structure=${encodeURIComponent(active)}&first_slice=${lo}&mode=replace`, {
        method: 'PUT', credentials: 'same-origin', body: slab,
        headers: { 'Content-Type': 'application/octet-stream', 'X-CSRF-Token': o.csrf(), Accept: 'application/json' } });
      const data = await r.json();
      if (!r.ok) throw new Error(data.error ? data.error.message : String(r.status));
      await show(data);
    } catch (err) { fail(err); await drawActive(); }
  };

  /** Shows a session answer: list, tools, then the images, then the status. @param {Session} s */
  const show = async (s) => {
    session = s;
    if (!s.structures.some((x) => x.name === active)) active = s.structures.length ? s.structures[0].name : '';
    root.dataset.ready = '0';
    drawSide();
    drawTools();
    if (s.open) { await drawLayers(); await drawActive(); }
    say(s.last || '');
    root.dataset.ready = '1';
  };

  const call = async (method, path, body) => {
    try {
      say(tr('web-seg-working'));
      const r = await api(method, path, body);
      await show(r.data);
      return true;
    } catch (err) { fail(err); return false; }
  };
  const runTool = (body) => call('POST', `${base}/tools`, body);

  /** A colour swatch (its colour through the CSSOM, as the CSP wants). @param {string} colour */
  const swatch = (colour) => { const i = h('i', { class: 'swatch' }); i.style.background = colour; return i; };
  /** A labelled input. */
  const field = (label, input) => h('label', { class: 'field' }, h('span', {}, label), input);
  const input = (testid, value, attrs = {}) => /** @type {HTMLInputElement} */ (h('input', { 'data-testid': testid, value: String(value), size: 8, ...attrs }));
  const select = (testid, options, value, attrs = {}) => {
    const s = /** @type {HTMLSelectElement} */ (h('select', { 'data-testid': testid, ...attrs }, options.map(([v, w]) => h('option', { value: v }, w))));
    s.value = value;
    return s;
  };
  const button = (testid, words, onclick, attrs = {}) => h('button', { type: 'button', 'data-testid': testid, disabled: !o.editable, onclick, ...attrs }, words);
  const numberOf = (el) => (el.value.trim() === '' ? null : Number(el.value.replace(',', '.')));

  /** NiiVue's drawing as the mode says. */
  const applyMode = () => {
    nv.opts.penSize = penSize;
    if (mode === 'navigate' || !active || !o.editable) { nv.setDrawingEnabled(false); return; }
    nv.setDrawingEnabled(true);
    if (mode === 'pen') nv.setPenValue(1, false);
    else if (mode === 'fill') nv.setPenValue(1, true);
    else nv.setPenValue(0, true);
  };

  /** The view's bar: plane, CT window, fills. */
  const drawViewBar = () => {
    const plane = select('se-plane', [[String(SLICE_TYPE.AXIAL), tr('web-reg-plane-axial')], [String(SLICE_TYPE.CORONAL), tr('web-reg-plane-coronal')],
      [String(SLICE_TYPE.SAGITTAL), tr('web-reg-plane-sagittal')]], String(slice), { onchange: () => { slice = Number(plane.value); nv.setSliceType(slice); } });
    const win = select('se-window', WINDOWS.map(([name], i) => [String(i), name()]), String(windowIndex), { onchange: () => { windowIndex = Number(win.value); applyWindow(); } });
    const fill = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: filled, 'data-testid': 'se-filled', onchange: async () => { filled = fill.checked; await redraw(); } }));
    viewBar.replaceChildren(h('label', {}, `${tr('web-reg-plane')} `, plane), h('label', {}, `${tr('web-seg-window')} `, win),
      h('label', {}, fill, ` ${tr('web-seg-filled')}`));
  };
  const applyWindow = () => {
    if (!ct) return;
    const [, width, level] = WINDOWS[windowIndex];
    ct.cal_min = level - width / 2; ct.cal_max = level + width / 2;
    nv.updateGLVolume();
  };

  /** The side column: the session buttons, the drawing tools, the list of structures. */
  function drawSide() {
    const s = session;
    // Starting again drops the open session's changes: asked first.
    const again = () => !s || !s.open || window.confirm(tr('web-seg-open-again'));
    const open = h('div', { class: 'row se-buttons' },
      button('se-open-picked', tr('web-seg-open-picked'), () => again() && call('POST', base, { source: 'picked' })),
      button('se-open-empty', tr('web-seg-open-empty'), () => again() && call('POST', base, { source: 'empty' })));
    if (!s || !s.open) {
      side.replaceChildren(open, h('p', { class: 'muted' }, tr('web-seg-no-session')));
      list.replaceChildren();
      return;
    }
    const undo = h('div', { class: 'row se-buttons' },
      button('se-undo', tr('web-seg-undo'), () => call('POST', `${base}/undo`), { disabled: !o.editable || !s.undo, title: s.undo || '' }),
      button('se-redo', tr('web-seg-redo'), () => call('POST', `${base}/redo`), { disabled: !o.editable || !s.redo, title: s.redo || '' }),
      button('se-save', tr('web-seg-save'), async () => {
        try {
          say(tr('web-seg-saving'));
          const r = await api('POST', `${base}/save`, { revision: o.revision(), format: saveFormat });
          say(tr('web-seg-saved', { format: tr(`web-seg-format-${r.data.format.replace('_', '-')}`), series: r.data.series_id, creator: r.data.content_creator }));
          await o.onSaved();
        } catch (err) { fail(err); }
      }, { class: 'primary' }));
    // The object saved: a SEG (the masks voxel for voxel) or an RT Structure Set (contours).
    const format = select('se-save-format', SAVE_FORMATS.map((f) => [f, tr(`web-seg-format-${f.replace('_', '-')}`)]), saveFormat,
      { disabled: !o.editable, onchange: () => { saveFormat = format.value; } });
    undo.append(h('label', { class: 'nowrap' }, `${tr('web-seg-format')} `, format));
    // Drawing: navigate, pen, filled pen, eraser on the active structure.
    const modes = [['navigate', 'se-navigate', tr('web-seg-navigate')], ['pen', 'se-pen', tr('web-seg-pen')],
      ['fill', 'se-fill-pen', tr('web-seg-fill-pen')], ['erase', 'se-eraser', tr('web-seg-eraser')]];
    const size = select('se-pen-size', PEN_SIZES.map((n) => [String(n), String(n)]), String(penSize),
      { onchange: () => { penSize = Number(size.value); applyMode(); } });
    const draw = h('fieldset', { class: 'se-draw' }, h('legend', {}, tr('web-seg-drawing', { name: active || '—' })),
      h('div', { class: 'se-modes', role: 'group' }, modes.map(([m, id, words]) => button(id, words, () => { mode = m; applyMode(); drawSide(); },
        { disabled: m !== 'navigate' && (!o.editable || !active), class: mode === m ? 'on' : null, 'aria-pressed': mode === m ? 'true' : 'false' })),
      h('label', { class: 'nowrap' }, ` ${tr('web-seg-pen-size')} `, size)),
      h('p', { class: 'small muted' }, tr('web-seg-drawing-help')));
    drawList();
    const keep = list.scrollTop;
    side.replaceChildren(undo, draw, list, open);
    list.scrollTop = keep;
    scrollToActive();
  }

  function drawList() {
    const s = session;
    if (!s || !s.open) return;
    const pick = async (name) => { active = name; drawSide(); drawTools(); await drawLayers(); await drawActive(); };
    list.replaceChildren(h('table', { class: 'data se-list' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, tr('web-seg-structure')), h('th', {}, tr('web-seg-role')),
        h('th', { class: 'num' }, tr('web-seg-volume-ml')), h('th', {}, tr('web-seg-how')), h('th', {}, tr('web-seg-shown')))),
      h('tbody', {}, s.structures.map((x) => h('tr', { 'data-testid': `se-row-${x.name}`, class: x.name === active ? 'active' : null },
        h('td', { class: 'nowrap' }, h('input', { type: 'radio', name: 'se-active', checked: x.name === active, 'data-testid': `se-active-${x.name}`,
          'aria-label': tr('web-seg-make-active', { name: x.name }), onchange: () => pick(x.name) }), ' ', swatch(colourOf(x, s.structures))),
        h('td', {}, x.name), h('td', {}, tr(`web-seg-role-${x.role.replace('_', '-')}`)),
        h('td', { class: 'num', 'data-testid': `se-volume-${x.name}` }, num(x.volume_ml, 1)),
        h('td', { class: 'small muted', title: x.how }, x.algorithm_type.toLowerCase()),
        h('td', {}, h('input', { type: 'checkbox', checked: !hidden.has(x.name), 'data-testid': `se-shown-${x.name}`, 'aria-label': tr('web-seg-shown'),
          onchange: async (e) => { if (e.target.checked) hidden.delete(x.name); else hidden.add(x.name); await redraw(); } })))))));
  }

  /** The active structure's row in sight within the list's own scroll (not the page's). */
  function scrollToActive() {
    const row = /** @type {HTMLElement | null} */ (list.querySelector('tr.active'));
    if (row && (row.offsetTop < list.scrollTop || row.offsetTop + row.offsetHeight > list.scrollTop + list.clientHeight)) {
      list.scrollTop = Math.max(0, row.offsetTop - list.clientHeight / 2);
    }
  }

  function drawTools() {
    const s = session;
    if (!s || !s.open) { tools.replaceChildren(); return; }
    const names = s.structures.map((x) => [x.name, x.name]);
    const livers = s.structures.filter((x) => x.role === 'liver').map((x) => x.name);

    const newName = input('se-new-name', '', { size: 12, placeholder: 'T1' });
    const newRole = select('se-new-role', ROLES.map((r) => [r, tr(`web-seg-role-${r.replace('_', '-')}`)]), 'tumour');
    // A colour no structure shows yet (the plan viewer's palette), so that the new one stands apart.
    const used = new Set(s.structures.map((x) => colourOf(x, s.structures)));
    const newColour = /** @type {HTMLInputElement} */ (h('input', { type: 'color', 'data-testid': 'se-new-colour',
      value: [...STRUCTURE_COLOURS, ...EXTRA_COLOURS].find((c) => !used.has(c)) || STRUCTURE_COLOURS[s.structures.length % STRUCTURE_COLOURS.length] }));
    const create = h('fieldset', {}, h('legend', {}, tr('web-seg-new')), field(tr('web-seg-name'), newName), field(tr('web-seg-role'), newRole),
      field(tr('web-seg-colour'), newColour),
      button('se-new', tr('web-seg-create'), async () => {
        const name = newName.value.trim();
        if (await runTool({ tool: 'new', structure: name, role: newRole.value, colour: newColour.value })) { active = name; await show(/** @type {Session} */ (session)); }
      }));

    const growName = input('se-grow-name', livers[0] || 'liver', { size: 12 });
    const huMin = input('se-grow-min', GROW_HU[0], { size: 5 });
    const huMax = input('se-grow-max', GROW_HU[1], { size: 5 });
    const holes = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', checked: true, 'data-testid': 'se-grow-holes' }));
    const grow = h('fieldset', {}, h('legend', {}, tr('web-seg-grow')), field(tr('web-seg-name'), growName), field(tr('web-seg-hu'), h('span', {}, huMin, ' – ', huMax)),
      h('label', { class: 'check' }, holes, ` ${tr('web-seg-fill-holes')}`),
      button('se-grow', tr('web-seg-grow-run'), () => runTool({ tool: 'grow', structure: growName.value, role: 'liver', seed_lps_mm: crosshairLps(), hu_min: numberOf(huMin), hu_max: numberOf(huMax), fill_holes: holes.checked })),
      h('p', { class: 'small muted' }, tr('web-seg-seed-help')));

    const injection = input('se-territory-name', `territory ${o.injections[0] || 'WL'}`, { size: 14 });
    const percent = input('se-territory-percent', TERRITORY_PERCENT, { size: 4 });
    const liver = select('se-territory-liver', livers.map((n) => [n, n]), livers[0] || '');
    const territory = h('fieldset', {}, h('legend', {}, tr('web-seg-territory')), field(tr('web-seg-name'), injection), field(tr('web-seg-percent'), percent), field(tr('web-seg-liver'), liver),
      button('se-territory', tr('web-seg-territory-run'), () => runTool({ tool: 'territory', structure: injection.value, liver: liver.value, percent_of_max: numberOf(percent) }), { disabled: !o.editable || !livers.length }));

    const thName = input('se-th-name', 'T1', { size: 10 });
    const thImage = select('se-th-image', [['ct', 'CT'], ['spect', 'SPECT'], ['pet', 'PET']], 'ct');
    const thMin = input('se-th-min', '', { size: 6 });
    const thMax = input('se-th-max', '', { size: 6 });
    const thPercent = input('se-th-percent', '', { size: 4 });
    const thWithin = select('se-th-within', [['', '—'], ...names], livers[0] || '');
    const thSeed = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', 'data-testid': 'se-th-seed' }));
    const thVoxels = input('se-th-voxels', '', { size: 5 });
    const thresh = h('fieldset', {}, h('legend', {}, tr('web-seg-threshold')), field(tr('web-seg-name'), thName), field(tr('web-seg-image'), thImage),
      field(tr('web-seg-range'), h('span', {}, thMin, ' – ', thMax)), field(tr('web-seg-percent'), thPercent), field(tr('web-seg-within'), thWithin),
      h('label', { class: 'check' }, thSeed, ` ${tr('web-seg-keep-at-crosshair')}`), field(tr('web-seg-min-voxels'), thVoxels),
      button('se-threshold', tr('web-seg-threshold-run'), () => runTool({ tool: 'threshold', structure: thName.value, image: thImage.value,
        min: numberOf(thMin), max: numberOf(thMax), percent_of_max: numberOf(thPercent), within: thWithin.value || null,
        seed_lps_mm: thSeed.checked ? crosshairLps() : null, min_voxels: numberOf(thVoxels) })));

    const bA = select('se-bool-a', names, names.length ? names[0][0] : '');
    const bOp = select('se-bool-op', [['difference', '−'], ['intersection', '∩'], ['union', '∪']], 'difference');
    const bB = select('se-bool-b', names, names.length > 1 ? names[1][0] : '');
    const bResult = input('se-bool-result', 'normal liver', { size: 12 });
    const bool = h('fieldset', {}, h('legend', {}, tr('web-seg-boolean')), h('div', { class: 'row se-bool' }, bA, bOp, bB, ' → ', bResult),
      button('se-boolean', tr('web-seg-boolean-run'), () => runTool({ tool: 'boolean', a: bA.value, op: bOp.value, b: bB.value, result: bResult.value })));

    const mm = input('se-margin-mm', 5, { size: 4 });
    // The active structure's name and role (a NIfTI label map's "label N" named liver, lungs, …).
    const current = s.structures.find((x) => x.name === active);
    const renameTo = input('se-rename-name', active, { size: 12 });
    const roleTo = select('se-rename-role', ROLES.map((r) => [r, tr(`web-seg-role-${r.replace('_', '-')}`)]), current ? current.role : 'other');
    const rename = h('div', { class: 'row se-rename' }, field(tr('web-seg-name'), renameTo), field(tr('web-seg-role'), roleTo),
      button('se-rename', tr('web-seg-rename'), async () => {
        const to = renameTo.value.trim();
        /** @type {Record<string, string>} */
        const body = { tool: 'properties', structure: active, role: roleTo.value };
        if (to !== active) body.rename_to = to;
        if (await runTool(body) && to !== active) { active = to; await show(/** @type {Session} */ (session)); }
      }, { disabled: !o.editable || !active }));
    const edit = h('fieldset', {}, h('legend', {}, tr('web-seg-edit', { name: active || '—' })),
      rename, h('p', { class: 'small muted' }, tr('web-seg-rename-help')),
      field(tr('web-seg-margin'), mm), h('div', { class: 'row se-buttons' },
        button('se-margin', tr('web-seg-margin-run'), () => runTool({ tool: 'margin', structure: active, mm: numberOf(mm) })),
        button('se-fill', tr('web-seg-fill-holes'), () => runTool({ tool: 'fill_holes', structure: active })),
        button('se-interpolate', tr('web-seg-interpolate'), () => runTool({ tool: 'interpolate', structure: active })),
        button('se-delete', tr('web-seg-delete'), () => runTool({ tool: 'properties', structure: active, delete: true }))));

    tools.replaceChildren(edit, create, grow, territory, thresh, bool);
  }

  try {
    say(tr('web-seg-loading'));
    drawViewBar();
    await nv.attachToCanvas(canvas);
    nv.setSliceType(slice);
    const [, width, level] = WINDOWS[windowIndex];
    await nv.loadVolumes([{ url: `/api/cases/${o.caseId}/workbench/series/${o.ctSeriesId}/volume`, name: 'ct.nii.gz', cal_min: level - width / 2, cal_max: level + width / 2 }]);
    ct = nv.volumes[0];
    // The crosshair on a voxel's centre (the middle of an even number of slices is between two).
    nv.scene.crosshairPos = crosshairVoxelFrac();
    nv.drawScene();
    any.createOnLocationChange();
    const r = await api('GET', base);
    if (mine()) await show(r.data);
  } catch (err) { fail(err); }
}

/** The objects the structures are saved as (the API's words): a SEG first, as before. */
const SAVE_FORMATS = ['seg', 'rt_struct'];

/** The roles a structure takes (the API's words; the page shows its own). */
const ROLES = ['liver', 'lungs', 'tumour', 'territory', 'normal_liver', 'extrahepatic', 'other'];
