// The image viewer (NiiVue, static/viewer.js) in the browser, on the phantom demo plan: it renders
// (pixels in the CT window), window/level by a right-drag changes the pixels and the window fields,
// the keys move the slice and zoom, one view ↔ three views, the display orientation is the
// radiological one (read back from the screenshot's pixels: the liver, on the patient's right, on
// the screen's left in axial and coronal; the spine, posterior, low in axial; the lungs, superior,
// above the liver in coronal), a recomputation keeps the previous map on screen with a progress line
// and keeps slice, window and overlay. Screenshots: viewer-*.png. Called by app.test.mjs.

import { inflateSync } from 'node:zlib';
import { join } from 'node:path';

/**
 * Decodes a PNG (8-bit RGB or RGBA, not interlaced, as Chromium writes screenshots) into RGBA.
 * @param {Buffer} buf
 */
export function decodePng(buf) {
  let pos = 8; let width = 0; let height = 0; let colourType = 0; const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos); const type = buf.toString('ascii', pos + 4, pos + 8);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      if (body[8] !== 8 || body[12] !== 0) throw new Error(`PNG: bit depth ${body[8]}, interlace ${body[12]} not read here`);
      colourType = body[9];
    } else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const bpp = colourType === 6 ? 4 : colourType === 2 ? 3 : 0;
  if (!bpp) throw new Error(`PNG colour type ${colourType} not read here`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * bpp; const out = new Uint8Array(width * height * 4);
  let prev = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]; const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = new Uint8Array(stride);
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0; const b = prev[i]; const c = i >= bpp ? prev[i - bpp] : 0;
      let p = 0;
      if (f === 1) p = a; else if (f === 2) p = b; else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) { const q = a + b - c; const pa = Math.abs(q - a); const pb = Math.abs(q - b); const pc = Math.abs(q - c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      cur[i] = (line[i] + p) & 255;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) out[4 * (y * width + x) + k] = cur[x * bpp + k];
      out[4 * (y * width + x) + 3] = bpp === 4 ? cur[x * bpp + 3] : 255;
    }
    prev = cur;
  }
  return { width, height, data: out };
}

/** '#rrggbb' or 'rgb(r, g, b)' → [r, g, b]. @param {string} c */
function parseColour(c) {
  const m = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(c);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
}

/**
 * Pixel statistics of one view of the viewer's canvas (a screenshot of the canvas, cropped to the
 * view's tile): the image, the tile and helpers.
 */
async function tileImage(page, view) {
  const canvas = page.getByTestId('viewer-canvas');
  const tiles = JSON.parse(await canvas.getAttribute('data-tiles'));
  const t = tiles.find((x) => x.view === view);
  if (!t) throw new Error(`no ${view} view on screen: ${JSON.stringify(tiles)}`);
  const png = decodePng(await canvas.screenshot());
  const box = await canvas.boundingBox();
  const sx = png.width / box.width; const sy = png.height / box.height;
  const x0 = Math.round(t.x * sx); const y0 = Math.round(t.y * sy);
  const w = Math.round(t.w * sx); const h = Math.round(t.h * sy);
  const at = (x, y) => { const i = 4 * ((y0 + y) * png.width + x0 + x); return [png.data[i], png.data[i + 1], png.data[i + 2]]; };
  return { w, h, at, tile: t, box };
}

/** Centroid (fraction of the tile, 0..1 from left and top) and count of the pixels passing `test`. */
function centroid(img, test) {
  let n = 0; let sx = 0; let sy = 0;
  for (let y = 0; y < img.h; y++) for (let x = 0; x < img.w; x++) if (test(img.at(x, y))) { n++; sx += x; sy += y; }
  return { n, x: n ? sx / n / img.w : NaN, y: n ? sy / n / img.h : NaN };
}

/**
 * Mean and standard deviation of the grey value (mean of R, G, B) of a tile's pixels that are not
 * black (the body: outside it the CT is air, black in any soft-tissue window).
 */
function greyStats(img) {
  let n = 0; let s = 0; let s2 = 0;
  for (let y = 0; y < img.h; y++) for (let x = 0; x < img.w; x++) { const [r, g, b] = img.at(x, y); const v = (r + g + b) / 3; if (v < 8) continue; n++; s += v; s2 += v * v; }
  const mean = s / n; return { mean, sd: Math.sqrt(Math.max(0, s2 / n - mean * mean)) };
}

const near = (c, ref, tol) => Math.abs(c[0] - ref[0]) <= tol && Math.abs(c[1] - ref[1]) <= tol && Math.abs(c[2] - ref[2]) <= tol;

/**
 * @param {{ page: any, base: string, out: string, plan: number, meta: any,
 *   check: (cond: boolean, what: string) => void, log: (m: string) => void, setStep: (s: string) => void }} ctx
 */
export async function viewerScenario({ page, base, out, plan, meta, check, log, setStep }) {
  const shot = async (name) => {
    await page.getByTestId('viewer').screenshot({ path: join(out, `viewer-${name}.png`) });
    log(`screenshot viewer-${name}.png`);
  };
  const slices = page.getByTestId('viewer-slices');
  const ds = async (k) => slices.getAttribute(`data-${k}`);
  const press = async (key) => { await page.keyboard.press(key); await page.waitForTimeout(150); };

  setStep('viewer: time to first render');
  const t0 = Date.now();
  await page.reload();
  await page.locator('[data-testid=viewer][data-ready="1"]').waitFor({ timeout: 120000 });
  const firstRender = Date.now() - t0;
  const bundle = await page.request.get(`${base}/static/niivue.min.js`);
  const bundleBytes = (await bundle.body()).length;
  const timing = await page.getByTestId('viewer').getAttribute('data-timing');
  const volumesMs = await page.evaluate(() => Math.round(performance.getEntriesByType('resource').filter((e) => /\/volumes$/.test(e.name)).map((e) => e.duration).pop() ?? -1));
  log(`viewer: GET /api/plans/${plan}/volumes (the server's voxel dosimetry) took ${volumesMs} ms of it`);
  log(`viewer: reload to first render of the phantom ${firstRender} ms (headless Chromium, SwiftShader WebGL2; viewer parts, ms: ${timing}); bundle ${bundleBytes} bytes`);

  setStep('viewer: renders the CT');
  const canvas = page.getByTestId('viewer-canvas');
  check(JSON.parse(await canvas.getAttribute('data-tiles')).length === 3, 'three views at first');
  await shot('3-views');
  // The CT only, no structures: the pixels are the CT's grey values in the window.
  await page.getByTestId('overlay').selectOption('none');
  await canvas.focus(); // the keys go to the viewer
  await press('o');
  await press('1'); // abdomen window W 400 / L 40
  const ct = await tileImage(page, 'axial');
  const g0 = greyStats(ct);
  let grey = 0; let n = 0;
  for (let y = 0; y < ct.h; y++) for (let x = 0; x < ct.w; x++) { const [r, g, b] = ct.at(x, y); n++; if (r > 20 && Math.abs(r - g) < 4 && Math.abs(g - b) < 4) grey++; }
  check(grey / n > 0.2 && g0.sd > 10, `the axial view shows the CT in grey: ${(100 * grey / n).toFixed(0)} % grey pixels, sd ${g0.sd.toFixed(1)}`);
  log(`viewer: axial CT ${ct.w}×${ct.h} px, ${(100 * grey / n).toFixed(0)} % grey pixels, mean ${g0.mean.toFixed(1)}, sd ${g0.sd.toFixed(1)}`);

  setStep('viewer: window/level by dragging');
  const field = async (id) => Number(await page.getByTestId(id).inputValue());
  const [w0, l0] = [await field('window-width'), await field('window-level')];
  const cx = ct.box.x + ct.tile.x + ct.tile.w / 2; const cy = ct.box.y + ct.tile.y + ct.tile.h / 2;
  const rightDrag = async (dx, dy) => {
    await page.mouse.move(cx, cy);
    await page.mouse.down({ button: 'right' });
    for (let i = 1; i <= 8; i++) await page.mouse.move(cx + dx * i / 8, cy + dy * i / 8, { steps: 1 });
    await page.mouse.up({ button: 'right' });
    await page.waitForTimeout(200);
  };
  // Sideways: the window widens (NiiVue: 2 HU per pixel at each end).
  await rightDrag(80, 0);
  const [w1, l1] = [await field('window-width'), await field('window-level')];
  check(w1 > w0 + 100 && Math.abs(l1 - l0) < 20, `a sideways right-drag widens the window: W ${w0} → ${w1} HU, L ${l0} → ${l1} HU`);
  // Upwards: the level rises, the picture darkens.
  await rightDrag(0, -50);
  const [w2, l2] = [await field('window-width'), await field('window-level')];
  const dragged = await tileImage(page, 'axial');
  const g1 = greyStats(dragged);
  check(l2 > l1 + 50 && Math.abs(w2 - w1) < 20, `an upward right-drag raises the level: L ${l1} → ${l2} HU, W ${w1} → ${w2} HU`);
  check(g1.mean < g0.mean - 15, `a higher level darkens the body: mean grey ${g0.mean.toFixed(1)} → ${g1.mean.toFixed(1)}`);
  log(`viewer: right-drag 80 px sideways then 50 px up: W ${w0} → ${w1} → ${w2} HU, L ${l0} → ${l1} → ${l2} HU; body mean grey ${g0.mean.toFixed(1)} → ${g1.mean.toFixed(1)}`);
  await shot('window-dragged');
  await press('1');
  check(Number(await page.getByTestId('window-width').inputValue()) === 400, 'key 1: abdomen window again');

  setStep('viewer: keyboard slices');
  const z0 = Number(await ds('axial'));
  await press('ArrowUp');
  check(Number(await ds('axial')) === z0 + 1, `↑: axial slice ${z0} → ${await ds('axial')}`);
  await press('PageDown');
  check(Number(await ds('axial')) === z0 - 4, `PgDn: axial slice ${z0 + 1} → ${await ds('axial')}`);
  await press('PageUp');
  await press('ArrowDown');
  check(Number(await ds('axial')) === z0, 'back to the first slice');
  log(`viewer: keys ↑ PgDn PgUp ↓ moved the axial slice ${z0} → ${z0 + 1} → ${z0 - 4} → ${z0 + 1} → ${z0}`);

  setStep('viewer: one view and three');
  await press('v');
  check(await ds('layout') === '1' && JSON.parse(await canvas.getAttribute('data-tiles')).length === 1, 'V: one view');
  await press('o');
  await page.getByTestId('overlay').selectOption(meta.volumes.find((v) => v.kind === 'dose').name);
  await page.waitForTimeout(300);
  await canvas.focus();
  await shot('1-view-axial');

  setStep('viewer: zoom');
  const before = await tileImage(page, 'axial');
  await press('+'); await press('+');
  check(Math.abs(Number(await ds('zoom')) - 1.5625) < 1e-6, `+ +: zoom ${await ds('zoom')}`);
  const after = await tileImage(page, 'axial');
  let changed = 0;
  for (let y = 0; y < after.h; y += 2) for (let x = 0; x < after.w; x += 2) if (!near(before.at(x, y), after.at(x, y), 8)) changed++;
  check(changed > 0.1 * (after.w * after.h) / 4, `zooming changes the picture (${changed} pixels of ${(after.w * after.h / 4) | 0})`);
  await shot('1-view-zoomed');
  await press('0');
  check(Number(await ds('zoom')) === 1, 'key 0: zoom 1');

  setStep('viewer: radiological orientation');
  // One structure at a time, filled, on the CT alone; its pixels found by its legend colour.
  await page.getByTestId('overlay').selectOption('none');
  await page.getByTestId('fill-structures').check();
  const names = meta.structures.map((s) => s.name);
  const only = async (name) => {
    for (const s of names) {
      const box = page.getByTestId(`structure-${s}`);
      if ((s === name) !== (await box.isChecked())) await box.click();
    }
    await page.waitForTimeout(200);
    await canvas.focus();
    const sw = await page.getByTestId('structure-legend').locator(`label:has([data-testid="structure-${name}"]) i`).evaluate((e) => getComputedStyle(e).backgroundColor);
    return parseColour(sw);
  };
  const find = (name) => names.find((s) => s.toLowerCase().includes(name));
  const liverName = find('liver'); const lungName = find('lung');
  check(liverName && lungName, `liver and lungs among the structures: ${names.join(', ')}`);
  await canvas.focus();
  await press('a');
  const liverColour = await only(liverName);
  const axLiver = centroid(await tileImage(page, 'axial'), (c) => near(c, liverColour, 40));
  await shot('orientation-axial-liver');
  check(axLiver.n > 200 && axLiver.x < 0.5, `axial: the liver (patient's right) on the screen's left: centroid at ${(100 * axLiver.x).toFixed(0)} % of the width, ${axLiver.n} px`);
  // The spine (posterior) low on the screen: no structures; in the abdomen window bone (> 240 HU)
  // is white.
  await press('o');
  await press('1');
  const plain = await tileImage(page, 'axial');
  const bone = centroid(plain, (c) => c[0] >= 250 && c[1] >= 250 && c[2] >= 250);
  // Where the liver must be, from the arrays themselves: the centroid of the liver's border voxels
  // (a 6-neighbour outside it: the voxels NiiVue outlines) on this slice, placed within the body's
  // extent (CT above −500 HU) as the radiological convention puts it (the patient's right, −x in LPS,
  // on the left), and its mirror image; the screen's body extent from the CT-only picture.
  const z = Number(await ds('axial')) - 1;
  const [nx, ny, nz] = meta.grid.dims;
  const fetchArray = async (url, T) => { const b = await (await page.request.get(`${base}${url}`)).body(); return new T(new Uint8Array(b).buffer); };
  const ctArr = await fetchArray(meta.volumes.find((v) => v.kind === 'ct').url, Float32Array);
  const liverMask = await fetchArray(meta.structures.find((st) => st.name === liverName).url, Uint8Array);
  const at3 = (x, y, zz) => (x < 0 || y < 0 || zz < 0 || x >= nx || y >= ny || zz >= nz ? 0 : liverMask[x + nx * (y + ny * zz)]);
  let bodyMin = nx; let bodyMax = -1; let bx = 0; let bn = 0;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      if (ctArr[x + nx * (y + ny * z)] > -500) { bodyMin = Math.min(bodyMin, x); bodyMax = Math.max(bodyMax, x); }
      if (at3(x, y, z) && !(at3(x + 1, y, z) && at3(x - 1, y, z) && at3(x, y + 1, z) && at3(x, y - 1, z) && at3(x, y, z + 1) && at3(x, y, z - 1))) { bx += x; bn++; }
    }
  }
  const f = (bx / bn - bodyMin) / (bodyMax - bodyMin);
  let sl = plain.w; let sr = -1;
  for (let y = 0; y < plain.h; y++) for (let x = 0; x < plain.w; x++) { const c = plain.at(x, y); if (c[0] > 20 && Math.abs(c[0] - c[1]) < 4 && Math.abs(c[1] - c[2]) < 4) { sl = Math.min(sl, x); sr = Math.max(sr, x); } }
  const expected = (sl + f * (sr - sl)) / plain.w; const mirrored = (sl + (1 - f) * (sr - sl)) / plain.w;
  check(Math.abs(axLiver.x - expected) < 0.03 && Math.abs(axLiver.x - expected) < Math.abs(axLiver.x - mirrored) - 0.05,
    `axial: the liver's border at ${(100 * axLiver.x).toFixed(1)} % of the width, expected ${(100 * expected).toFixed(1)} % from the mask (mirrored: ${(100 * mirrored).toFixed(1)} %)`);
  await shot('orientation-axial-bone');
  check(bone.n > 50 && bone.y > 0.6, `axial: the spine (posterior) low on the screen: bone centroid at ${(100 * bone.y).toFixed(0)} % of the height, ${bone.n} px`);
  await press('o');
  await press('c');
  const coLiver = centroid(await tileImage(page, 'coronal'), (c) => near(c, liverColour, 40));
  const lungColour = await only(lungName);
  const coLung = centroid(await tileImage(page, 'coronal'), (c) => near(c, lungColour, 40));
  await shot('orientation-coronal-lungs');
  check(coLiver.n > 200 && coLiver.x < 0.45, `coronal: the liver on the screen's left: ${(100 * coLiver.x).toFixed(0)} %`);
  check(coLung.n > 50 && coLung.y < coLiver.y, `coronal: the lungs (superior) above the liver: lungs at ${(100 * coLung.y).toFixed(0)} %, liver at ${(100 * coLiver.y).toFixed(0)} % of the height`);
  log(`viewer orientation: axial liver border centroid x ${(100 * axLiver.x).toFixed(1)} % (from the mask ${(100 * expected).toFixed(1)} %, mirrored ${(100 * mirrored).toFixed(1)} %), bone centroid y ${(100 * bone.y).toFixed(0)} %; coronal liver x ${(100 * coLiver.x).toFixed(0)} %, lungs y ${(100 * coLung.y).toFixed(0)} % < liver y ${(100 * coLiver.y).toFixed(0)} %`);
  // Back to every structure as outlines over the dose, three views.
  for (const s of names) { const box = page.getByTestId(`structure-${s}`); if (!(await box.isChecked())) await box.click(); }
  await page.getByTestId('fill-structures').uncheck();
  check(await page.getByTestId('fill-structures').isChecked() === false, 'outlines again');
  const dose = meta.volumes.find((v) => v.kind === 'dose').name;
  await page.getByTestId('overlay').selectOption(dose);
  await canvas.focus();
  await press('v');
  await press('2');
  await press('ArrowUp');

  setStep('viewer: kept across a recomputation');
  const kept = { axial: await ds('axial'), width: await page.getByTestId('window-width').inputValue(), overlay: await page.getByTestId('overlay').inputValue() };
  const tnr = page.locator('[data-testid^="tnr-"]').first();
  const tnrId = await tnr.getAttribute('data-testid');
  const old = Number((await tnr.inputValue()).replace(',', '.'));
  await tnr.fill(String(old + 0.5));
  await tnr.press('Tab');
  await page.getByTestId('viewer-progress').waitFor({ state: 'visible', timeout: 20000 });
  check(await canvas.isVisible(), 'the previous map stays on screen while the dose is recomputed');
  await shot('recomputing');
  await page.locator('[data-testid=viewer][data-ready="1"]').waitFor({ timeout: 120000 });
  check(await page.getByTestId('viewer-progress').isHidden(), 'the progress line goes once the new map is shown');
  const now = { axial: await ds('axial'), width: await page.getByTestId('window-width').inputValue(), overlay: await page.getByTestId('overlay').inputValue() };
  check(JSON.stringify(now) === JSON.stringify(kept), `slice, window and overlay kept: ${JSON.stringify(kept)} → ${JSON.stringify(now)}`);
  await shot('recomputed');
  log(`viewer: ${tnrId} ${old} → ${old + 0.5}: previous map shown with a progress line, then the new one; kept ${JSON.stringify(now)}`);
  // The plan as it was for the steps after this one.
  await tnr.fill(String(old));
  await tnr.press('Tab');
  await page.getByTestId('viewer-progress').waitFor({ state: 'visible', timeout: 20000 });
  await page.locator('[data-testid=viewer][data-ready="1"]').waitFor({ timeout: 120000 });
}
