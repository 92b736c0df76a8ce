// The PACS pages (issue 17, "Web app") in the browser, without a PACS (the server tests run a real
// Orthanc): an admin adds a DICOMweb node (a URL that is not http refused naming the field; the
// password never shown again, only "set"), tests it (nothing listens: the error names the node);
// a physician's patient page offers "Import from PACS" with that node, and a search answers with
// the error naming the node instead of hanging; an approved plan's page offers "Send to PACS",
// whose error names the node too. Screenshots: pacs-*.png. Called by app.test.mjs.

/** A password that must never appear in a page. */
const SECRET = 'e2e-pacs-secret-4471';

export async function pacsScenario({ newPage, login, shot, base, check, log, setStep }) {
  setStep('PACS: the admin page');
  let page = await newPage();
  await login(page, 'admin');
  await page.getByTestId('nav-pacs').click();
  await page.getByTestId('pacs-form').waitFor();
  await page.getByTestId('pacs-name').fill('Radiology PACS');
  await page.getByTestId('pacs-url').fill('ftp://pacs.example/dicom-web');
  await page.getByTestId('pacs-username').fill('sirtplan');
  await page.getByTestId('pacs-password').fill(SECRET);
  await page.getByTestId('pacs-save').click();
  const refusal = page.locator('[data-testid=pacs-form] .error');
  await refusal.waitFor();
  check((await refusal.textContent()).includes('field `url`'), `the refusal names the URL: ${await refusal.textContent()}`);
  await page.getByTestId('pacs-url').fill('http://127.0.0.1:9/dicom-web');
  await page.getByTestId('pacs-save').click();
  await page.getByTestId('pacs-nodes').waitFor();
  const row = page.locator('[data-testid=pacs-nodes] tr', { hasText: 'Radiology PACS' });
  check((await row.textContent()).includes('set'), 'the password shows as set');
  await row.getByRole('button', { name: 'Test' }).click();
  const failed = page.locator('[data-testid="pacs-test-Radiology PACS"] .error');
  await failed.waitFor({ timeout: 20000 });
  check((await failed.textContent()).includes('«Radiology PACS»'), `the test's error names the node: ${await failed.textContent()}`);
  check(!(await page.content()).includes(SECRET), 'the password is nowhere in the page');
  await shot(page, 'pacs-admin');
  log('PACS admin page: a bad URL refused naming it; the node added with its password shown as set; its test names it');
  await page.context().close();

  setStep('PACS: import on the patient page');
  page = await newPage();
  await login(page, 'physician');
  await page.goto(`${base}/#/patients`);
  await page.locator('table.data tbody tr').first().click();
  await page.getByTestId('pacs-node').waitFor();
  await page.getByTestId('pacs-search').click();
  const answer = page.locator('[data-testid=pacs-results] .error');
  await answer.waitFor({ timeout: 20000 });
  const text = await answer.textContent();
  check(text.includes('«Radiology PACS»') && text.includes('pacs_unreachable'), `the search's error names the node: ${text}`);
  await shot(page, 'pacs-import');
  log('Import from PACS: the node offered; a search of a node that is down answers with its name');

  setStep('PACS: send an approved plan');
  let approved = null;
  const patients = await (await page.request.get(`${base}/api/patients`)).json();
  // The phantom planned from its images (the planning scenario): a plan with a dose map and structures.
  const fromImages = (patients.patients || []).filter((p) => p.mrn === 'SIRT-PHANTOM-1');
  for (const p of fromImages) {
    const detail = await (await page.request.get(`${base}/api/patients/${p.id}`)).json();
    for (const c of detail.cases) {
      const cs = await (await page.request.get(`${base}/api/cases/${c.id}`)).json();
      const plan = cs.plans.find((x) => x.state === 'approved');
      if (plan) { approved = plan.id; break; }
    }
    if (approved) break;
  }
  check(approved !== null, 'an approved plan to send (the planning scenario approves one)');
  await page.goto(`${base}/#/plans/${approved}`);
  await page.getByTestId('pacs-send-go').click();
  const sendError = page.locator('[data-testid=pacs-send-result] .error');
  await sendError.waitFor({ timeout: 120000 });
  const said = await sendError.textContent();
  check(said.includes('«Radiology PACS»'), `the send's error names the node: ${said}`);
  await shot(page, 'pacs-send');
  log('Send to PACS: offered on the approved plan; a node that is down answers with its name');
  await page.context().close();
}
