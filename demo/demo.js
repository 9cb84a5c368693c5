// The demo page: pick a scenario, architecture, strategies, vCPUs and model; run the
// comparison on Web Worker vCPUs (or the seeded single-thread mode); watch the rows and
// charts fill in; replay one row from its seed and step through it.
import {
  STRATEGIES, SCENARIOS, SCENARIO_ARCHES, compareInBrowser, replayInBrowser, isolationProblem, timerStepUs, barChart,
} from '../dist/src/browser.js';

const $ = (id) => document.getElementById(id);
const rows = [];

for (const name of SCENARIOS) $('scenario').add(new Option(name, name, name === 'bar-remap', name === 'bar-remap'));
for (const name of SCENARIO_ARCHES) $('arch').add(new Option(name, name, name === 'ppc64be', name === 'ppc64be'));
for (const name of STRATEGIES) {
  const label = document.createElement('label');
  label.innerHTML = `<input type="checkbox" class="strategy" value="${name}" checked> ${name}`;
  $('strategies').append(label);
  for (const model of ['broadcast', 'ipi']) $('replay-row').add(new Option(`${name} / ${model}`, `${name}/${model}`));
}

function showError(message, id = 'error') {
  $(id).textContent = message;
  $(id).hidden = !message;
}

const problem = isolationProblem();
if (problem) {
  showError(`This page is not cross-origin isolated, so vCPU threads cannot run: ${problem}`);
  $('mode').value = 'deterministic';
  $('mode').querySelector('option[value=threads]').disabled = true;
}

// Every latency below is a difference of two performance.now() readings, so a multiple of its step.
const timerStep = timerStepUs();
$('timer-note').textContent = `Latencies are timed with performance.now(), which this page reads in steps of ${timerStep} µs `
  + (crossOriginIsolated ? '(cross-origin isolated)' : '(not cross-origin isolated: browsers coarsen the timer of such a page; served with COOP/COEP it is finer)')
  + `: every latency is a multiple of ${timerStep} µs, and a shorter one reads as 0 or ${timerStep} µs.`;

function options() {
  return {
    scenario: $('scenario').value, arch: $('arch').value, vcpus: Number($('vcpus').value),
    invalidation: $('invalidation').value, deterministic: $('mode').value === 'deterministic',
    duration: Number($('duration').value), seed: Number($('seed').value), updates: 200, safepoint: 64, invalidPolicy: 'exit',
    strategies: [...document.querySelectorAll('.strategy:checked')].map((box) => box.value),
  };
}

function addRow(row) {
  rows.push(row);
  const cells = [row.strategy, row.invalidation, row.updates, row.updateUs.p50, row.updateUs.p99, row.accessesPerSec.toExponential(2),
    row.stallUs.p99, row.holes, row.stale, row.lost, row.mmioExits];
  const tr = document.createElement('tr');
  tr.dataset.strategy = row.strategy;
  tr.dataset.invalidation = row.invalidation;
  const names = ['strategy', 'model', 'updates', 'p50', 'p99', 'accesses', 'stall', 'holes', 'stale', 'lost', 'mmio'];
  cells.forEach((value, i) => {
    const td = document.createElement('td');
    td.className = names[i];
    td.textContent = String(value);
    if ((names[i] === 'stale' || names[i] === 'lost') && value > 0) td.classList.add('bad');
    tr.append(td);
  });
  $('results').tBodies[0].append(tr);
  drawCharts();
}

function drawCharts() {
  const group = (pick) => rows.map((row) => ({ label: `${row.strategy}/${row.invalidation}`, bars: pick(row) }));
  $('charts').innerHTML = [
    barChart({ title: `Update latency (µs; timer step ${timerStep} µs)`, yLabel: 'µs (log)', yScale: 'log', groups: group((row) => [{ name: 'p50', value: row.updateUs.p50 }, { name: 'p99', value: row.updateUs.p99 }]) }),
    barChart({ title: 'Guest throughput', yLabel: 'accesses per second', groups: group((row) => [{ name: 'accesses/s', value: row.accessesPerSec }]) }),
    barChart({ title: 'Holes, stale accesses and lost writes', yLabel: 'count (log)', yScale: 'log', groups: group((row) => [
      { name: 'holes', value: row.holes }, { name: 'stale', value: row.stale }, { name: 'lost', value: row.lost }]) }),
  ].join('');
}

$('options').addEventListener('submit', async (event) => {
  event.preventDefault();
  rows.length = 0;
  $('results').tBodies[0].replaceChildren();
  $('run').disabled = true;
  document.body.dataset.state = 'running';
  try {
    await compareInBrowser({
      ...options(),
      onProgress: (done, total, fraction) => { $('progress').value = (done + Math.min(fraction, 1)) / total; },
      onRow: addRow,
    });
    $('progress').value = 1;
    document.body.dataset.state = 'done';
  } catch (error) {
    showError(error.message);
    document.body.dataset.state = 'failed';
  } finally {
    $('run').disabled = false;
  }
});

/** The row `strategy`/`invalidation` of a deterministic run with the options above: the parameters compare gives it. */
function replayOptions(strategy, invalidation) {
  const { scenario, arch, vcpus, seed, updates, safepoint, invalidPolicy } = options();
  return {
    scenario, arch, strategy, invalidation, vcpus, seed, updates, safepoint, invalidPolicy,
    deterministic: true, durationMs: 0, rate: 0, deviceModules: [],
  };
}

/** The same row in the table, if a deterministic run there had these options. */
function tableRow(replayed) {
  return rows.find((row) => row.mode === 'deterministic' && ['strategy', 'invalidation', 'scenario', 'arch', 'vcpus', 'seed', 'updates']
    .every((key) => row[key] === replayed[key]));
}

function describeReplay(state) {
  const { holes, stale, lost, unassigned } = state.checks;
  const lines = [`step ${state.steps}${state.ended ? ' (ended)' : ''}: holes ${holes}, stale ${stale}, lost ${lost}, unassigned ${unassigned}`
    + ` (and ${state.nestedSteps} steps taken inside MMIO accesses in flight)`];
  if (state.row) {
    const figures = (row) => `${row.updates} updates: holes ${row.holes}, stale ${row.stale}, lost ${row.lost}, MMIO exits ${row.mmioExits}`;
    const table = tableRow(state.row);
    const verdict = !table ? '' : figures(table) === figures(state.row) ? '; the same as the table\'s row' : `; the table's row differs: ${figures(table)}`;
    lines.push(`row: ${figures(state.row)}${verdict}`);
  }
  return lines.join('\n');
}

let replay;
$('replay').addEventListener('click', async () => {
  replay?.close();
  replay = undefined;
  $('step').disabled = true;
  showError('', 'replay-error');
  const [strategy, invalidation] = $('replay-row').value.split('/');
  try {
    replay = await replayInBrowser(replayOptions(strategy, invalidation));
    $('replay-state').textContent = describeReplay(await replay.step(0));
    $('step').disabled = false;
  } catch (error) {
    $('replay-state').textContent = '';
    showError(`Cannot replay ${strategy} / ${invalidation}: ${error.message}`, 'replay-error');
  }
});
$('step').addEventListener('click', async () => {
  $('step').disabled = true;
  try {
    const state = await replay.step(200);
    $('replay-state').textContent = describeReplay(state);
    $('step').disabled = state.ended;
  } catch (error) {
    showError(`The replay failed: ${error.message}`, 'replay-error');
  }
});
