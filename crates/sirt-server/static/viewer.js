// @ts-check
// sirtplan image viewer, built on NiiVue (WebGL2; ./niivue.min.js, bundled by crates/sirt-server/
// viewer-bundle/build.sh and served from the binary): the CT with a dose or SPECT/PET colour wash,
// structure outlines (or fills) and isodose lines, in one large view or three (axial, coronal,
// sagittal), with zoom, pan, window/level by dragging and keyboard control.
//
// Geometry (docs/coordinates.md): the server sends every volume on the CT grid, voxel centres, LPS,
// index i = x + nx·(y + ny·z); the grid answer has no origin and, when `axis_aligned`, the identity
// direction. Each array is handed to NiiVue as a NIfTI-1 image whose sform takes voxel (x, y, z) to
// RAS millimetres (−x·sx, −y·sy, z·sz): LPS negated on its first two axes, as NIfTI wants. NiiVue shows
// it in the radiological convention: axial with the patient's right on the screen's left and anterior
// up, coronal with superior up and the patient's right on the left, sagittal with anterior on the left
// and superior up. With direction cosines other than the identity the views follow the grid axes
// (said on screen).

/**
 * The answer of `GET /api/plans/{id}/volumes` the viewer reads: the OpenAPI document's `Volumes` (see
 * crates/sirt-server/src/answers.rs), each volume with `max`, the viewer's own, set when loaded.
 * @typedef {import('../e2e/types/api').components['schemas']} Schemas
 * @typedef {Schemas['ViewerVolume'] & { max?: number }} VolumeInfo
 * @typedef {Schemas['ViewerStructure']} StructureInfo
 * @typedef {Omit<Schemas['Volumes'], 'volumes'> & { volumes: VolumeInfo[] }} Volumes
 * @typedef {Schemas['JobAnswer']} JobState the state of the job computing a plan's voxel part (202)
 */

import { Niivue, NVImage, SLICE_TYPE, DRAG_MODE, MULTIPLANAR_TYPE, SHOW_RENDER } from './niivue.min.js';
import { tr, num, withUnit, currentLang } from './i18n.js';

/**
 * Structure colours, by the structure's place in the volumes answer's `structures` (the DVH uses the
 * same: `structureColour`). Design choice: mid-light hues that read on the grey CT and on the DVH's
 * white background, none of them blue, green, yellow, orange or red, which are the isodoses'.
 */
export const STRUCTURE_COLOURS = ['#00b8d4', '#d500f9', '#8d6e63', '#7c4dff', '#ff4081', '#00bfa5',
  '#c49a6c', '#9e9e9e', '#f48fb1', '#4dd0e1', '#ba68c8', '#a1887f'];

/**
 * Isodose line colours, lowest level first. Design choice: the usual cold-to-hot order of treatment
 * planning systems; none is a structure colour.
 */
export const ISODOSE_COLOURS = ['#2962ff', '#00c853', '#ffd600', '#ff6d00', '#d50000', '#8b0000'];

/**
 * The colour of a structure in the viewer and in the DVH: its place in `structures` (the volumes
 * answer's list), grey when it is not there.
 * @param {string} name
 * @param {{ name: string }[]} structures
 */
export function structureColour(name, structures) {
  const i = structures.findIndex((s) => s.name === name);
  return i < 0 ? '#757575' : STRUCTURE_COLOURS[i % STRUCTURE_COLOURS.length];
}

/**
 * Window presets: [name, width HU, level HU, key]. Common radiology presets (design choice); the key
 * selects it in the viewer.
 * @type {[() => string, number, number, string][]}
 */
export const WINDOWS = [[() => tr('web-window-abdomen'), 400, 40, '1'], [() => tr('web-window-liver'), 150, 60, '2'],
  [() => tr('web-window-lung'), 1500, -600, '3'], [() => tr('web-window-bone'), 1800, 400, '4']];

/** Isodose levels drawn by default, Gy (design choice: round numbers across liver and tumour doses). */
export const DEFAULT_ISODOSES = [20, 40, 70, 120, 200];

/** Fill opacity of the structures in filled mode (design choice: the CT stays readable under them). */
const FILL_OPACITY = 0.3;

/**
 * Opacity of a label layer drawn as outlines only: NiiVue draws a label's border at full strength
 * and its inside at this opacity; it skips a layer whose opacity is exactly 0 (design choice: small
 * enough to be invisible, above 0).
 */
const OUTLINE_ONLY_OPACITY = 0.001;

/**
 * NiiVue's colour-map type for the wash: colours from zero to the maximum, values below the threshold
 * (`cal_min`) not drawn (NiiVue's COLORMAP_TYPE.ZERO_TO_MAX_TRANSPARENT_BELOW_MIN).
 */
const COLOURS_FROM_ZERO_CLEAR_BELOW_MIN = 1;

/** Activity wash threshold, fraction of the image's maximum (design choice, as the old viewer). */
const ACTIVITY_WASH_FROM = 0.05;

/** Crosshair line width, voxels (design choice: about 2 screen pixels in the one large view). */
const CROSSHAIR_VOXELS = 0.35;

/** Window/level by dragging: HU per screen pixel (design choice: a 400 HU window spans ~100 px). */
const WINDOWING_GAIN = 2;

/** Zoom factor of one step (+, −, Ctrl+wheel) and its bounds (design choice). */
const ZOOM_STEP = 1.25;
const ZOOM_MIN = 0.5;
const ZOOM_MAX = 8;

/** Largest height of the one large view, CSS pixels (design choice: fits a laptop screen). */
const HEIGHT_ONE_MAX = 640;

/** NIfTI-1 header size and where the voxels start (NIfTI-1 standard: 348 bytes + 4 extension bytes). */
const NIFTI_HEADER_BYTES = 348;
const NIFTI_VOX_OFFSET = 352;
/** NIfTI datatype codes (nifti1.h): DT_UINT8, DT_FLOAT32; intent NIFTI_INTENT_LABEL. */
const DT_UINT8 = 2;
const DT_FLOAT32 = 16;
const NIFTI_INTENT_LABEL = 1002;

/**
 * A NIfTI-1 file (uncompressed, `n+1`) of one array on the CT grid: sform from voxel to RAS mm
 * (−x·sx, −y·sy, z·sz), units mm.
 * @param {Float32Array | Uint8Array} data
 * @param {number[]} dims
 * @param {number[]} spacing
 * @param {boolean} label a label image (intent NIFTI_INTENT_LABEL)
 * @returns {ArrayBuffer}
 */
export function niftiOf(data, dims, spacing, label) {
  const buf = new ArrayBuffer(NIFTI_VOX_OFFSET + data.byteLength);
  const v = new DataView(buf);
  v.setInt32(0, NIFTI_HEADER_BYTES, true);
  [3, dims[0], dims[1], dims[2], 1, 1, 1, 1].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  if (label) v.setInt16(68, NIFTI_INTENT_LABEL, true);
  const u8 = data instanceof Uint8Array;
  v.setInt16(70, u8 ? DT_UINT8 : DT_FLOAT32, true);
  v.setInt16(72, u8 ? 8 : 32, true);
  [1, spacing[0], spacing[1], spacing[2], 0, 0, 0, 0].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, NIFTI_VOX_OFFSET, true);
  v.setFloat32(112, 1, true); // scl_slope
  v.setUint8(123, 2); // xyzt_units: mm
  v.setInt16(254, 1, true); // sform_code: scanner
  const srow = [[-spacing[0], 0, 0, 0], [0, -spacing[1], 0, 0], [0, 0, spacing[2], 0]];
  srow.forEach((row, r) => row.forEach((x, c) => v.setFloat32(280 + 16 * r + 4 * c, x, true)));
  [0x6e, 0x2b, 0x31, 0].forEach((b, i) => v.setUint8(344 + i, b)); // "n+1\0"
  new Uint8Array(buf, NIFTI_VOX_OFFSET).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return buf;
}

/** '#rrggbb' → [r, g, b]. @param {string} hex */
const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

/**
 * A volume's label in the reader's language (the server's label is English; the kind, the dose kind and
 * the session say what it is).
 * @param {VolumeInfo} v
 */
function volumeLabel(v) {
  if (v.kind === 'dose' && v.session) {
    if (v.dose_kind === 'predicted') return tr('web-volume-predicted-dose', { session: v.session });
    if (v.dose_kind === 'delivered') return tr('web-volume-delivered-dose', { session: v.session });
    if (v.dose_kind === 'predicted_at_delivered') return tr('web-volume-predicted-at-delivered', { session: v.session });
  }
  if (v.name === 'spect') return tr('web-volume-maa-spect');
  if (v.name === 'pet') return tr('web-volume-y90-pet');
  return v.label;
}

/** A volume's unit in the reader's language (`counts`; the others are symbols). @param {string} u */
const unitWord = (u) => (u === 'counts' ? tr('web-unit-counts') : u);

function clamp(v, lo, hi) { return v < lo ? lo : v > hi ? hi : v; }

/** Colour wash of a dose: "jet"-like rainbow, common for dose. @param {number} t 0..1 */
function rainbow(t) {
  const r = clamp(1.5 - Math.abs(4 * t - 3), 0, 1);
  const g = clamp(1.5 - Math.abs(4 * t - 2), 0, 1);
  const b = clamp(1.5 - Math.abs(4 * t - 1), 0, 1);
  return [r * 255, g * 255, b * 255];
}

/** "Hot" map for SPECT/PET counts. @param {number} t 0..1 */
function hot(t) {
  return [clamp(3 * t, 0, 1) * 255, clamp(3 * t - 1, 0, 1) * 255, clamp(3 * t - 2, 0, 1) * 255];
}

/** A NiiVue colour map (256 steps, opaque but for 0) from a function of 0..1. @param {(t: number) => number[]} f */
function colourMap(f) {
  /** @type {{ R: number[], G: number[], B: number[], A: number[], I: number[] }} */
  const cm = { R: [], G: [], B: [], A: [], I: [] };
  for (let i = 0; i < 256; i++) {
    const [r, g, b] = f(i / 255);
    // Entry 0 clear: a value of exactly 0 (outside the body) is not washed.
    cm.R.push(Math.round(r)); cm.G.push(Math.round(g)); cm.B.push(Math.round(b)); cm.A.push(i === 0 ? 0 : 255); cm.I.push(i);
  }
  return cm;
}

/**
 * @param {string} url
 * @param {'u8' | 'f32'} dtype
 * @returns {Promise<Uint8Array | Float32Array>}
 */
async function fetchArray(url, dtype) {
  const r = await fetch(url, { credentials: 'same-origin' });
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const buf = await r.arrayBuffer();
  return dtype === 'u8' ? new Uint8Array(buf) : new Float32Array(buf);
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} t
 * @param {Record<string, any>} [a]
 * @param {...(Node | string)} c
 * @returns {HTMLElementTagNameMap[K]}
 */
function el(t, a = {}, ...c) {
  const e = document.createElement(t);
  for (const [k, v] of Object.entries(a)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
  }
  for (const x of c) e.append(x);
  return e;
}

/**
 * What the reader set, kept across a recomputation (and a new version of the plan on the same grid):
 * crosshair voxel, window, overlay, opacity, wash threshold, isodoses, structures shown, outline or
 * fill, layout, zoom and pan.
 * @typedef {{ dims: string, vox: number[], window: number[], overlay: string, overlayKind: string,
 *   opacity: number, doseMin: number, isodoses: number[], hidden: string[], filled: boolean,
 *   showIsodoses: boolean, washOff: boolean, layout: 1 | 3, orientation: number, pan: number[] }} ViewState
 */

/** The viewer on screen (one at a time), so that a recomputation keeps it. @type {Display | null} */
let live = null;
/** The last reader's settings. @type {ViewState | null} */
let saved = null;

/** The orientations, NiiVue's slice types, with the array axis each one steps through. */
const ORIENTATIONS = [
  { type: SLICE_TYPE.AXIAL, axis: 2, name: () => tr('web-view-axial'), orient: () => tr('web-orient-axial') },
  { type: SLICE_TYPE.CORONAL, axis: 1, name: () => tr('web-view-coronal'), orient: () => tr('web-orient-coronal') },
  { type: SLICE_TYPE.SAGITTAL, axis: 0, name: () => tr('web-view-sagittal'), orient: () => tr('web-orient-sagittal') },
];

/** The viewer's element, its NiiVue instance and its data. */
class Display {
  /** @param {Volumes} meta */
  constructor(meta) {
    this.meta = meta;
    this.n = meta.grid.dims.slice();
    this.sp = meta.grid.spacing_mm.slice();
    /** @type {Record<string, Float32Array | Uint8Array>} */
    this.arrays = {};
    /** @type {(StructureInfo & { mask: Uint8Array | Float32Array })[]} */
    this.structures = [];
    /** @type {Record<string, NVImage>} */
    this.images = {};
    /** @type {NVImage[]} */
    this.isoImages = [];
    this.state = /** @type {ViewState} */ ({
      dims: '', vox: [Math.floor(this.n[0] / 2), Math.floor(this.n[1] / 2), Math.floor(this.n[2] / 2)],
      window: [400, 40], overlay: '', overlayKind: '', opacity: 0.45, doseMin: 5,
      isodoses: DEFAULT_ISODOSES.slice(), hidden: [], filled: false, showIsodoses: true, washOff: false, layout: 3,
      orientation: 0, pan: [0, 0, 0, 1],
    });
    /** The language of its controls. */
    this.lang = currentLang();
    this.element = el('div', { class: 'nv-viewer', 'data-testid': 'viewer' });
    this.nv = new Niivue({
      isRadiologicalConvention: true,
      sagittalNoseLeft: true,
      isOrientationTextVisible: true,
      isColorbar: false,
      show3Dcrosshair: false,
      crosshairColor: [1, 1, 0, 0.45],
      // Crosshair line width, in voxels (design choice: thin enough to see what is under it).
      crosshairWidth: CROSSHAIR_VOXELS,
      backColor: [0, 0, 0, 1],
      multiplanarShowRender: SHOW_RENDER.NEVER,
      multiplanarLayout: MULTIPLANAR_TYPE.AUTO,
      dragMode: DRAG_MODE.windowing,
      mouseEventConfig: {
        leftButton: { primary: DRAG_MODE.crosshair, withShift: DRAG_MODE.pan, withCtrl: DRAG_MODE.windowing },
        rightButton: DRAG_MODE.windowing,
        centerButton: DRAG_MODE.pan,
      },
      windowingGainFactor: WINDOWING_GAIN,
      atlasOutline: 1,
      isNearestInterpolation: false,
      viewModeHotKey: 'None',
      clipPlaneHotKey: 'None',
      cycleClipPlaneHotKey: 'None',
      dragAndDropEnabled: false,
      logLevel: 'error',
      loadingText: '',
    });
    this.nv.addColormap('sirt-dose', colourMap(rainbow));
    this.nv.addColormap('sirt-activity', colourMap(hot));
    /** @type {HTMLCanvasElement | null} */
    this.canvas = null;
    /** @type {HTMLDivElement | null} */
    this.canvasBox = null;
    /** Shows or hides the progress line of a recomputation, with its job's state. @type {(on: boolean, job?: JobState) => void} */
    this.busy = () => {};
    /** Sets the controls and legends from the state. @type {() => void} */
    this.refreshControls = () => {};
    /** Called after any move: slice numbers, zoom, layout. @type {() => void} */
    this.onMoved = () => {};
    /** How long the last `show` took, ms. @type {Record<string, number>} */
    this.timing = {};
  }

  /** Fetches the arrays of `meta` (nothing on screen changes until all are here). @param {Volumes} meta */
  async fetchAll(meta) {
    const vols = meta.volumes;
    const ct = vols.find((v) => v.kind === 'ct');
    if (!ct) throw new Error(tr('web-viewer-no-ct'));
    /** @type {Record<string, Float32Array | Uint8Array>} */
    const arrays = {};
    arrays.ct = await fetchArray(ct.url, 'f32');
    const [nx, ny, nz] = meta.grid.dims;
    const total = nx * ny * nz;
    if (arrays.ct.length !== total) throw new Error(tr('web-viewer-ct-size', { found: arrays.ct.length, expected: total }));
    for (const v of vols) {
      if (v.kind === 'ct') continue;
      arrays[v.name] = await fetchArray(v.url, 'f32');
      let max = 0;
      for (const x of arrays[v.name]) if (x > max) max = x;
      v.max = max;
    }
    const structures = [];
    for (const s of meta.structures) structures.push({ ...s, mask: await fetchArray(s.url, 'u8') });
    return { arrays, structures };
  }

  /**
   * Shows `meta`'s arrays: NiiVue images of the CT, each overlay and each structure, the reader's
   * settings kept when the grid is the same.
   * @param {Volumes} meta
   * @param {{ arrays: Record<string, Float32Array | Uint8Array>, structures: (StructureInfo & { mask: Uint8Array | Float32Array })[] }} data
   */
  async show(meta, data) {
    const first = !this.images.ct;
    const sameGrid = saved && saved.dims === meta.grid.dims.join('x') + '/' + meta.grid.spacing_mm.join('x');
    this.meta = meta;
    this.arrays = data.arrays;
    this.structures = data.structures;
    const dims = meta.grid.dims; const sp = meta.grid.spacing_mm;
    const t0 = performance.now();
    /** @type {Record<string, NVImage>} */
    const images = {};
    images.ct = await NVImage.loadFromUrl({ url: 'ct.nii', name: 'ct.nii', buffer: niftiOf(this.arrays.ct, dims, sp, false), colormap: 'gray' });
    for (const v of meta.volumes) {
      if (v.kind === 'ct') continue;
      images[v.name] = await NVImage.loadFromUrl({
        url: `${v.name}.nii`, name: `${v.name}.nii`, buffer: niftiOf(this.arrays[v.name], dims, sp, false),
        colormap: v.kind === 'dose' ? 'sirt-dose' : 'sirt-activity',
      });
    }
    for (const [i, s] of this.structures.entries()) {
      const img = await NVImage.loadFromUrl({ url: `s${i}.nii`, name: `s${i}.nii`, buffer: niftiOf(s.mask, dims, sp, true) });
      const [r, g, b] = rgb(structureColour(s.name, meta.structures));
      img.setColormapLabel({ R: [0, r], G: [0, g], B: [0, b], A: [0, 255], I: [0, 1], labels: ['', s.name] });
      images[`mask:${s.name}`] = img;
    }
    this.images = images;
    if (first) {
      if (sameGrid && saved) this.state = { ...saved, hidden: saved.hidden.slice(), isodoses: saved.isodoses.slice() };
      else this.startOnHottest();
    }
    this.state.dims = meta.grid.dims.join('x') + '/' + meta.grid.spacing_mm.join('x');
    this.chooseOverlay();
    const t1 = performance.now();
    await this.buildIsodoses();
    const t2 = performance.now();
    this.compose();
    this.applyWindow();
    this.moveTo(this.state.vox);
    this.setLayout(this.state.layout, this.state.orientation);
    this.nv.setPan2Dxyzmm(this.state.pan.slice());
    this.timing = { images: Math.round(t1 - t0), isodoses: Math.round(t2 - t1), draw: Math.round(performance.now() - t2) };
  }

  /** Starts on the hottest voxel of the first dose map (else of the activity image). */
  startOnHottest() {
    const vols = this.meta.volumes;
    const first = vols.find((v) => v.kind === 'dose') || vols.find((v) => v.kind === 'activity');
    if (!first) return;
    const a = this.arrays[first.name];
    let best = 0;
    for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
    const [nx, ny] = this.n;
    this.state.vox = [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
  }

  /**
   * Keeps the overlay the reader chose (by name, else one of the same kind; "none" stays none), else
   * shows the first dose, else the activity image.
   */
  chooseOverlay() {
    const s = this.state;
    if (s.overlay === 'none') return;
    const vols = this.meta.volumes.filter((v) => v.kind !== 'ct');
    const pick = vols.find((v) => v.name === s.overlay) || vols.find((v) => v.kind === s.overlayKind)
      || vols.find((v) => v.kind === 'dose') || vols.find((v) => v.kind === 'activity');
    s.overlay = pick ? pick.name : 'none';
    s.overlayKind = pick ? pick.kind : 'none';
  }

  /** The overlay's volume, if any. */
  overlayVolume() { return this.meta.volumes.find((v) => v.name === this.state.overlay && v.kind !== 'ct'); }

  /** Isodose label images of the overlay dose, one per level (its line is its border). */
  async buildIsodoses() {
    this.isoImages = [];
    const ov = this.overlayVolume();
    if (!ov || ov.kind !== 'dose') return;
    const dose = this.arrays[ov.name];
    const dims = this.meta.grid.dims; const sp = this.meta.grid.spacing_mm;
    for (const [i, level] of this.state.isodoses.entries()) {
      const mask = new Uint8Array(dose.length);
      for (let k = 0; k < dose.length; k++) mask[k] = dose[k] >= level ? 1 : 0;
      const img = await NVImage.loadFromUrl({ url: `iso${i}.nii`, name: `iso${i}.nii`, buffer: niftiOf(mask, dims, sp, true) });
      const [r, g, b] = rgb(ISODOSE_COLOURS[i % ISODOSE_COLOURS.length]);
      img.setColormapLabel({ R: [0, r], G: [0, g], B: [0, b], A: [0, 255], I: [0, 1], labels: ['', `${level} Gy`] });
      img.opacity = OUTLINE_ONLY_OPACITY;
      this.isoImages.push(img);
    }
  }

  /** The layers NiiVue draws, bottom first: CT, the wash, the isodose lines, the structures. */
  compose() {
    const s = this.state;
    const layers = [this.images.ct];
    const ov = this.overlayVolume();
    if (ov) {
      const img = this.images[ov.name];
      img.opacity = s.opacity;
      img.colormapType = COLOURS_FROM_ZERO_CLEAR_BELOW_MIN;
      img.cal_min = ov.kind === 'dose' ? s.doseMin : ACTIVITY_WASH_FROM * (ov.max || 0);
      img.cal_max = Math.max(img.cal_min + 1e-6, ov.max || 0);
      if (!s.washOff) layers.push(img);
      if (ov.kind === 'dose' && s.showIsodoses) layers.push(...this.isoImages);
    }
    for (const st of this.structures) {
      if (s.hidden.includes(st.name)) continue;
      const img = this.images[`mask:${st.name}`];
      img.opacity = s.filled ? FILL_OPACITY : OUTLINE_ONLY_OPACITY;
      layers.push(img);
    }
    this.nv.volumes = layers;
    this.nv.back = layers[0];
    this.nv.overlays = layers.slice(1);
    this.nv.updateGLVolume();
  }

  /** Sets the CT window from the state. */
  applyWindow() {
    const [w, l] = this.state.window;
    const ct = this.images.ct;
    ct.cal_min = l - w / 2;
    ct.cal_max = l + w / 2;
    this.nv.updateGLVolume();
  }

  /** The voxel (x, y, z) of the crosshair. */
  crosshairVoxel() {
    const mm = this.nv.frac2mm(this.nv.scene.crosshairPos);
    return this.voxelOfMm(mm);
  }

  /** The voxel (x, y, z) at RAS mm (the NIfTI sform's inverse). @param {ArrayLike<number>} mm */
  voxelOfMm(mm) {
    return [Math.round(-mm[0] / this.sp[0]), Math.round(-mm[1] / this.sp[1]), Math.round(mm[2] / this.sp[2])]
      .map((v, i) => clamp(v, 0, this.n[i] - 1));
  }

  /** Moves the crosshair to a voxel. @param {number[]} vox */
  moveTo(vox) {
    const v = vox.map((x, i) => clamp(Math.round(x), 0, this.n[i] - 1));
    const mm = [-v[0] * this.sp[0], -v[1] * this.sp[1], v[2] * this.sp[2]];
    this.nv.scene.crosshairPos = this.nv.mm2frac(mm);
    this.state.vox = v;
    this.nv.drawScene();
    this.onMoved();
  }

  /**
   * One large view (`orientation`: 0 axial, 1 coronal, 2 sagittal) or three.
   * @param {1 | 3} layout
   * @param {number} orientation
   */
  setLayout(layout, orientation) {
    this.state.layout = layout;
    this.state.orientation = orientation;
    if (this.canvasBox) this.canvasBox.style.height = `${this.heightFor(layout, orientation)}px`;
    this.nv.setSliceType(layout === 1 ? ORIENTATIONS[orientation].type : SLICE_TYPE.MULTIPLANAR);
    this.nv.resizeListener();
    this.onMoved();
  }

  /**
   * The canvas height that fits the views at the box's width: three views side by side (NiiVue's row
   * layout at this aspect), or one, at most HEIGHT_ONE_MAX.
   * @param {1 | 3} layout
   * @param {number} orientation
   */
  heightFor(layout, orientation) {
    const width = (this.canvasBox && this.canvasBox.clientWidth) || 900;
    const [x, y, z] = this.n.map((n, i) => n * this.sp[i]);
    const views = [[x, y], [x, z], [y, z]];
    if (layout === 1) {
      const [w, h] = views[orientation];
      return Math.round(Math.min(HEIGHT_ONE_MAX, width * h / w));
    }
    const sumW = views.reduce((a, v) => a + v[0], 0);
    return Math.round(width * Math.max(...views.map((v) => v[1])) / sumW) + 4;
  }

  /** Zoom by a factor about the crosshair (as NiiVue's wheel zoom). @param {number} factor */
  zoom(factor) {
    const pan = this.nv.scene.pan2Dxyzmm;
    const next = clamp(pan[3] * factor, ZOOM_MIN, ZOOM_MAX);
    const change = pan[3] - next;
    const mm = this.nv.frac2mm(this.nv.scene.crosshairPos);
    this.nv.setPan2Dxyzmm([pan[0] + change * mm[0], pan[1] + change * mm[1], pan[2] + change * mm[2], next]);
    this.onMoved();
  }
}

/** The keys of the viewer, shown under it: [keys, what]. */
const KEYS = () => [
  ['↑ ↓ / PgUp PgDn', tr('web-key-slice')], ['1–4', tr('web-key-window')], ['V', tr('web-key-layout')],
  ['A C S', tr('web-key-orientation')], ['O', tr('web-key-structures')], ['F', tr('web-key-fill')],
  ['I', tr('web-key-isodoses')], ['W', tr('web-key-wash')], ['D', tr('web-key-overlay')], ['+ −', tr('web-key-zoom')], ['0', tr('web-key-reset')],
];

export class Viewer {
  /**
   * @param {HTMLElement} root where the viewer goes
   * @param {Volumes} meta the answer of GET /api/plans/{id}/volumes
   */
  constructor(root, meta) {
    this.root = root;
    this.meta = meta;
  }

  /**
   * Keeps the viewer of plan `planId` on screen in `root` while its volumes are recomputed (the
   * previous map stays, with a progress line), until `new Viewer(root, meta).load()` replaces its data.
   * Returns whether there was one.
   * @param {HTMLElement} root
   * @param {number} planId
   */
  static keepShowing(root, planId) {
    if (!live || live.meta.plan_id !== planId || live.lang !== currentLang()) return false;
    root.replaceChildren(live.element);
    live.busy(true);
    return true;
  }

  /**
   * Shows the progress of the job recomputing plan `planId` on its viewer kept on screen, when there
   * is one.
   * @param {number} planId
   * @param {JobState} job
   */
  static progress(planId, job) {
    if (live && live.meta.plan_id === planId) live.busy(true, job);
  }

  async load() {
    const meta = this.meta;
    const reuse = live && this.root.contains(live.element) && live.meta.plan_id === meta.plan_id && live.lang === currentLang()
      && live.meta.grid.dims.join() === meta.grid.dims.join() && live.meta.grid.spacing_mm.join() === meta.grid.spacing_mm.join();
    /** @type {Display} */
    let d;
    if (reuse && live) {
      d = live;
      try {
        const data = await d.fetchAll(meta);
        saved = { ...d.state };
        await d.show(meta, data);
        ui(d, this.root, false);
        d.busy(false);
      } catch (e) {
        // The previous map must not stay on screen as if it were this plan's.
        retire(d);
        live = null;
        throw e;
      }
      return;
    }
    if (live) { saved = { ...live.state }; retire(live); live = null; }
    const t0 = performance.now();
    d = new Display(meta);
    const data = await d.fetchAll(meta);
    const t1 = performance.now();
    live = d;
    ui(d, this.root, true);
    await d.nv.attachToCanvas(/** @type {HTMLCanvasElement} */ (d.canvas));
    await d.show(meta, data);
    d.refreshControls();
    // How long each part took, ms (read by the browser test).
    d.element.dataset.timing = JSON.stringify({ fetch: Math.round(t1 - t0), ...d.timing });
    d.element.dataset.ready = '1';
  }
}

/**
 * A job's state for people: its state, stage and percentage ("Voxel dose: computing, computing the
 * dose (45 %)").
 * @param {JobState} job
 */
export function jobProgressText(job) {
  return tr('web-job-progress', {
    state: tr(`web-job-state-${job.state}`),
    stage: tr(`web-job-stage-${job.stage}`),
    percent: Math.round(100 * job.progress),
  });
}

/** Frees a viewer's WebGL context (browsers keep only a few). @param {Display} d */
function retire(d) {
  try {
    d.nv.cleanup();
    const gl = /** @type {WebGL2RenderingContext | null} */ (d.nv.gl);
    const lose = gl && gl.getExtension('WEBGL_lose_context');
    if (lose) lose.loseContext();
  } catch (e) { /* the context may be gone already */ }
  d.element.remove();
}

/**
 * The isodose levels (Gy) typed in the reader's language: in French a decimal comma (or point) and
 * levels apart by spaces or semicolons ("12,5 ; 40" or "12,5 40"); in English a decimal point and
 * levels apart by spaces, commas or semicolons. `refused`: the entries that are not a number above
 * 0, and those beyond the `max` levels drawn; `levels` holds the others, in the order typed.
 * @param {string} text
 * @param {string} lang
 * @param {number} max
 * @returns {{ levels: number[], refused: string[] }}
 */
export function parseIsodoseLevels(text, lang, max) {
  const fr = lang === 'fr';
  const entries = text.split(fr ? /[\s;]+/ : /[\s;,]+/).filter((x) => x !== '');
  const number = fr ? /^(\d+([.,]\d*)?|[.,]\d+)$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  /** @type {number[]} */
  const levels = [];
  /** @type {string[]} */
  const refused = [];
  for (const x of entries) {
    const v = number.test(x) ? Number(x.replace(',', '.')) : NaN;
    if (Number.isFinite(v) && v > 0 && levels.length < max) levels.push(v); else refused.push(x);
  }
  return { levels, refused };
}

/**
 * The isodose levels as the reader types them (what [`parseIsodoseLevels`] reads back): "12,5 ; 40"
 * in French, "12.5, 40" in English.
 * @param {number[]} levels
 * @param {string} lang
 */
export function isodoseLevelsText(levels, lang) {
  return lang === 'fr' ? levels.map((g) => String(g).replace('.', ',')).join(' ; ') : levels.join(', ');
}

/**
 * Builds (first time) or refreshes the viewer's controls, canvas and legends.
 * @param {Display} d
 * @param {HTMLElement} root
 * @param {boolean} fresh
 */
function ui(d, root, fresh) {
  if (!fresh) { d.refreshControls(); return; }
  root.replaceChildren(d.element);
  const s = d.state;
  const controls = el('div', { class: 'viewer-controls' });
  const wsel = el('select', { 'data-testid': 'window-preset', onchange: (e) => {
    const w = WINDOWS[Number(e.target.value)];
    s.window = [w[1], w[2]]; d.applyWindow(); d.refreshControls();
  } });
  WINDOWS.forEach((w, i) => wsel.append(el('option', { value: String(i) }, `${w[0]()} (${tr('web-window-w')} ${w[1]} / ${tr('web-window-l')} ${w[2]})`)));
  const wWidth = el('input', { type: 'number', step: '10', min: '1', title: tr('web-window-width-title'), 'data-testid': 'window-width',
    oninput: (e) => { s.window[0] = Math.max(1, Number(e.target.value) || 1); d.applyWindow(); } });
  const wLevel = el('input', { type: 'number', step: '10', title: tr('web-window-level-title'), 'data-testid': 'window-level',
    oninput: (e) => { s.window[1] = Number(e.target.value) || 0; d.applyWindow(); } });
  const osel = el('select', { 'data-testid': 'overlay', onchange: async (e) => {
    s.overlay = e.target.value;
    const v = d.meta.volumes.find((x) => x.name === s.overlay);
    s.overlayKind = v ? v.kind : 'none';
    await d.buildIsodoses(); d.compose(); d.refreshControls();
  } });
  const op = el('input', { type: 'range', min: '0', max: '1', step: '0.05', 'data-testid': 'overlay-opacity',
    oninput: (e) => { s.opacity = Number(e.target.value); d.compose(); } });
  const dmin = el('input', { type: 'number', step: '1', min: '0', title: tr('web-wash-from-title'),
    oninput: (e) => { s.doseMin = Math.max(0, Number(e.target.value) || 0); d.compose(); d.refreshControls(); } });
  const iso = el('input', { type: 'text', size: '22', title: tr('web-isodoses-title'), 'data-testid': 'isodose-levels',
    onchange: async (e) => {
      // Read with the reader's decimal separator; what does not read is refused where it was typed
      // (the levels drawn stay as they were) and the levels understood are shown back.
      const { levels, refused } = parseIsodoseLevels(e.target.value, currentLang(), ISODOSE_COLOURS.length);
      iso.setCustomValidity(refused.length ? `${tr('web-isodoses-title')} (≤ ${ISODOSE_COLOURS.length}): ✗ ${refused.join('  ✗ ')}` : '');
      iso.title = iso.validationMessage || tr('web-isodoses-title');
      iso.setAttribute('aria-invalid', refused.length ? 'true' : 'false');
      if (refused.length) { iso.reportValidity(); return; }
      s.isodoses = levels;
      await d.buildIsodoses(); d.compose(); d.refreshControls();
    } });
  const outl = el('input', { type: 'checkbox', 'data-testid': 'fill-structures', onchange: (e) => { s.filled = e.target.checked; d.compose(); } });
  const layoutBtn = el('button', { type: 'button', 'data-testid': 'viewer-layout', onclick: () => { d.setLayout(s.layout === 1 ? 3 : 1, s.orientation); d.refreshControls(); } });
  controls.append(
    el('label', {}, `${tr('web-window')} `, wsel), el('label', {}, `${tr('web-window-w')} `, wWidth), el('label', {}, `${tr('web-window-l')} `, wLevel),
    el('label', {}, `${tr('web-overlay')} `, osel), el('label', {}, `${tr('web-opacity')} `, op),
    el('label', {}, `${tr('web-wash-from')} `, dmin, ' Gy'), el('label', {}, `${tr('web-isodoses')} `, iso, ' Gy'),
    el('label', {}, outl, ` ${tr('web-fill-structures')}`), layoutBtn);
  const progress = el('div', { class: 'small muted', 'data-testid': 'viewer-progress', role: 'status' });
  progress.hidden = true;
  const bar = el('progress', { max: '1', 'data-testid': 'viewer-progress-bar' });
  const progressText = el('span', { 'data-testid': 'viewer-progress-text' }, ` ${tr('web-viewer-recomputing')}`);
  progress.append(bar, progressText);
  const canvas = el('canvas', { 'data-testid': 'viewer-canvas', 'aria-label': tr('web-images-and-dose') });
  const canvasBox = el('div', { class: 'nv-canvas', tabindex: '-1' }, canvas);
  canvasBox.style.position = 'relative';
  canvasBox.style.width = '100%';
  canvasBox.style.height = `${d.heightFor(s.layout, s.orientation)}px`;
  canvasBox.style.background = '#000';
  const slices = el('div', { class: 'small', 'data-testid': 'viewer-slices' });
  const readout = el('div', { class: 'status-line', 'data-testid': 'viewer-readout' });
  const legend = el('div', { class: 'legend', 'data-testid': 'structure-legend' });
  const isoLegend = el('div', { class: 'legend', 'data-testid': 'isodose-legend' });
  const keys = el('div', { class: 'small muted', 'data-testid': 'viewer-keys' },
    `${tr('web-keys')}${tr('web-colon')} `, KEYS().map(([k, w]) => `${k} ${w}`).join(' · '),
    ` · ${tr('web-mouse-help')}`);
  d.element.append(controls, progress, canvasBox, slices, readout, legend, isoLegend, keys);
  if (!d.meta.grid.axis_aligned) d.element.append(el('div', { class: 'small muted' }, tr('web-grid-not-aligned')));
  d.canvas = canvas;
  d.canvasBox = canvasBox;

  d.busy = (on, job) => {
    progress.hidden = !on;
    if (job) bar.value = job.progress; else bar.removeAttribute('value');
    progressText.textContent = ` ${tr('web-viewer-recomputing')}${job ? ` ${jobProgressText(job)}` : ''}`;
    canvasBox.style.opacity = on ? '0.85' : '1';
    d.element.dataset.ready = on ? '0' : '1';
  };
  d.onMoved = () => {
    const v = d.crosshairVoxel();
    d.state.vox = v;
    d.state.pan = Array.from(d.nv.scene.pan2Dxyzmm);
    const parts = ORIENTATIONS.map((o, i) => {
      const shown = d.state.layout === 3 || d.state.orientation === i;
      const text = `${o.name()} ${v[o.axis] + 1}/${d.n[o.axis]}`;
      return shown ? text : null;
    }).filter(Boolean);
    const orient = !d.meta.grid.axis_aligned ? tr('web-grid-axes')
      : d.state.layout === 1 ? ORIENTATIONS[d.state.orientation].orient() : ORIENTATIONS.map((o) => `${o.name()}: ${o.orient()}`).join('; ');
    slices.textContent = `${parts.join(' · ')} · ${tr('web-zoom')} ${num(d.nv.scene.pan2Dxyzmm[3], 1)}× · ${orient}`;
    slices.dataset.axial = String(v[2] + 1);
    slices.dataset.coronal = String(v[1] + 1);
    slices.dataset.sagittal = String(v[0] + 1);
    slices.dataset.zoom = String(d.nv.scene.pan2Dxyzmm[3]);
    slices.dataset.layout = String(d.state.layout);
    // Where NiiVue drew each view, in CSS pixels of the canvas (read by the browser test).
    // NiiVue lays the views out when it draws: read them on the next frame.
    requestAnimationFrame(() => {
      const scale = canvas.clientWidth > 0 ? canvas.width / canvas.clientWidth : 1;
      canvas.dataset.tiles = JSON.stringify(d.nv.screenSlices.filter((t) => t.axCorSag <= 2).map((t) => ({
        view: ['axial', 'coronal', 'sagittal'][t.axCorSag],
        x: t.leftTopWidthHeight[0] / scale, y: t.leftTopWidthHeight[1] / scale,
        w: t.leftTopWidthHeight[2] / scale, h: t.leftTopWidthHeight[3] / scale,
      })));
    });
  };
  d.refreshControls = () => {
    const st = d.state;
    const wi = WINDOWS.findIndex((w) => w[1] === st.window[0] && w[2] === st.window[1]);
    if (wi >= 0) wsel.value = String(wi);
    wWidth.value = String(Math.round(st.window[0]));
    wLevel.value = String(Math.round(st.window[1]));
    osel.replaceChildren(el('option', { value: 'none' }, tr('web-ct-only')));
    for (const v of d.meta.volumes) if (v.kind !== 'ct') osel.append(el('option', { value: v.name }, volumeLabel(v)));
    osel.value = st.overlay;
    op.value = String(st.opacity);
    dmin.value = String(st.doseMin);
    if (iso.getAttribute('aria-invalid') !== 'true') iso.value = isodoseLevelsText(st.isodoses, currentLang());
    outl.checked = st.filled;
    layoutBtn.textContent = st.layout === 1 ? tr('web-three-views') : tr('web-one-view');
    legend.replaceChildren();
    for (const str of d.structures) {
      const box = el('input', { type: 'checkbox', 'data-testid': `structure-${str.name}`, onchange: (e) => {
        st.hidden = st.hidden.filter((n) => n !== str.name);
        if (!e.target.checked) st.hidden.push(str.name);
        d.compose();
      } });
      box.checked = !st.hidden.includes(str.name);
      const sw = el('i'); sw.style.background = structureColour(str.name, d.meta.structures);
      legend.append(el('label', {}, box, sw, str.name));
    }
    isoLegend.replaceChildren();
    const ov = d.overlayVolume();
    if (ov) {
      // Colour bar of the wash: 0 (or the wash threshold) to the maximum.
      const bar = el('canvas');
      bar.width = 160; bar.height = 10;
      const g = bar.getContext('2d');
      if (g) {
        const max = ov.max || 1;
        const clear = ov.kind === 'dose' ? st.doseMin / max : ACTIVITY_WASH_FROM;
        for (let x = 0; x < 160; x++) {
          // Below the threshold the wash is not drawn: grey on the bar.
          const c = x / 159 < clear ? [96, 96, 96] : ov.kind === 'dose' ? rainbow(x / 159) : hot(x / 159);
          g.fillStyle = `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;
          g.fillRect(x, 0, 1, 10);
        }
      }
      const from = ov.kind === 'dose' ? withUnit(num(st.doseMin, 0), unitWord(ov.unit)) : withUnit(num(100 * ACTIVITY_WASH_FROM, 0), '%');
      isoLegend.append(el('span', {}, `${volumeLabel(ov)}${tr('web-colon')} 0 `, bar,
        ` ${withUnit(num(ov.max ?? 0, ov.kind === 'dose' ? 0 : 1), unitWord(ov.unit))} (${tr('web-max')}); ${tr('web-wash-from').toLowerCase()} ${from}`));
      if (ov.kind === 'dose' && st.showIsodoses) {
        st.isodoses.forEach((g2, i) => {
          const sw = el('i'); sw.style.background = ISODOSE_COLOURS[i % ISODOSE_COLOURS.length];
          isoLegend.append(el('span', {}, sw, withUnit(num(g2, Number.isInteger(g2) ? 0 : 1), 'Gy')));
        });
      }
    }
    d.onMoved();
  };

  // NiiVue reports window/level drags and crosshair moves.
  d.nv.onIntensityChange = (vol) => {
    if (vol !== d.images.ct) return;
    d.state.window = [vol.cal_max - vol.cal_min, (vol.cal_max + vol.cal_min) / 2];
    wWidth.value = String(Math.round(d.state.window[0]));
    wLevel.value = String(Math.round(d.state.window[1]));
  };
  d.nv.onLocationChange = () => d.onMoved();
  // NiiVue's window drag changes the CT's cal_min/cal_max without telling: read them back.
  const syncWindow = () => {
    const ct = d.images.ct;
    const w = [ct.cal_max - ct.cal_min, (ct.cal_max + ct.cal_min) / 2];
    if (w[0] === d.state.window[0] && w[1] === d.state.window[1]) return;
    d.state.window = w;
    wWidth.value = String(Math.round(w[0]));
    wLevel.value = String(Math.round(w[1]));
  };
  canvas.addEventListener('mouseup', syncWindow);
  canvas.addEventListener('mousemove', (e) => { if (e.buttons) syncWindow(); });

  // The readout: values under the mouse, from the arrays (not from the screen's colours).
  canvas.addEventListener('mousemove', (e) => {
    const r = canvas.getBoundingClientRect();
    const dpr = canvas.width / r.width;
    const mm = d.nv.screenXY2mm((e.clientX - r.left) * dpr, (e.clientY - r.top) * dpr);
    if (!mm || !Number.isFinite(mm[0]) || mm[3] < 0) return;
    const [x, y, z] = d.voxelOfMm(mm);
    const idx = x + d.n[0] * (y + d.n[1] * z);
    const parts = [`CT ${withUnit(num(d.arrays.ct[idx], 0), 'HU')}`];
    for (const v of d.meta.volumes) {
      if (v.kind === 'ct') continue;
      parts.push(`${volumeLabel(v)} ${withUnit(num(d.arrays[v.name][idx], v.kind === 'dose' ? 1 : 3), unitWord(v.unit))}`);
    }
    const inside = d.structures.filter((st) => st.mask[idx]).map((st) => st.name);
    if (inside.length) parts.push(tr('web-viewer-inside', { structures: inside.join(', ') }));
    readout.textContent = parts.join(' · ');
    readout.dataset.voxel = `${x},${y},${z}`;
  });

  // Ctrl+wheel zooms (the wheel alone scrolls slices, as in NiiVue).
  canvasBox.addEventListener('wheel', (e) => {
    if (!e.ctrlKey) return;
    e.preventDefault(); e.stopPropagation();
    d.zoom(e.deltaY < 0 ? ZOOM_STEP : 1 / ZOOM_STEP);
  }, { capture: true, passive: false });

  // Keys, caught before NiiVue's own (which move the crosshair and cycle its modes).
  d.element.addEventListener('keydown', (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const st = d.state;
    const o = ORIENTATIONS[st.orientation];
    const step = (n) => { const v = d.crosshairVoxel(); v[o.axis] += n; d.moveTo(v); };
    const handled = () => { e.preventDefault(); e.stopPropagation(); };
    const k = e.key;
    if (k === 'ArrowUp' || k === 'PageUp') { step(k === 'PageUp' ? 5 : 1); handled(); }
    else if (k === 'ArrowDown' || k === 'PageDown') { step(k === 'PageDown' ? -5 : -1); handled(); }
    else if (WINDOWS.some((w) => w[3] === k)) {
      const w = WINDOWS.find((x) => x[3] === k);
      if (w) { st.window = [w[1], w[2]]; d.applyWindow(); d.refreshControls(); }
      handled();
    } else if (k === 'v' || k === 'V') { d.setLayout(st.layout === 1 ? 3 : 1, st.orientation); d.refreshControls(); handled(); }
    else if ('aAcCsS'.includes(k) && k.length === 1) { d.setLayout(1, 'acs'.indexOf(k.toLowerCase())); d.refreshControls(); handled(); }
    else if (k === 'o' || k === 'O') {
      st.hidden = st.hidden.length === d.structures.length ? [] : d.structures.map((x) => x.name);
      d.compose(); d.refreshControls(); handled();
    } else if (k === 'f' || k === 'F') { st.filled = !st.filled; d.compose(); d.refreshControls(); handled(); }
    else if (k === 'i' || k === 'I') { st.showIsodoses = !st.showIsodoses; d.compose(); d.refreshControls(); handled(); }
    else if (k === 'w' || k === 'W') { st.washOff = !st.washOff; d.compose(); d.refreshControls(); handled(); }
    else if (k === 'd' || k === 'D') {
      const names = ['none', ...d.meta.volumes.filter((v) => v.kind !== 'ct').map((v) => v.name)];
      st.overlay = names[(names.indexOf(st.overlay) + 1) % names.length];
      const v = d.meta.volumes.find((x) => x.name === st.overlay);
      st.overlayKind = v ? v.kind : 'none';
      d.buildIsodoses().then(() => { d.compose(); d.refreshControls(); });
      handled();
    } else if (k === '+' || k === '=') { d.zoom(ZOOM_STEP); handled(); }
    else if (k === '-' || k === '_') { d.zoom(1 / ZOOM_STEP); handled(); }
    else if (k === '0') { d.nv.setPan2Dxyzmm([0, 0, 0, 1]); d.onMoved(); handled(); }
  }, { capture: true });
  // A click in the images gives the keys to the viewer.
  canvas.addEventListener('mousedown', () => canvas.focus());
}
