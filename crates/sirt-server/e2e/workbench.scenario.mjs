// Browser scenario of planning from images (issue 16), run by app.test.mjs: a physicist registers a new
// patient, uploads the digital phantom's DICOM zip (PHANTOM_DICOM_ZIP, written by tests/browser.rs),
// opens a case's planning pages, picks the series of each role (a CT offered as the MAA SPECT is
// refused beside the field), the structures and a whole-liver injection, measures (accepting the
// phantom's short lung field of view with a reason), fills the prescription (a weight without unit
// refused beside the field), reloads the page (the draft resumes), makes the plan and checks it with
// the password; a physicist reads the plan's measured inputs in its report (the case file leaves
// the LSF, the TNRs and the perfused volume out: the engine measured them on the picked images);
// a physician acknowledges any failed check and approves it with the password.
// Screenshots 20-… to 28-… in E2E_OUT.

/** The value of the first option of a select whose text contains `text`. */
async function optionValue(page, testid, text) {
  const v = await page.getByTestId(testid).locator('option', { hasText: text }).first().getAttribute('value');
  if (!v) throw new Error(`no option "${text}" in ${testid}`);
  return v;
}

export async function workbenchScenario({ newPage, login, sign, shot, planState, base, password, zip, check, log, setStep }) {
  setStep('planning from images: a new patient and the upload');
  let page = await newPage();
  await login(page, 'physicist');
  await page.goto(`${base}/#/patients`);
  const newPatient = page.locator('form:has(h2:text-is("New patient"))');
  await newPatient.locator('input[name=mrn]').fill('SIRT-PHANTOM-1');
  await newPatient.locator('input[name=name]').fill('Phantom, from images');
  await newPatient.locator('input[name=birth_date]').fill('1963-08-20');
  await newPatient.locator('select[name=sex]').selectOption('female');
  await newPatient.getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('upload-form').waitFor();
  await page.getByTestId('upload-file').setInputFiles(zip);
  await page.getByTestId('upload-submit').click();
  await page.getByTestId('series').waitFor({ timeout: 120000 });
  const seriesText = await page.getByTestId('series').textContent();
  for (const m of ['CT', 'NM', 'PT', 'RTSTRUCT', 'SEG']) check(seriesText.includes(m), `series ${m} listed: ${seriesText}`);
  await shot(page, '20-wb-patient-uploaded');
  const newCase = page.locator('form:has(h2:text-is("New case"))');
  await newCase.locator('input').nth(0).fill('SIRT from the uploaded images');
  await newCase.locator('input').nth(1).fill('NET');
  await newCase.getByRole('button', { name: 'Create' }).click();
  await page.getByTestId('plan-from-images').click();
  await page.getByTestId('wb-step-series').waitFor();
  const caseId = Number(page.url().split('/').at(-2));
  log(`patient registered, phantom DICOM zip uploaded, case ${caseId} opened on its planning pages`);

  setStep('planning from images: series of each role');
  const ct = await optionValue(page, 'wb-role-planning_ct', 'CT (phantom)');
  const nm = await optionValue(page, 'wb-role-maa_spect', 'MAA SPECT');
  const rt = await optionValue(page, 'wb-role-structures', 'RTSTRUCT');
  await page.getByTestId('wb-role-planning_ct').selectOption(ct);
  await page.getByTestId('wb-role-maa_spect').selectOption(ct);
  await page.getByTestId('wb-role-structures').selectOption(rt);
  await page.getByTestId('wb-save-1').click();
  const wrong = page.getByTestId('error-roles.maa_spect');
  await wrong.waitFor();
  const wrongText = await wrong.textContent();
  check(wrongText.includes('modality NM') && wrongText.includes('of modality CT'), `the wrong modality refused beside its field: ${wrongText}`);
  await shot(page, '21-wb-wrong-modality');
  await page.getByTestId('wb-role-maa_spect').selectOption(nm);
  await page.getByTestId('wb-save-1').click();
  await page.getByTestId('wb-status').filter({ hasText: 'revision 1' }).waitFor();
  await page.getByTestId('wb-registration-state').filter({ hasText: 'no registration needed' }).waitFor();
  log(`a CT as the MAA SPECT refused (${wrongText.trim().slice(0, 90)}…); series saved; same frame, no registration`);

  setStep('planning from images: structures and injection');
  await page.getByTestId('wb-structures').waitFor({ timeout: 120000 });
  const structText = await page.getByTestId('wb-structures').textContent();
  check(structText.includes('liver') && structText.includes('lungs') && structText.includes('T1'), `structures listed: ${structText}`);
  await page.getByTestId('wb-structures.liver').selectOption('liver');
  await page.getByTestId('wb-structures.lungs').selectOption('lungs');
  await page.getByTestId('wb-extrahepatic-stomach').check();
  await page.getByTestId('wb-add-gtv').click();
  await page.getByTestId('wb-add-injection').click();
  await page.getByTestId('wb-injections[0].label').fill('proper hepatic artery');
  await page.getByTestId('wb-save-2').click();
  await page.getByTestId('wb-status').filter({ hasText: 'revision 2' }).waitFor();
  const tumourRows = await page.getByTestId('wb-tumours').locator('[data-field^="structures.tumours["][data-field$="]"]').count();
  check(tumourRows === 6, `six tumours from the GTV structures: ${tumourRows}`);
  await shot(page, '22-wb-structures');

  setStep('planning from images: measurements');
  await page.getByTestId('wb-measure').click();
  const refusal = page.getByTestId('wb-measurements').getByRole('alert');
  await refusal.waitFor({ timeout: 120000 });
  check((await refusal.textContent()).includes('images.lungs.volume'), 'the short lung field refused by the plausibility bounds');
  await page.getByTestId('wb-accept-images.lungs.volume').click();
  await page.getByTestId('wb-accept-reason-images.lungs.volume').fill('digital phantom: the CT field of view holds the lung bases only');
  await page.getByTestId('wb-measure').click();
  await page.getByTestId('wb-lsf').waitFor({ timeout: 120000 });
  const lsf = await page.getByTestId('wb-lsf').textContent();
  check(/LSF 6[.,]0\d/.test(lsf), `the measured LSF is the phantom's 6.0 %: ${lsf}`);
  check((await page.getByTestId('wb-tnr').locator('tbody tr').count()) === 6, 'a TNR per tumour');
  const provenance = await page.getByTestId('wb-lsf-provenance').textContent();
  check(provenance.includes('"lungs"') && provenance.includes('MAA SPECT (phantom)') && provenance.includes('studies/'), `the LSF's provenance: ${provenance}`);
  await shot(page, '23-wb-measurements');
  log(`measured ${lsf.trim()} (${provenance.trim().slice(0, 120)}…)`);

  setStep('planning from images: prescription');
  await page.getByTestId('wb-patient.weight').fill('68');
  await page.getByTestId('wb-patient.height').fill('1.65 m');
  await page.getByTestId('wb-diagnosis.grade').fill('G2');
  await page.getByTestId('wb-diagnosis.ki67_percent').fill('8');
  await page.getByTestId('wb-planning.device').selectOption('therasphere');
  await page.getByTestId('wb-planning.residual_fraction').fill('3 %');
  await page.getByTestId('wb-sessions[0].treatment-date').fill('2025-01-29');
  await page.getByTestId('wb-sessions[0].treatment-time').fill('10:00');
  await page.getByTestId('wb-sessions[0].treatment-zone').fill('Europe/London');
  await page.getByTestId('wb-mapping.date-date').fill('2025-01-15');
  await page.getByTestId('wb-mapping.date-time').fill('09:00');
  await page.getByTestId('wb-mapping.date-zone').fill('Europe/London');
  await page.getByTestId('wb-liver.density').fill('1.05 g/mL');
  await page.getByTestId('wb-planning.limits.whole_liver_ntad_max').fill('75 Gy');
  await page.getByTestId('wb-planning.limits.lung_session_max').fill('30 Gy');
  await page.getByTestId('wb-planning.limits.lung_cumulative_max').fill('50 Gy');
  await page.getByTestId('wb-injections[0].goal.value').fill('150 Gy');
  await page.getByTestId('wb-make-plan').click();
  const weightError = page.getByTestId('error-patient.weight');
  await weightError.waitFor({ timeout: 120000 });
  check((await weightError.textContent()).includes('field `patient.weight`'), 'a weight without unit refused beside its field');
  await shot(page, '24-wb-prescription-refused');
  await page.getByTestId('wb-patient.weight').fill('68 kg');
  await page.getByTestId('wb-save-5').click();
  await page.getByTestId('wb-status').filter({ hasText: 'revision' }).waitFor();

  setStep('planning from images: the draft resumes after a reload');
  await page.reload();
  await page.getByTestId('wb-step-prescription').waitFor();
  check(await page.getByTestId('wb-role-maa_spect').inputValue() === nm, 'the SPECT pick resumed');
  check(await page.getByTestId('wb-patient.weight').inputValue() === '68 kg', 'the weight resumed');
  check(await page.getByTestId('wb-sessions[0].treatment-zone').inputValue() === 'Europe/London', 'the treatment zone resumed');

  setStep('planning from images: the plan');
  await page.getByTestId('wb-make-plan').click();
  const planRefusal = page.getByTestId('wb-plan-result').getByRole('alert');
  await planRefusal.waitFor({ timeout: 120000 });
  check((await planRefusal.textContent()).includes('lungs.mass'), `the phantom's lung mass refused until accepted: ${await planRefusal.textContent()}`);
  await page.getByTestId('wb-accept-lungs.mass').click();
  await page.getByTestId('wb-accept-reason-lungs.mass').fill('digital phantom: the CT field of view holds the lung bases only (0.29 kg)');
  await page.getByTestId('wb-make-plan').click();
  await page.getByTestId('activity-table').waitFor({ timeout: 120000 });
  const planId = Number(page.url().split('/').pop());
  check(await planState(page) === 'draft', 'the plan is a draft');
  const plan = await (await page.request.get(`${base}/api/plans/${planId}`)).json();
  check(!/^\s*(lsf|tnr|perfused_volume)\s*=/m.test(plan.case_toml) && !/\btnr\s*=/.test(plan.case_toml), `the generated case leaves the measured values out: ${plan.case_toml}`);
  const inputs = plan.result.input_provenance;
  check(inputs.lsf[0].origin.kind === 'measured' && inputs.lsf_measured.source.image.startsWith('studies/'), `the plan's LSF measured on the picked SPECT: ${JSON.stringify(inputs.lsf_measured)}`);
  check(inputs.tnr.length === 6 && inputs.tnr.every((x) => x.origin.kind === 'measured'), 'each TNR measured');
  check(Math.abs(plan.result.injections[0].lsf / 0.06 - 1) < 0.05, `the plan's LSF is the phantom's 6.0 % within 5 %: ${plan.result.injections[0].lsf}`);
  check(plan.case_id === caseId, 'the plan belongs to the case');
  // The parameters show the measured values readable (the plan uses them as measured).
  const lsfField = await page.locator('[data-param="injections.WL.lsf"]').inputValue();
  check(lsfField === String(Number(plan.result.injections[0].lsf.toFixed(4))), `the LSF field shows the measured LSF to 4 decimals: ${lsfField}`);
  const tnrField = await page.locator('[data-param^="injections.WL.tnr."]').first().inputValue();
  check(/^\d+(\.\d{1,3})?$/.test(tnrField), `a TNR field shows the measured TNR to 3 decimals: ${tnrField}`);
  await shot(page, '25-wb-plan');
  log(`plan ${planId} made from the images: ${plan.result.injections[0].prescribed_activity_gbq.toFixed(3)} GBq prescribed, LSF ${plan.result.injections[0].lsf} measured on ${inputs.lsf_measured.source.image}`);

  setStep('planning from images: the measured inputs in the report');
  // The report the physicist checks: its "Measured inputs" section alone on the page (the rest
  // hidden), each value measured with its series, masks and method.
  const report = await page.context().newPage();
  await report.goto(`${base}/api/plans/${planId}/report.html`, { timeout: 240000 });
  // The report's title is its h1, its sections' headings h2.
  const sectionText = await report.evaluate(() => {
    const start = [...document.querySelectorAll('h2')].find((x) => x.textContent.trim() === 'Measured inputs');
    if (!start) return null;
    const keep = new Set([start]);
    for (let n = start.nextElementSibling; n && n.tagName !== 'H2'; n = n.nextElementSibling) keep.add(n);
    for (const n of [...start.parentElement.children]) if (!keep.has(n) && n.tagName !== 'H1') n.style.display = 'none';
    return [...keep].map((n) => n.textContent).join('\n');
  });
  await shot(report, '28-wb-measured-inputs');
  check(sectionText !== null, 'the report has a "Measured inputs" section');
  for (const part of ['measured', inputs.lsf_measured.source.image, 'lungs', 'liver']) check(sectionText.includes(part), `"${part}" in the measured inputs: ${sectionText.slice(0, 400)}`);
  await report.close();
  await sign(page, 'do-check', password, 'checked by physicist');
  await page.getByTestId('plan-status').filter({ hasText: 'Check: done' }).waitFor({ timeout: 120000 });
  await page.context().close();

  setStep('planning from images: the physician approves');
  page = await newPage();
  await login(page, 'physician');
  await page.goto(`${base}/#/plans/${planId}`);
  await page.getByTestId('activity-table').waitFor();
  await sign(page, 'do-approve', password, 'approved by physician');
  await page.getByTestId('plan-status').filter({ hasText: /Approve: done|unacknowledged_checks/ }).waitFor({ timeout: 240000 });
  if ((await page.getByTestId('plan-status').textContent()).includes('unacknowledged_checks')) {
    // Each failed check of the phantom's plan acknowledged with a reason, then approved.
    const reasons = page.locator('[data-testid^="ack-reason-"]');
    const n = await reasons.count();
    for (let i = 0; i < n; i += 1) {
      const input = page.locator('[data-testid^="ack-reason-"]').first();
      const testid = await input.getAttribute('data-testid');
      await input.fill(`digital phantom plan of the end-to-end test: reviewed (${i + 1})`);
      await page.getByTestId(testid.replace('ack-reason-', 'ack-')).first().click();
      await page.getByTestId('failed-checks').filter({ hasText: `reviewed (${i + 1})` }).waitFor();
    }
    log(`${n} failed check(s) acknowledged with a reason`);
    await sign(page, 'do-approve', password, 'approved by physician');
    await page.getByTestId('plan-status').filter({ hasText: 'Approve: done' }).waitFor({ timeout: 240000 });
  }
  check(await planState(page) === 'approved', 'the plan from images is approved');
  await page.getByTestId('signatures').filter({ hasText: 'approved by physician' }).waitFor();
  await shot(page, '26-wb-plan-approved');
  await page.goto(`${base}/#/cases/${caseId}/planning`);
  await page.getByTestId('wb-last-plan').waitFor();
  await shot(page, '27-wb-planning-page');
  log(`plan ${planId} from images checked and approved with signatures`);
  await page.context().close();
}
