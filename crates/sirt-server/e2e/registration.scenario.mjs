// Browser scenario of the registration tool (issue 16, "Registration"), run by app.test.mjs after the
// planning-from-images scenario: the phantom's MAA SPECT/CT moved by a known rigid transform into a
// frame of its own (MOVED_SPECT_ZIP, written by tests/browser.rs) is uploaded for the same patient; a
// new case takes the first case's draft with the moved SPECT and its CT picked (the registration is
// then needed); in step 3 the physicist registers automatically, nudges by keys (the figures move by
// the steps), goes back to the automatic result, looks at the fused and checkerboard views, saves: the
// step shows the registration object; after a reload the tool shows the saved transform (its figures,
// how it was found, who saved it and when), and the plan is made with it.
// Screenshots 30-… to 34-… in E2E_OUT.

/** A JSON API call from the page (the session's cookie and CSRF token). */
async function apiCall(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const s = await (await fetch('/api/session', { credentials: 'same-origin' })).json();
    const r = await fetch(path, { method, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': s.csrf_token },
      body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: r.status, data: await r.json().catch(() => null) };
  }, { method, path, body });
}

/** The numbers of a figure cell ("1.2, −3.4, 5.6 mm"). */
const numbers = (text) => (text.match(/-?\d+(?:[.,]\d+)?/g) || []).map((x) => Number(x.replace(',', '.')));

export async function registrationScenario({ newPage, login, shot, base, zip, check, log, setStep }) {
  setStep('registration: the moved SPECT/CT and a new case');
  const page = await newPage();
  await login(page, 'physicist');
  const found = await apiCall(page, 'GET', '/api/patients?q=SIRT-PHANTOM-1');
  const patient = (found.data.patients || found.data)[0];
  check(patient, `the patient of the planning scenario: ${JSON.stringify(found.data).slice(0, 200)}`);
  await page.goto(`${base}/#/patients/${patient.id}`);
  await page.getByTestId('upload-form').waitFor();
  await page.getByTestId('upload-file').setInputFiles(zip);
  await page.getByTestId('upload-submit').click();
  await page.getByTestId('series').filter({ hasText: 'MAA SPECT (moved)' }).waitFor({ timeout: 120000 });
  const detail = (await apiCall(page, 'GET', `/api/patients/${patient.id}`)).data;
  const first = detail.cases.find((c) => c.title === 'SIRT from the uploaded images');
  check(first, 'the first case');
  const made = await apiCall(page, 'POST', `/api/patients/${patient.id}/cases`, { title: 'SIRT with a registered SPECT/CT', indication: 'NET' });
  check(made.status === 201, `a new case: ${made.status}`);
  const caseId = made.data.id;
  const w0 = (await apiCall(page, 'GET', `/api/cases/${first.id}/workbench`)).data;
  const moved = (d) => w0.series.find((s) => s.description === d);
  const draft = JSON.parse(JSON.stringify(w0.draft));
  draft.roles.maa_spect = moved('MAA SPECT (moved)').id;
  draft.roles.maa_ct = moved('CT of the SPECT/CT (moved)').id;
  draft.roles.registration = null;
  const put = await apiCall(page, 'PUT', `/api/cases/${caseId}/workbench`, { revision: 0, draft });
  check(put.status === 200 && put.data.registration.state === 'needed', `the moved SPECT needs a registration: ${JSON.stringify(put.data).slice(0, 300)}`);
  await page.goto(`${base}/#/cases/${caseId}/planning`);
  const tool = page.getByTestId('wb-registration-tool');
  await tool.waitFor();
  await page.getByTestId('wb-registration-state').filter({ hasText: /registration/i }).waitFor();
  // No WebGL view before it is asked for.
  check(await page.getByTestId('reg-canvas').count() === 0, 'the registration view stays closed until opened');
  await page.getByTestId('reg-open').click();
  await page.locator('[data-testid="reg-viewbox"][data-ready="1"]').waitFor({ timeout: 60000 });
  await page.waitForTimeout(500);
  await tool.scrollIntoViewIfNeeded();
  await tool.screenshot({ path: `${process.env.E2E_OUT}/30-reg-before.png` });
  // The checkerboard before: the moved CT's blocks visibly off the planning CT's edges.
  await page.getByTestId('reg-view').selectOption('checker');
  await page.waitForTimeout(1000);
  await tool.screenshot({ path: `${process.env.E2E_OUT}/30b-reg-checkerboard-before.png` });
  await page.getByTestId('reg-view').selectOption('fused');
  log(`case ${caseId}: the moved SPECT/CT picked, registration needed`);

  setStep('registration: automatic');
  await page.getByTestId('reg-region').selectOption('liver');
  await page.getByTestId('reg-run').click();
  await page.getByTestId('reg-quality').waitFor({ timeout: 180000 });
  const quality = await page.getByTestId('reg-quality').textContent();
  const auto = numbers(await page.getByTestId('reg-translation').textContent());
  check(auto.length === 3, `the translation shown: ${auto}`);
  await page.waitForTimeout(1500);
  await tool.screenshot({ path: `${process.env.E2E_OUT}/31-reg-fused.png` });
  log(`automatic: ${quality.trim()}; translation ${auto.join(', ')} mm`);

  setStep('registration: checkerboard');
  await page.getByTestId('reg-view').selectOption('checker');
  await page.waitForTimeout(1500);
  await tool.screenshot({ path: `${process.env.E2E_OUT}/32-reg-checkerboard.png` });

  setStep('registration: nudged by keys, then back');
  await page.getByTestId('reg-view').selectOption('fused');
  await page.getByTestId('reg-canvas').click();
  await page.keyboard.press('Shift+ArrowRight');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('PageUp');
  const nudged = numbers(await page.getByTestId('reg-translation').textContent());
  check(Math.abs(nudged[0] - auto[0] - 6) < 0.11 && Math.abs(nudged[1] - auto[1]) < 0.11 && Math.abs(nudged[2] - auto[2] - 1) < 0.11,
    `Shift+→, → and Page Up move by (6, 0, 1) mm: ${auto} → ${nudged}`);
  const diff = numbers(await page.getByTestId('reg-difference').textContent());
  check(Math.abs(diff[0] - 6) < 0.11 && Math.abs(diff[2] - 1) < 0.11, `the difference from the automatic result: ${diff}`);
  await page.keyboard.press('Control+ArrowLeft');
  const turned = numbers(await page.getByTestId('reg-difference').textContent());
  check(Math.abs(turned[5] - 0.5) < 0.05, `Ctrl+← turns 0.5° about z: ${turned}`);
  await page.waitForTimeout(1500);
  await tool.screenshot({ path: `${process.env.E2E_OUT}/33-reg-nudged.png` });
  await page.getByTestId('reg-back').click();
  const back = numbers(await page.getByTestId('reg-translation').textContent());
  check(back.every((v, i) => Math.abs(v - auto[i]) < 1e-9), `back to the automatic result: ${back}`);
  log(`nudged to ${nudged.join(', ')} mm and 0.5° about z, back to ${back.join(', ')} mm`);

  setStep('registration: saved and used by the plan');
  await page.getByTestId('reg-save').click();
  await page.getByTestId('wb-registration-state').filter({ hasText: /spatial registration object picked/ }).waitFor({ timeout: 120000 });
  await page.getByTestId('wb-registration-tool').scrollIntoViewIfNeeded();
  const shown = numbers(await page.getByTestId('reg-translation').textContent());
  check(shown.every((v, i) => Math.abs(v - auto[i]) < 1e-9), `the tool shows the saved transform after the save, not none: ${shown}`);
  // After a reload the page reads the saved registration back (GET …/registration): the same
  // figures, how it was found, who saved it and when.
  await page.reload();
  await page.locator('[data-testid="wb-registration-tool"] [data-saved="1"], [data-testid="wb-registration-tool"][data-saved="1"]').first().waitFor({ timeout: 60000 });
  await page.getByTestId('wb-registration-tool').scrollIntoViewIfNeeded();
  const reloaded = numbers(await page.getByTestId('reg-translation').textContent());
  check(reloaded.every((v, i) => Math.abs(v - auto[i]) < 1e-9), `the saved transform shown after a reload: ${reloaded} (saved ${auto})`);
  const angles = numbers(await page.getByTestId('reg-angles').textContent());
  check(angles.length === 3 && angles.some((a) => Math.abs(a) > 0.1), `the saved rotation shown after a reload: ${angles}`);
  const note = (await page.getByTestId('reg-note').textContent()) || '';
  check(/found automatically/.test(note) && /saved by/.test(note) && /\d{4}-\d{2}-\d{2}/.test(note), `who saved it, how and when: ${note}`);
  log(`after a reload: ${reloaded.join(', ')} mm, ${angles.join(', ')}°; ${note}`);
  await shot(page, '34-reg-saved');
  await page.getByTestId('wb-make-plan').click();
  await page.getByTestId('activity-table').waitFor({ timeout: 240000 });
  log('registration saved as a REG series picked in the draft; the plan made with it');
  await page.close();
}
