// @ts-check
// sirtplan image viewer: CT with SPECT/PET or dose colour-wash, structure outlines and isodose lines, in
// three orthogonal views (axial, coronal, sagittal), scrolling and window/level. Canvas 2D only (no WebGL,
// no external library). Geometry: docs/coordinates.md. The server sends every volume on the CT grid
// (voxel centres, LPS); index i = x + nx·(y + ny·z). Views are drawn in the radiological convention:
// axial with the patient's right on the screen's left (+x = patient left to the right) and anterior up
// (+y = posterior down); coronal and sagittal with superior up (+z = superior); sagittal with anterior on
// the left. With direction cosines other than the identity the views follow the grid axes (said on screen).

/**
 * The answer of `GET /api/plans/{id}/volumes` the viewer reads: the OpenAPI document's `Volumes` (see
 * crates/sirt-server/src/answers.rs), each volume with `max`, the viewer's own, set when loaded.
 * @typedef {import('../e2e/types/api').components['schemas']} Schemas
 * @typedef {Schemas['ViewerVolume'] & { max?: number }} VolumeInfo
 * @typedef {Schemas['ViewerStructure']} StructureInfo
 * @typedef {Omit<Schemas['Volumes'], 'volumes'> & { volumes: VolumeInfo[] }} Volumes
 */

import { tr, num, withUnit, currentLang } from './i18n.js';

const COLOURS = ['#00e5ff', '#ffea00', '#ff6d00', '#76ff03', '#e040fb', '#ff1744', '#2979ff', '#64ffda',
  '#a1887f', '#f48fb1'];

/**
 * Window presets: [name, width HU, level HU]. Common radiology presets (design choice).
 * @type {[() => string, number, number][]}
 */
export const WINDOWS = [[() => tr('web-window-abdomen'), 400, 40], [() => tr('web-window-liver'), 150, 60],
  [() => tr('web-window-lung'), 1500, -600], [() => tr('web-window-bone'), 1800, 400]];

/** Isodose levels drawn by default, Gy (design choice: round numbers across liver and tumour doses). */
export const DEFAULT_ISODOSES = [20, 40, 70, 120, 200];

const ISO_COLOURS = ['#2979ff', '#00e676', '#ffea00', '#ff9100', '#ff1744', '#e040fb', '#ffffff'];

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

/** A colour map from 0..1 to RGB ("jet"-like rainbow, common for dose wash). */
function rainbow(t) {
  const r = clamp(1.5 - Math.abs(4 * t - 3), 0, 1);
  const g = clamp(1.5 - Math.abs(4 * t - 2), 0, 1);
  const b = clamp(1.5 - Math.abs(4 * t - 1), 0, 1);
  return [r * 255, g * 255, b * 255];
}

/** "Hot" map for SPECT/PET counts. */
function hot(t) {
  return [clamp(3 * t, 0, 1) * 255, clamp(3 * t - 1, 0, 1) * 255, clamp(3 * t - 2, 0, 1) * 255];
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

export class Viewer {
  /**
   * @param {HTMLElement} root where the viewer goes
   * @param {Volumes} meta the answer of GET /api/plans/{id}/volumes
   */
  constructor(root, meta) {
    this.root = root;
    this.meta = meta;
    const [nx, ny, nz] = meta.grid.dims;
    this.n = [nx, ny, nz];
    this.sp = meta.grid.spacing_mm;
    this.pos = [Math.floor(nx / 2), Math.floor(ny / 2), Math.floor(nz / 2)];
    this.window = [400, 40];
    this.overlay = 'dose';
    this.opacity = 0.45;
    this.doseMin = 5;
    this.isodoses = DEFAULT_ISODOSES.slice();
    this.showOutlines = true;
    /** @type {Record<string, Float32Array | Uint8Array>} */
    this.arrays = {};
    /** @type {(StructureInfo & { mask: Uint8Array | Float32Array })[]} */
    this.structures = [];
    /** @type {string | null} */
    this.doseName = null;
    /** @type {string | null} */
    this.activityName = null;
  }

  async load() {
    const vols = this.meta.volumes;
    const ct = vols.find((v) => v.kind === 'ct');
    if (!ct) throw new Error(tr('web-viewer-no-ct'));
    this.arrays.ct = await fetchArray(ct.url, 'f32');
    const total = this.n[0] * this.n[1] * this.n[2];
    if (this.arrays.ct.length !== total) throw new Error(tr('web-viewer-ct-size', { found: this.arrays.ct.length, expected: total }));
    for (const v of vols) {
      if (v.kind === 'ct') continue;
      this.arrays[v.name] = await fetchArray(v.url, 'f32');
      let max = 0;
      for (const x of this.arrays[v.name]) if (x > max) max = x;
      v.max = max;
    }
    for (const s of this.meta.structures) {
      this.structures.push({ ...s, mask: await fetchArray(s.url, 'u8') });
    }
    const dose = vols.find((v) => v.kind === 'dose');
    this.doseName = dose ? dose.name : null;
    const act = vols.find((v) => v.kind === 'activity');
    this.activityName = act ? act.name : null;
    if (!dose) this.overlay = act ? 'activity' : 'none';
    // Start on the hottest voxel of the first dose map (else of the activity image).
    const first = dose || act;
    if (first) {
      const a = this.arrays[first.name];
      let best = 0;
      for (let i = 1; i < a.length; i++) if (a[i] > a[best]) best = i;
      const [nx, ny] = this.n;
      this.pos = [best % nx, Math.floor(best / nx) % ny, Math.floor(best / (nx * ny))];
    }
    this.build();
    this.draw();
  }

  build() {
    /**
     * @template {keyof HTMLElementTagNameMap} K
     * @param {K} t
     * @param {Record<string, any>} [a]
     * @param {...(Node | string)} c
     * @returns {HTMLElementTagNameMap[K]}
     */
    const el = (t, a = {}, ...c) => {
      const e = document.createElement(t);
      for (const [k, v] of Object.entries(a)) {
        if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
      }
      for (const x of c) e.append(x);
      return e;
    };
    this.root.replaceChildren();
    const controls = el('div', { class: 'viewer-controls' });
    const wsel = el('select', { 'data-testid': 'window-preset', onchange: (e) => {
      const w = WINDOWS[Number(e.target.value)];
      this.window = [w[1], w[2]]; this.wWidth.value = String(w[1]); this.wLevel.value = String(w[2]); this.draw();
    } });
    WINDOWS.forEach((w, i) => wsel.append(el('option', { value: String(i) }, `${w[0]()} (${tr('web-window-w')} ${w[1]} / ${tr('web-window-l')} ${w[2]})`)));
    this.wWidth = el('input', { type: 'number', value: '400', step: '10', min: '1', title: tr('web-window-width-title'),
      oninput: (e) => { this.window[0] = Math.max(1, Number(e.target.value) || 1); this.draw(); } });
    this.wLevel = el('input', { type: 'number', value: '40', step: '10', title: tr('web-window-level-title'),
      oninput: (e) => { this.window[1] = Number(e.target.value) || 0; this.draw(); } });
    const osel = el('select', { 'data-testid': 'overlay', onchange: (e) => { this.overlay = e.target.value; this.draw(); } });
    osel.append(el('option', { value: 'none' }, tr('web-ct-only')));
    for (const v of this.meta.volumes) {
      if (v.kind === 'ct') continue;
      const o = el('option', { value: v.name }, volumeLabel(v));
      osel.append(o);
    }
    if (this.doseName) { osel.value = this.doseName; this.overlay = this.doseName; }
    else if (this.activityName) { osel.value = this.activityName; this.overlay = this.activityName; }
    const op = el('input', { type: 'range', min: '0', max: '1', step: '0.05', value: String(this.opacity),
      oninput: (e) => { this.opacity = Number(e.target.value); this.draw(); } });
    const dmin = el('input', { type: 'number', value: String(this.doseMin), step: '1', min: '0', title: tr('web-wash-from-title'),
      oninput: (e) => { this.doseMin = Math.max(0, Number(e.target.value) || 0); this.draw(); } });
    const iso = el('input', { type: 'text', value: this.isodoses.join(currentLang() === 'fr' ? ' ; ' : ', '), size: '22', title: tr('web-isodoses-title'),
      onchange: (e) => {
        // Levels apart by spaces, semicolons or commas; a decimal comma inside a number is read as a point
        // when the levels are separated otherwise ("12,5 ; 40").
        const text = e.target.value;
        const parts = /;/.test(text) ? text.split(/\s*;\s*/).map((x) => x.replace(',', '.')) : text.split(/[ ,]+/);
        this.isodoses = parts.map(Number).filter((x) => Number.isFinite(x) && x > 0).slice(0, 7);
        this.draw();
      } });
    const outl = el('input', { type: 'checkbox', onchange: (e) => { this.showOutlines = e.target.checked; this.draw(); } });
    outl.checked = true;
    controls.append(
      el('label', {}, `${tr('web-window')} `, wsel), el('label', {}, `${tr('web-window-w')} `, this.wWidth), el('label', {}, `${tr('web-window-l')} `, this.wLevel),
      el('label', {}, `${tr('web-overlay')} `, osel), el('label', {}, `${tr('web-opacity')} `, op),
      el('label', {}, `${tr('web-wash-from')} `, dmin, ' Gy'), el('label', {}, `${tr('web-isodoses')} `, iso, ' Gy'),
      el('label', {}, outl, ` ${tr('web-outlines')}`));
    this.root.append(controls);
    const grid = el('div', { class: 'viewer' });
    this.views = ['axial', 'coronal', 'sagittal'].map((name) => {
      const c = el('canvas', { 'data-testid': `view-${name}` });
      const label = el('div', { class: 'label' });
      const v = el('div', { class: 'view' }, c, label);
      grid.append(v);
      c.addEventListener('wheel', (e) => { e.preventDefault(); this.scroll(name, e.deltaY > 0 ? 1 : -1); }, { passive: false });
      c.addEventListener('click', (e) => this.pick(name, c, e));
      c.addEventListener('mousemove', (e) => this.hover(name, c, e));
      return { name, canvas: c, label };
    });
    this.root.append(grid);
    this.readout = el('div', { class: 'status-line', 'data-testid': 'viewer-readout' });
    this.root.append(this.readout);
    const legend = el('div', { class: 'legend' });
    this.structures.forEach((s, i) => {
      const sw = el('i'); sw.style.background = COLOURS[i % COLOURS.length];
      legend.append(el('span', {}, sw, s.name));
    });
    this.isoLegend = el('div', { class: 'legend' });
    this.root.append(legend, this.isoLegend);
    if (!this.meta.grid.axis_aligned) {
      this.root.append(el('div', { class: 'small muted' },
        tr('web-grid-not-aligned')));
    }
  }

  /**
   * Slice geometry of a view: [columns, rows, column spacing, row spacing, (c, r) -> voxel index].
   * @param {string} name
   * @returns {[number, number, number, number, (c: number, r: number) => number]}
   */
  geometry(name) {
    const [nx, ny, nz] = this.n;
    const [x0, y0, z0] = this.pos;
    if (name === 'axial') return [nx, ny, this.sp[0], this.sp[1], (c, r) => c + nx * (r + ny * z0)];
    if (name === 'coronal') return [nx, nz, this.sp[0], this.sp[2], (c, r) => c + nx * (y0 + ny * (nz - 1 - r))];
    return [ny, nz, this.sp[1], this.sp[2], (c, r) => x0 + nx * (c + ny * (nz - 1 - r))];
  }

  scroll(name, d) {
    const axis = name === 'axial' ? 2 : name === 'coronal' ? 1 : 0;
    this.pos[axis] = clamp(this.pos[axis] + d, 0, this.n[axis] - 1);
    this.draw();
  }

  cell(name, canvas, e) {
    const [cols, rows] = this.geometry(name);
    const r = canvas.getBoundingClientRect();
    const c = Math.floor(((e.clientX - r.left) / r.width) * cols);
    const w = Math.floor(((e.clientY - r.top) / r.height) * rows);
    return [clamp(c, 0, cols - 1), clamp(w, 0, rows - 1)];
  }

  pick(name, canvas, e) {
    const [c, r] = this.cell(name, canvas, e);
    const nz = this.n[2];
    if (name === 'axial') { this.pos[0] = c; this.pos[1] = r; }
    else if (name === 'coronal') { this.pos[0] = c; this.pos[2] = nz - 1 - r; }
    else { this.pos[1] = c; this.pos[2] = nz - 1 - r; }
    this.draw();
  }

  hover(name, canvas, e) {
    const [c, r] = this.cell(name, canvas, e);
    const idx = this.geometry(name)[4](c, r);
    const parts = [`CT ${withUnit(num(this.arrays.ct[idx], 0), 'HU')}`];
    for (const v of this.meta.volumes) {
      if (v.kind === 'ct') continue;
      const x = this.arrays[v.name][idx];
      parts.push(`${volumeLabel(v)} ${withUnit(num(x, v.kind === 'dose' ? 1 : 3), unitWord(v.unit))}`);
    }
    const inside = this.structures.filter((s) => s.mask[idx]).map((s) => s.name);
    if (inside.length) parts.push(tr('web-viewer-inside', { structures: inside.join(', ') }));
    this.readout.textContent = parts.join(' · ');
  }

  draw() {
    for (const v of this.views) this.drawView(v);
    this.isoLegend.replaceChildren();
    const ov = this.meta.volumes.find((v) => v.name === this.overlay);
    if (ov) {
      // Colour bar of the wash: 0 (or the wash threshold) to the maximum.
      const bar = document.createElement('canvas');
      bar.width = 160; bar.height = 10;
      const g = bar.getContext('2d');
      for (let x = 0; x < 160; x++) {
        const c = ov.kind === 'dose' ? rainbow(x / 159) : hot(x / 159);
        g.fillStyle = `rgb(${c[0] | 0},${c[1] | 0},${c[2] | 0})`;
        g.fillRect(x, 0, 1, 10);
      }
      const lo = ov.kind === 'dose' ? withUnit(num(this.doseMin, 0), unitWord(ov.unit)) : withUnit('5', '%');
      const s = document.createElement('span');
      s.append(`${volumeLabel(ov)}${tr('web-colon')} ${lo} `, bar, ` ${withUnit(num(ov.max, ov.kind === 'dose' ? 0 : 1), unitWord(ov.unit))} (${tr('web-max')})`);
      this.isoLegend.append(s);
    }
    if (ov && ov.kind === 'dose') {
      this.isodoses.forEach((g, i) => {
        const sw = document.createElement('i'); sw.style.background = ISO_COLOURS[i % ISO_COLOURS.length];
        const s = document.createElement('span'); s.append(sw, withUnit(num(g, Number.isInteger(g) ? 0 : 1), 'Gy')); this.isoLegend.append(s);
      });
    }
  }

  drawView(view) {
    const [cols, rows, sc, sr, index] = this.geometry(view.name);
    // Display size: at most 2.5 screen pixels per mm and 512 pixels wide (design choice for the
    // three-up layout).
    const widthMm = cols * sc; const heightMm = rows * sr;
    const scale = Math.min(512 / widthMm, 2.5);
    const W = Math.max(1, Math.round(widthMm * scale)); const H = Math.max(1, Math.round(heightMm * scale));
    const canvas = view.canvas;
    if (canvas.width !== W || canvas.height !== H) { canvas.width = W; canvas.height = H; }
    const img = new ImageData(cols, rows);
    const ct = this.arrays.ct;
    const [ww, wl] = this.window;
    const lo = wl - ww / 2;
    const ov = this.meta.volumes.find((v) => v.name === this.overlay);
    const oa = ov ? this.arrays[ov.name] : null;
    const isDose = ov && ov.kind === 'dose';
    const omax = ov ? (isDose ? Math.max(ov.max, 1e-9) : Math.max(ov.max, 1e-12)) : 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = index(c, r);
        let g = clamp((ct[i] - lo) / ww, 0, 1) * 255;
        let rgb = [g, g, g];
        if (oa) {
          const x = oa[i];
          let t = -1;
          if (isDose) { if (x >= this.doseMin) t = clamp(x / omax, 0, 1); }
          else if (x > 0.05 * omax) t = clamp(x / omax, 0, 1);
          if (t >= 0) {
            const o = isDose ? rainbow(t) : hot(t);
            const a = this.opacity;
            rgb = [rgb[0] * (1 - a) + o[0] * a, rgb[1] * (1 - a) + o[1] * a, rgb[2] * (1 - a) + o[2] * a];
          }
        }
        const p = 4 * (c + cols * r);
        img.data[p] = rgb[0]; img.data[p + 1] = rgb[1]; img.data[p + 2] = rgb[2]; img.data[p + 3] = 255;
      }
    }
    const off = new OffscreenCanvas(cols, rows);
    off.getContext('2d').putImageData(img, 0, 0);
    const ctx = canvas.getContext('2d');
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(off, 0, 0, W, H);
    const fx = W / cols; const fy = H / rows;
    if (this.showOutlines) {
      ctx.lineWidth = 1.5;
      this.structures.forEach((s, k) => {
        ctx.strokeStyle = COLOURS[k % COLOURS.length];
        ctx.beginPath();
        const m = s.mask;
        for (let r = 0; r < rows; r++) {
          for (let c = 0; c < cols; c++) {
            if (!m[index(c, r)]) continue;
            if (c === 0 || !m[index(c - 1, r)]) { ctx.moveTo(c * fx, r * fy); ctx.lineTo(c * fx, (r + 1) * fy); }
            if (c === cols - 1 || !m[index(c + 1, r)]) { ctx.moveTo((c + 1) * fx, r * fy); ctx.lineTo((c + 1) * fx, (r + 1) * fy); }
            if (r === 0 || !m[index(c, r - 1)]) { ctx.moveTo(c * fx, r * fy); ctx.lineTo((c + 1) * fx, r * fy); }
            if (r === rows - 1 || !m[index(c, r + 1)]) { ctx.moveTo(c * fx, (r + 1) * fy); ctx.lineTo((c + 1) * fx, (r + 1) * fy); }
          }
        }
        ctx.stroke();
      });
    }
    if (isDose) {
      ctx.lineWidth = 1.5;
      this.isodoses.forEach((level, k) => {
        ctx.strokeStyle = ISO_COLOURS[k % ISO_COLOURS.length];
        ctx.beginPath();
        isoline(oa, index, cols, rows, level, (ax, ay, bx, by) => {
          ctx.moveTo((ax + 0.5) * fx, (ay + 0.5) * fy); ctx.lineTo((bx + 0.5) * fx, (by + 0.5) * fy);
        });
        ctx.stroke();
      });
    }
    // Cross-hair of the other two views.
    ctx.strokeStyle = 'rgba(255,255,0,0.5)'; ctx.lineWidth = 1; ctx.beginPath();
    const nz = this.n[2];
    let cx; let cy;
    if (view.name === 'axial') { cx = this.pos[0]; cy = this.pos[1]; }
    else if (view.name === 'coronal') { cx = this.pos[0]; cy = nz - 1 - this.pos[2]; }
    else { cx = this.pos[1]; cy = nz - 1 - this.pos[2]; }
    ctx.moveTo((cx + 0.5) * fx, 0); ctx.lineTo((cx + 0.5) * fx, H);
    ctx.moveTo(0, (cy + 0.5) * fy); ctx.lineTo(W, (cy + 0.5) * fy);
    ctx.stroke();
    const axis = view.name === 'axial' ? 2 : view.name === 'coronal' ? 1 : 0;
    // Patient directions only when the grid's axes are the patient's (identity direction).
    const orient = !this.meta.grid.axis_aligned ? tr('web-grid-axes')
      : view.name === 'axial' ? tr('web-orient-axial') : view.name === 'coronal' ? tr('web-orient-coronal') : tr('web-orient-sagittal');
    const viewName = view.name === 'axial' ? tr('web-view-axial') : view.name === 'coronal' ? tr('web-view-coronal') : tr('web-view-sagittal');
    view.label.textContent = `${viewName} ${this.pos[axis] + 1}/${this.n[axis]} · ${orient}`;
  }
}

/**
 * Marching squares on a slice: calls seg(ax, ay, bx, by) with the ends of each segment of the line
 * value = level, in voxel-centre coordinates (column, row). Saddles are split by the cell's mean.
 */
export function isoline(arr, index, cols, rows, level, seg) {
  for (let r = 0; r + 1 < rows; r++) {
    for (let c = 0; c + 1 < cols; c++) {
      const a = arr[index(c, r)]; const b = arr[index(c + 1, r)];
      const d = arr[index(c, r + 1)]; const e = arr[index(c + 1, r + 1)];
      const code = (a >= level ? 8 : 0) | (b >= level ? 4 : 0) | (e >= level ? 2 : 0) | (d >= level ? 1 : 0);
      if (code === 0 || code === 15) continue;
      const t = (p, q) => (p === q ? 0.5 : (level - p) / (q - p));
      const top = [c + t(a, b), r]; const right = [c + 1, r + t(b, e)];
      const bottom = [c + t(d, e), r + 1]; const left = [c, r + t(a, d)];
      const s = (p, q) => seg(p[0], p[1], q[0], q[1]);
      switch (code) {
        case 1: case 14: s(left, bottom); break;
        case 2: case 13: s(bottom, right); break;
        case 3: case 12: s(left, right); break;
        case 4: case 11: s(top, right); break;
        case 6: case 9: s(top, bottom); break;
        case 7: case 8: s(left, top); break;
        case 5: case 10: {
          const high = (a + b + d + e) / 4 >= level;
          if ((code === 5) === high) { s(left, top); s(bottom, right); } else { s(top, right); s(left, bottom); }
          break;
        }
        default: break;
      }
    }
  }
}
