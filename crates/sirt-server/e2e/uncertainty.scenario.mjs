// The plan's uncertainty and the optimisation in the planning workspace (issue 18: "Shown in the
// report and the workspace", "and a button in the workspace"). A physicist opens the demo plan,
// computes its uncertainty (the computing state shown while the server works), reads each dose's
// 5th–95th percentile interval beside the plan's value and each dose check's probability, the
// defaults named; runs Optimise and reads the best choice with both probabilities, ε and where it
// comes from, the trade-off table with the best and the choices above ε marked, and the best offered
// as a recommendation only (the plan's parameters cannot order another vial). The numbers on the
// page are the API's. A viewer sees the panel with its buttons disabled. Screenshots:
// uncertainty-*.png, optimise-*.png. Called by app.test.mjs.

/** Samples of the page's runs (design choice: enough for stable first decimals, quick in a debug build). */
const SAMPLES = 5000;
const OPT_SAMPLES = 2000;

/** A probability as the page writes it in English: a percentage with one decimal (Intl's rounding). */
const pct = (p) => `${new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1, useGrouping: false }).format(p * 100)} %`;

/** Delays an API answer so that the computing state can be seen and photographed (ms). */
const SHOWN_DELAY_MS = 1200;

export async function uncertaintyScenario({ newPage, login, shot, base, check, log, setStep }) {
  setStep('uncertainty: open the demo plan');
  let page = await newPage();
  await login(page, 'physicist');
  const planId = await demoPlan(page, base);
  check(planId > 0, 'a plan of the demo case');
  await page.goto(`${base}/#/plans/${planId}`);
  await page.getByTestId('uncertainty-panel').waitFor({ timeout: 30000 });

  setStep('uncertainty: compute');
  await page.route('**/api/plans/*/uncertainty?*', async (route) => {
    await new Promise((r) => setTimeout(r, SHOWN_DELAY_MS));
    await route.continue();
  });
  await page.getByTestId('unc-samples').fill(String(SAMPLES));
  await page.getByTestId('unc-compute').click();
  await page.getByTestId('unc-computing').waitFor({ timeout: 5000 });
  check(await page.getByTestId('unc-compute').isDisabled(), 'the button is disabled while computing');
  await page.getByTestId('uncertainty-panel').screenshot({ path: `${process.env.E2E_OUT}/uncertainty-computing.png` });
  await page.getByTestId('unc-result').waitFor({ timeout: 60000 });
  check(await page.getByTestId('unc-computing').count() === 0, 'the computing state ends with the result');
  const u = await (await page.request.get(`${base}/api/plans/${planId}/uncertainty?samples=${SAMPLES}&seed=20260305`)).json();
  const doses = page.getByTestId('unc-doses').locator('tbody tr');
  check(await doses.count() >= 20, `every dose with its interval: ${await doses.count()} rows`);
  const ntad = u.doses.find((d) => d.of === 'session' && d.id === '2' && d.key === 'whole_liver_ntad_gy');
  const interval = `${ntad.interval_gy.p5.toFixed(1)} – ${ntad.interval_gy.p95.toFixed(1)}`;
  const ntadRow = doses.filter({ hasText: 'session 2' }).filter({ hasText: 'whole-liver NTAD' }).first();
  check((await ntadRow.textContent()).includes(interval), `session 2's NTAD interval ${interval} as the API gives it: ${await ntadRow.textContent()}`);
  const checks = page.getByTestId('unc-checks').locator('tbody tr');
  check(await checks.count() === u.checks.length && u.checks.length > 10, `every dose check with P(met): ${await checks.count()}`);
  const t4 = u.checks.find((c) => c.rule === 'net-glass-tad-optimal' && c.subject.endsWith('tumour T4'));
  const t4Row = checks.filter({ hasText: 'T4' }).filter({ hasText: '200 Gy' }).first();
  check((await t4Row.textContent()).includes(pct(t4.probability_met)), `T4 ≥ 200 Gy met with ${t4.probability_met}: ${await t4Row.textContent()}`);
  const spreads = await page.getByTestId('unc-spreads-from').textContent();
  check(spreads.includes('cited defaults') && spreads.includes('residual_sd'), `the defaults used are named: ${spreads}`);
  await page.getByTestId('unc-propagation').screenshot({ path: `${process.env.E2E_OUT}/uncertainty-result.png` });
  log(`uncertainty: ${await doses.count()} doses with p5–p95 (session 2 NTAD ${interval} Gy), ${await checks.count()} checks with P(met); defaults named`);

  setStep('optimise: run');
  await page.route('**/api/plans/*/optimise', async (route) => {
    await new Promise((r) => setTimeout(r, SHOWN_DELAY_MS));
    await route.continue();
  });
  await page.getByTestId('opt-samples').fill(String(OPT_SAMPLES));
  await page.getByTestId('opt-run').click();
  await page.getByTestId('opt-computing').waitFor({ timeout: 5000 });
  await page.getByTestId('opt-panel').screenshot({ path: `${process.env.E2E_OUT}/optimise-computing.png` });
  await page.getByTestId('opt-result').waitFor({ timeout: 120000 });
  const aim = await page.getByTestId('opt-aim').textContent();
  check(aim.includes('ε = 5.0 %') && aim.includes('site settings'), `ε and its origin: ${aim}`);
  const best = await page.getByTestId('opt-best').textContent();
  check(best.includes('Best choice: day') && best.includes('GBq') && best.includes('P(every goal met)'), `the best choice: ${best}`);
  const csrf = (await (await page.request.get(`${base}/api/session`)).json()).csrf_token;
  const o = await (await page.request.post(`${base}/api/plans/${planId}/optimise`, {
    headers: { 'X-CSRF-Token': csrf }, data: { samples: OPT_SAMPLES },
  })).json();
  check(best.includes(pct(o.best.p_goals_met)) && best.includes(`${o.best.injections[0].administered_gbq.toFixed(4)} GBq`),
    `the page's best is the API's (${o.best.p_goals_met}, ${o.best.injections[0].administered_gbq} GBq): ${best}`);
  const front = page.getByTestId('opt-front').locator('tbody tr');
  check(await front.count() === o.pareto_front.length && o.pareto_front.length >= 3, `the trade-off table: ${await front.count()} rows`);
  check(await page.getByTestId('opt-front').locator('tr.unc-best').count() === 1, 'the best is marked once');
  check(await page.getByTestId('opt-front').locator('tr.unc-above').count() === o.pareto_front.filter((c) => !c.feasible).length, 'the choices above ε are marked');
  const apply = await page.getByTestId('opt-apply').textContent();
  check(apply.includes('Recommendation only') && apply.includes('would order'), `the demo's best is a recommendation only, saying why: ${apply}`);
  check(await page.getByTestId('opt-apply-button').count() === 0, 'no apply button for a choice the parameters cannot express');
  await page.getByTestId('opt-panel').screenshot({ path: `${process.env.E2E_OUT}/optimise-result.png` });
  await shot(page, 'uncertainty-workspace');
  log(`optimise: best day ${o.best.day}, ${o.best.injections[0].administered_gbq.toFixed(4)} GBq, P(goals) ${o.best.p_goals_met}, P(limit) ${o.best.p_limit_exceeded}; ${o.pareto_front.length} on the front; recommendation only`);
  await page.context().close();

  setStep('uncertainty: a viewer');
  page = await newPage();
  await login(page, 'viewer');
  await page.goto(`${base}/#/plans/${planId}`);
  await page.getByTestId('uncertainty-panel').waitFor({ timeout: 30000 });
  check(await page.getByTestId('unc-compute').isDisabled() && await page.getByTestId('opt-run').isDisabled(), 'a viewer may not run them');
  log('uncertainty: a viewer sees the buttons disabled');
  await page.context().close();
}

/** The newest plan version of the analytic demo case (`DEMO-NET-001`). */
async function demoPlan(page, base) {
  const patients = await (await page.request.get(`${base}/api/patients?q=DEMO-NET-001`)).json();
  let newest = 0;
  for (const p of patients.patients.filter((x) => x.mrn === 'DEMO-NET-001')) {
    const detail = await (await page.request.get(`${base}/api/patients/${p.id}`)).json();
    for (const c of detail.cases) {
      const cd = await (await page.request.get(`${base}/api/cases/${c.id}`)).json();
      for (const v of cd.plans) newest = Math.max(newest, v.id);
    }
  }
  return newest;
}
