// Browser scenario of the structure editor (issue 16, "Structures"), run by app.test.mjs after the
// workbench scenario (whose patient holds the phantom's uploaded DICOM files): a physicist opens a new
// case of that patient on its planning pages, picks the CT, the MAA SPECT and the RT Struct, opens the
// structure editor, grows the liver from a click in it, makes the whole-liver injection's territory on
// the SPECT, draws a tumour with the pen on one slice, undoes it, draws it again, saves: the structures
// step then lists the new SEG's structures with their volumes; the tumour is renamed in the editor and
// the structures saved again as an RT Structure Set, picked and listed. Screenshots 40-… to 46-… in
// E2E_OUT.

/** The value of the first option of a select whose text contains `text`. */
async function optionValue(page, testid, text) {
  const v = await page.getByTestId(testid).locator('option', { hasText: text }).first().getAttribute('value');
  if (!v) throw new Error(`no option "${text}" in ${testid}`);
  return v;
}

/** The volume shown for a structure, mL. */
async function volume(page, name) {
  const t = await page.getByTestId(`se-volume-${name}`).textContent();
  return Number(t.replace(',', '.').replace(/\s/g, ''));
}

/**
 * The CT grid of the session, read from a mask's NIfTI header (independent of the page): dims and
 * the voxel → LPS mm map (the NIfTI sform is RAS: x and y negated).
 */
async function ctGrid(page, base, caseId, structure) {
  const r = await page.request.get(`${base}/api/cases/${caseId}/workbench/structures/session/mask?structure=${encodeURIComponent(structure)}&format=nifti`);
  const b = Buffer.from(await r.body());
  const dims = [0, 1, 2].map((i) => b.readInt16LE(42 + 2 * i));
  const srow = [0, 1, 2].map((r0) => [0, 1, 2, 3].map((c) => b.readFloatLE(280 + 16 * r0 + 4 * c)));
  const lps = (i, j, k) => srow.map((row, a) => (a < 2 ? -1 : 1) * (row[0] * i + row[1] * j + row[2] * k + row[3]));
  // The slice's extent in LPS x and y, voxel edges included (an axis-aligned CT).
  const c0 = lps(-0.5, -0.5, 0); const c1 = lps(dims[0] - 0.5, dims[1] - 0.5, 0);
  return { dims, lps, x: [Math.min(c0[0], c1[0]), Math.max(c0[0], c1[0])], y: [Math.min(c0[1], c1[1]), Math.max(c0[1], c1[1])] };
}

/**
 * A point of the axial view, in page pixels, of a patient point (LPS mm): NiiVue fits the slice in the
 * canvas, centred, in the radiological convention (the patient's right on the left, anterior up).
 * Checked against the page's own crosshair readout where it is used.
 */
async function onCanvas(page, grid, x, y) {
  await page.getByTestId('se-canvas').scrollIntoViewIfNeeded();
  const box = await page.getByTestId('se-canvas').boundingBox();
  const [w, hgt] = [grid.x[1] - grid.x[0], grid.y[1] - grid.y[0]];
  const scale = Math.min(box.width / w, box.height / hgt);
  const left = box.x + (box.width - w * scale) / 2;
  const top = box.y + (box.height - hgt * scale) / 2;
  return { at: [left + (x - grid.x[0]) * scale, top + (y - grid.y[0]) * scale], scale };
}

/** The crosshair the page shows (LPS mm, HU). */
async function readout(page) {
  const t = await page.getByTestId('se-readout').textContent();
  return (t.match(/-?\d+(?:[.,]\d+)?/g) || []).map((v) => Number(v.replace(',', '.')));
}

/** A mask of the session (one byte a voxel, the grid's order): voxels and centroid (LPS mm). */
async function maskStats(page, base, caseId, name, grid) {
  const r = await page.request.get(`${base}/api/cases/${caseId}/workbench/structures/session/mask?structure=${encodeURIComponent(name)}`);
  const m = Buffer.from(await r.body());
  const [nx, ny] = grid.dims;
  let n = 0; const sum = [0, 0, 0]; const slices = new Set();
  for (let v = 0; v < m.length; v++) {
    if (!m[v]) continue;
    const i = v % nx; const j = Math.floor(v / nx) % ny; const k = Math.floor(v / (nx * ny));
    n += 1; sum[0] += i; sum[1] += j; sum[2] += k; slices.add(k);
  }
  const c = n ? grid.lps(sum[0] / n, sum[1] / n, sum[2] / n) : [NaN, NaN, NaN];
  return { n, centroid: c, slices: [...slices] };
}

/** The RGB pixels of a PNG (8 bits, RGB or RGBA, not interlaced: Playwright's screenshots). */
function decodePng(buf) {
  let at = 8; let width = 0; let height = 0; let channels = 0; const idat = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at); const type = buf.toString('latin1', at + 4, at + 8); const data = buf.subarray(at + 8, at + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      if (data[8] !== 8 || data[12] !== 0 || (data[9] !== 2 && data[9] !== 6)) throw new Error(`PNG not 8-bit RGB(A): ${[...data]}`);
      channels = data[9] === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels; const px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= channels ? px[y * stride + x - channels] : 0; const b = y > 0 ? px[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? px[(y - 1) * stride + x - channels] : 0;
      const p = a + b - c; const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      px[y * stride + x] = (v + pred) & 255;
    }
  }
  return { width, height, at: (x, y) => [0, 1, 2].map((k) => px[Math.round(y) * stride + Math.round(x) * channels + k]) };
}

/** The hue of an RGB colour, degrees (a colour blended with grey keeps its hue). */
function hue([r, g, b]) {
  const max = Math.max(r, g, b); const min = Math.min(r, g, b); const d = max - min;
  if (d === 0) return NaN;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

/** Waits for the editor to have drawn its images. */
const ready = (page) => page.locator('[data-testid="se-editor"][data-ready="1"]').waitFor({ timeout: 60000 });
/** A screenshot of the editor's panel. */
async function panelShot(page, name, log) {
  await page.getByTestId('se-panel').screenshot({ path: `${process.env.E2E_OUT}/${name}.png` });
  log(`screenshot ${name}.png`);
}

import { inflateSync } from 'node:zlib';

export async function structuresScenario({ newPage, login, shot, base, check, log, setStep }) {
  setStep('structures: a new case of the phantom patient');
  const page = await newPage();
  await login(page, 'physicist');
  const list = await page.request.get(`${base}/api/patients?q=SIRT-PHANTOM-1`);
  const patients = (await list.json()).patients || [];
  const patient = patients.find((p) => p.mrn === 'SIRT-PHANTOM-1');
  check(patient, `the phantom patient of the workbench scenario: ${JSON.stringify(patients).slice(0, 200)}`);
  await page.goto(`${base}/#/patients/${patient.id}`);
  const newCase = page.locator('form:has(h2:text-is("New case"))');
  await newCase.locator('input').nth(0).fill('Structures drawn on the images');
  await newCase.locator('input').nth(1).fill('NET');
  await newCase.getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('plan-from-images').click();
  await page.getByTestId('wb-step-series').waitFor();
  await page.getByTestId('wb-role-planning_ct').selectOption(await optionValue(page, 'wb-role-planning_ct', 'CT (phantom)'));
  await page.getByTestId('wb-role-maa_spect').selectOption(await optionValue(page, 'wb-role-maa_spect', 'MAA SPECT'));
  await page.getByTestId('wb-role-structures').selectOption(await optionValue(page, 'wb-role-structures', 'RTSTRUCT'));
  await page.getByTestId('wb-save-1').click();
  await page.getByTestId('wb-status').filter({ hasText: 'revision 1' }).waitFor();
  const caseId = Number(/#\/cases\/(\d+)\/planning/.exec(page.url())[1]);

  setStep('structures: the editor opened from the RT Struct');
  await page.getByTestId('se-open').click();
  await page.getByTestId('se-open-picked').waitFor({ timeout: 120000 });
  await page.getByTestId('se-open-picked').click();
  await page.getByTestId('se-row-liver').waitFor({ timeout: 120000 });
  await ready(page);
  const rtLiver = await volume(page, 'liver');
  check(rtLiver > 1500 && rtLiver < 3000, `the RT Struct's liver with its volume: ${rtLiver} mL`);
  const grid = await ctGrid(page, base, caseId, 'liver');
  await panelShot(page, '40-se-opened', log);
  log(`structure editor opened from the RT Struct: liver ${rtLiver} mL`);

  setStep('structures: the liver grown from a click');
  await page.getByTestId('se-navigate').click();
  const { at: [lx, ly], scale } = await onCanvas(page, grid, -70, 10);
  await page.mouse.click(lx, ly);
  await page.getByTestId('se-readout').filter({ hasText: 'mm' }).waitFor();
  const seed = await readout(page);
  // Within a voxel and a screen pixel of the point clicked: the view is radiological, anterior up.
  check(Math.abs(seed[0] + 70) < 2.5 && Math.abs(seed[1] - 10) < 2.5, `the crosshair at the point clicked (LPS −70, 10 mm): ${seed}`);
  await page.getByTestId('se-grow').click();
  await page.getByTestId('se-status').filter({ hasText: 'region growing of liver' }).waitFor({ timeout: 60000 });
  const grown = await volume(page, 'liver');
  check(Math.abs(grown / rtLiver - 1) < 0.05, `the grown liver ${grown} mL near the RT Struct's ${rtLiver} mL`);
  await panelShot(page, '41-se-liver-grown', log);
  log(`liver grown from a click: ${grown} mL`);

  setStep('structures: the territory of the injection');
  await page.getByTestId('se-territory').click();
  await page.getByTestId('se-row-territory WL').waitFor({ timeout: 60000 });
  const territory = await volume(page, 'territory WL');
  check(territory > 0.9 * grown && territory <= 1.02 * grown, `the whole-liver territory ${territory} mL in the liver ${grown} mL`);
  log(`territory WL at 10 % of the SPECT's maximum: ${territory} mL`);

  setStep('structures: a tumour drawn with the pen, undone, drawn again');
  await page.getByTestId('se-new-name').fill('T drawn');
  await page.getByTestId('se-new').click();
  await page.getByTestId('se-row-T drawn').waitFor();
  await ready(page);
  // A filled circle of 8 mm radius about (−60, 20) mm LPS on the crosshair's slice: the server's mask
  // must hold it there (a flipped or shifted axis between NiiVue's drawing and the CT grid puts it
  // elsewhere), one slice, π r² in area.
  const radiusMm = 8;
  const draw = async () => {
    await page.getByTestId('se-fill-pen').click();
    const { at: [cx, cy] } = await onCanvas(page, grid, -60, 20);
    const r = radiusMm * scale;
    await page.mouse.move(cx + r, cy);
    await page.mouse.down();
    for (let a = 0; a <= 2 * Math.PI + 0.01; a += Math.PI / 16) await page.mouse.move(cx + r * Math.cos(a), cy + r * Math.sin(a));
    await page.mouse.up();
    await page.getByTestId('se-status').filter({ hasText: 'drawing of T drawn' }).waitFor({ timeout: 30000 });
    await ready(page);
    const stats = await maskStats(page, base, caseId, 'T drawn', grid);
    const [sx, sy] = [Math.abs(grid.lps(1, 0, 0)[0] - grid.lps(0, 0, 0)[0]), Math.abs(grid.lps(0, 1, 0)[1] - grid.lps(0, 0, 0)[1])];
    const area = stats.n * sx * sy;
    // The readout has one decimal (0.05 mm) and float32 rounding.
    check(stats.slices.length === 1 && Math.abs(stats.centroid[2] - seed[2]) < 0.1,
      `the drawing on the crosshair's slice (z ${seed[2]} mm): slices ${stats.slices}, centroid z ${stats.centroid[2]}`);
    check(Math.hypot(stats.centroid[0] + 60, stats.centroid[1] - 20) < 2,
      `the drawing where it was drawn, (−60, 20) mm LPS: centroid (${stats.centroid[0].toFixed(2)}, ${stats.centroid[1].toFixed(2)})`);
    // The pen fills the voxels its outline crosses: between π (r − s/2)² and π (r + s/2)² (s the voxel's side), 10 % spare.
    const [inner, outer] = [Math.PI * (radiusMm - sx / 2) ** 2, Math.PI * (radiusMm + sx / 2) ** 2];
    check(area > 0.9 * inner && area < 1.1 * outer, `the drawing's area ${area} mm² between π (r ∓ s/2)² = ${inner.toFixed(0)} and ${outer.toFixed(0)} mm²`);
    return { ml: await volume(page, 'T drawn'), stats, area };
  };
  const first = await draw();
  check(first.ml > 0, `the drawn tumour has a volume: ${first.ml} mL`);
  // The drawing on the image in the colour of its swatch in the list: the hue of the pixels inside the
  // disc (the colour blended over the grey CT keeps its hue), off the crosshair's lines.
  const swatchRgb = (await page.getByTestId('se-row-T drawn').locator('i.swatch').evaluate((e) => getComputedStyle(e).backgroundColor))
    .match(/\d+/g).slice(0, 3).map(Number);
  const canvasBox = await page.getByTestId('se-canvas').boundingBox();
  const png = decodePng(await page.getByTestId('se-canvas').screenshot());
  const hues = [];
  for (const [dx, dy] of [[-3, -3], [3, -3], [-3, 3], [3, 3]]) {
    const { at: [px, py] } = await onCanvas(page, grid, -60 + dx, 20 + dy);
    hues.push(hue(png.at(px - canvasBox.x, py - canvasBox.y)));
  }
  const want = hue(swatchRgb);
  check(hues.every((x) => Math.min(Math.abs(x - want), 360 - Math.abs(x - want)) < 15), `the drawing in its list colour (hue ${want.toFixed(0)}°): hues ${hues.map((x) => x.toFixed(0))}`);
  await panelShot(page, '42-se-tumour-drawn', log);
  await page.keyboard.press('Control+z');
  await page.getByTestId('se-status').filter({ hasText: 'undone' }).waitFor();
  await ready(page);
  check(await volume(page, 'T drawn') === 0, 'undo took the drawing back');
  await panelShot(page, '43-se-undone', log);
  const again = await draw();
  check(again.ml > 0, `drawn again: ${again.ml} mL`);
  // The liver filled, alone but for the drawing: inside it, away from the tumours, the liver's list colour.
  const others = (await page.locator('[data-testid^="se-shown-"]').evaluateAll((l) => l.map((e) => e.dataset.testid.slice('se-shown-'.length))))
    .filter((n) => n !== 'liver' && n !== 'T drawn');
  for (const n of others) { await page.getByTestId(`se-shown-${n}`).uncheck(); await ready(page); }
  await page.getByTestId('se-filled').check();
  await ready(page);
  const liverRgb = (await page.getByTestId('se-row-liver').locator('i.swatch').evaluate((e) => getComputedStyle(e).backgroundColor)).match(/\d+/g).slice(0, 3).map(Number);
  const filledPng = decodePng(await page.getByTestId('se-canvas').screenshot());
  const liverHues = [];
  for (const [x, y] of [[-95, 0], [-85, -15], [-100, 15]]) {
    const { at: [px, py] } = await onCanvas(page, grid, x, y);
    liverHues.push(hue(filledPng.at(px - canvasBox.x, py - canvasBox.y)));
  }
  const liverWant = hue(liverRgb);
  check(liverHues.every((x) => Math.min(Math.abs(x - liverWant), 360 - Math.abs(x - liverWant)) < 15), `the liver filled in its list colour (hue ${liverWant.toFixed(0)}°): hues ${liverHues.map((x) => x.toFixed(0))}`);
  await panelShot(page, '43b-se-liver-filled', log);
  for (const n of others) { await page.getByTestId(`se-shown-${n}`).check(); await ready(page); }
  await page.getByTestId('se-filled').uncheck();
  await ready(page);
  log(`liver filled in its list colour rgb(${liverRgb}): hue ${liverWant.toFixed(0)}°, on the image ${liverHues.map((x) => x.toFixed(0)).join(', ')}°`);
  log(`drawn in its list colour rgb(${swatchRgb}): hue ${want.toFixed(0)}°, on the image ${hues.map((x) => x.toFixed(0)).join(', ')}°`);
  log(`tumour drawn (${first.ml} mL: ${first.stats.n} voxels, ${first.area.toFixed(0)} mm² for a disc of ${radiusMm} mm radius, centroid `
    + `${first.stats.centroid.map((v) => v.toFixed(1)).join(', ')} mm for −60, 20, ${seed[2]}), undone, drawn again (${again.ml} mL)`);

  setStep('structures: saved as a DICOM SEG and listed by the structures step');
  await page.getByTestId('se-save').click();
  await page.getByTestId('wb-structures').filter({ hasText: 'T drawn' }).waitFor({ timeout: 120000 });
  const listed = await page.getByTestId('wb-structures').textContent();
  check(listed.includes('territory WL') && listed.includes('liver'), `the SEG's structures listed: ${listed}`);
  await page.getByTestId('wb-structures').scrollIntoViewIfNeeded();
  await shot(page, '44-se-saved-listed');
  log('structures saved as a DICOM SEG, picked, listed with their volumes');

  setStep('structures: a structure renamed, then saved as an RT Structure Set');
  // The session stays open after the save (the panel too, or opened again).
  if (!(await page.getByTestId('se-panel').evaluate((e) => /** @type {HTMLDetailsElement} */ (e).open))) await page.getByTestId('se-open').click();
  await page.getByTestId('se-row-T drawn').waitFor({ timeout: 120000 });
  await ready(page);
  await page.getByTestId('se-active-T drawn').check();
  await ready(page);
  await page.getByTestId('se-rename-name').fill('T7');
  await page.getByTestId('se-rename-role').selectOption('tumour');
  await page.getByTestId('se-rename').click();
  await page.getByTestId('se-row-T7').waitFor({ timeout: 30000 });
  await ready(page);
  check(await page.getByTestId('se-row-T drawn').count() === 0, 'the structure renamed, not copied');
  check(Math.abs(await volume(page, 'T7') - again.ml) < 1e-9, `the renamed structure keeps its mask: ${await volume(page, 'T7')} mL`);
  await panelShot(page, '45-se-renamed', log);
  await page.getByTestId('se-save-format').selectOption('rt_struct');
  await page.getByTestId('se-save').click();
  await page.getByTestId('wb-structures').filter({ hasText: 'T7' }).waitFor({ timeout: 120000 });
  const w = await (await page.request.get(`${base}/api/cases/${caseId}/workbench`)).json();
  const picked = w.series.find((x) => x.id === w.draft.roles.structures);
  check(picked && picked.modality === 'RTSTRUCT', `an RT Structure Set picked as the structures: ${JSON.stringify(picked)}`);
  const listedRt = await page.getByTestId('wb-structures').textContent();
  check(listedRt.includes('T7') && listedRt.includes('territory WL'), `the RT Struct's structures listed: ${listedRt}`);
  await page.getByTestId('wb-structures').scrollIntoViewIfNeeded();
  await shot(page, '46-se-saved-rt-struct');
  log(`"T drawn" renamed T7 in the editor; saved as an RT Structure Set (series ${picked.id}), picked and listed`);
  await page.context().close();
}
