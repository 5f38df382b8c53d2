// flopwall's HTML report: draws every chart from the report's JSON, which the
// page holds inline (html_page.cpp). Each dataset takes its points from one
// array of that JSON and says which (dataset.flopwall: a JSON pointer and the
// keys of x and y), so a test can read the points back from the page and
// find each of them in `flopwall report --format json` (docs/visuals.md).
'use strict';
(function () {
  const started = performance.now();
  window.flopwallErrors = [];
  const report = JSON.parse(document.getElementById('flopwall-report').textContent);
  const chartLibraryFrom = JSON.parse(document.getElementById('flopwall-chart-library').textContent);
  const main = document.getElementById('report');
  main.textContent = '';

  const colors = {
    compute: '#1f6feb', memory: '#8250df', comm: '#e36209', wait: '#cf222e', other: '#8c959f', idle: '#c9d1d9',
    line: '#1d2329', fit: '#cf222e', mark: '#cf222e',
  };
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#1d2329';

  // --- small helpers ---------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
    return e;
  }
  // RFC 6901 JSON pointer into the report.
  function at(path) {
    let node = report;
    for (const part of path.split('/').slice(1)) {
      if (node === null || node === undefined) return undefined;
      node = node[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    }
    return node;
  }
  function has(path) {
    const v = at(path);
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null;
  }
  // A dataset whose points are the array at `path`, x and y its elements' keys.
  function series(path, x, y, style) {
    const source = at(path) || [];
    const data = source.map((e, i) => ({ x: x === '#' ? i : e[x], y: e[y] }));
    return Object.assign({ data, flopwall: { source: path, x, y, decimated: false } }, style || {});
  }
  // Points sorted by x, down to each of `columns` equal x ranges' lowest and
  // highest point, in x order; every point kept is one of the input's.
  function minMax(points, columns) {
    const lo = points[0].x, hi = points[points.length - 1].x;
    const width = (hi - lo) / columns || 1;
    const out = [];
    let column = -1, low = null, high = null;
    const flush = () => {
      if (low === null) return;
      if (low === high) out.push(low);
      else if (low.x < high.x) out.push(low, high);
      else out.push(high, low);
    };
    for (const p of points) {
      const c = Math.min(columns - 1, Math.floor((p.x - lo) / width));
      if (c !== column) {
        flush();
        column = c;
        low = high = p;
      } else {
        if (p.y < low.y) low = p;
        if (p.y > high.y) high = p;
      }
    }
    flush();
    return out;
  }
  function num(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    return Number(v).toLocaleString('en-US', { maximumSignificantDigits: digits || 4 });
  }
  function seconds(s) {
    if (s === null || s === undefined || !isFinite(s)) return '–';
    const a = Math.abs(s);
    if (a === 0) return '0 s';
    if (a < 1e-6) return num(s * 1e9) + ' ns';
    if (a < 1e-3) return num(s * 1e6) + ' µs';
    if (a < 1) return num(s * 1e3) + ' ms';
    return num(s) + ' s';
  }
  function si(v, unit) {
    if (v === null || v === undefined || !isFinite(v)) return '–';
    const steps = [[1e15, 'P'], [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [f, p] of steps) if (Math.abs(v) >= f) return num(v / f) + ' ' + p + unit;
    return num(v) + ' ' + unit;
  }
  function bytes(b) {
    if (!isFinite(b)) return '–';
    const steps = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
    for (const [f, u] of steps) if (b >= f) return num(b / f) + ' ' + u;
    return num(b) + ' B';
  }
  function section(title, note) {
    main.append(el('h2', {}, title));
    if (note) main.append(el('p', { class: 'note' }, note));
  }
  let chartCount = 0;
  // One chart in its figure; a failure is shown in place and recorded.
  function chart(parent, caption, config, height) {
    const id = 'chart-' + (++chartCount);
    const box = el('div', { class: 'chart' });
    if (height) box.style.height = height + 'px';
    const canvas = el('canvas', { id, role: 'img', 'aria-label': caption });
    box.append(canvas);
    const figure = el('figure', {}, box, el('figcaption', {}, caption));
    parent.append(figure);
    try {
      new Chart(canvas, config);
    } catch (e) {
      window.flopwallErrors.push(id + ': ' + e);
      figure.append(el('p', { class: 'error' }, 'This chart could not be drawn: ' + e));
    }
  }
  // A log axis labels its decades only; the rest of its ticks stay unlabelled.
  function axis(title, type, format, extra) {
    const decade = (v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;
    const label = type === 'logarithmic' ? (v) => (decade(v) ? (format ? format(v) : num(v)) : '') : format;
    return Object.assign({ type: type || 'linear', title: { display: true, text: title },
      ticks: label ? { callback: (v) => label(v) } : {} }, extra || {});
  }
  function table(headers, rows, numeric) {
    const head = el('tr', {}, ...headers.map((h, i) => el('th', numeric && numeric[i] ? { class: 'num' } : {}, h)));
    const body = rows.map((r) => el('tr', {}, ...r.map((c, i) => el('td', numeric && numeric[i] ? { class: 'num' } : {}, c))));
    return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
  }
  // A folded table of an object's plain keys: long lists stay out of the way.
  function keyValues(title, object, open) {
    const rows = Object.entries(object || {})
      .filter(([, v]) => v === null || typeof v !== 'object')
      .map(([k, v]) => [k, v === null ? '–' : String(v)]);
    if (!rows.length) return null;
    const box = el('details', {}, el('summary', {}, title + ' (' + rows.length + ')'), table(['key', 'value'], rows));
    if (open) box.open = true;
    return box;
  }

  // --- the header: what ran, where, and FLOPs next to seconds -------------
  function header(p, R) {
    const kind = R.results ? 'collective sweep' : R.sweep ? 'workload sweep' : 'run';
    main.append(p === '' ? el('h1', {}, 'flopwall report') : el('h2', {}, R.file || ''));
    main.append(el('p', { class: 'sub' }, [R.file, kind, R.backend && 'backend ' + R.backend,
      R.world_size && R.world_size + ' ranks', R.iterations && R.iterations + ' iterations',
      R.created_utc && 'created ' + R.created_utc].filter(Boolean).join(' · ')));
    if (R.truncated) main.append(el('p', { class: 'error' }, 'Truncated: the run was stopped early, by a signal.'));
    const cards = [];
    const card = (value, label) => cards.push(el('div', {}, el('b', {}, value), el('span', {}, label)));
    if (R.model_flops_per_iter !== undefined) card(si(R.model_flops_per_iter, 'FLOP'), 'model FLOPs per iteration (the plan)');
    if (R.step_time_s) {
      card(seconds(R.step_time_s.p50), 'step time p50 (slowest rank)');
      card(seconds(R.step_time_s.p99), 'step time p99');
    }
    if (R.sync && R.sync.step_time_s && R.step_time_s) card(seconds(R.sync.step_time_s.p999), 'step time p99.9');
    if (R.tflops_per_rank !== undefined) card(si(R.tflops_per_rank * 1e12, 'FLOP/s'), 'achieved per rank (model FLOPs / p50 step)');
    if (R.flops_per_s_total !== undefined) card(si(R.flops_per_s_total, 'FLOP/s'), 'achieved in all');
    if (R.avg_busbw_gbs !== undefined) card(num(R.avg_busbw_gbs) + ' GB/s', 'average bus bandwidth');
    if (R.wrong_total !== undefined) card(String(R.wrong_total), 'wrong results');
    if (R.sweep) {
      card(R.sweep.flag || R.sweep.param, 'swept parameter');
      card(R.sweep.knee === null || R.sweep.knee === undefined ? '–' : String(R.sweep.knee), 'knee (' + (R.sweep.knee_metric || '') + ')');
      if (R.sweep.slo_p99_s !== undefined && R.sweep.slo_p99_s !== null)
        card(R.sweep.slo_max === null ? 'none' : String(R.sweep.slo_max), 'largest value within p99 ≤ ' + seconds(R.sweep.slo_p99_s));
    }
    if (cards.length) main.append(el('div', { class: 'truth' }, ...cards));

    const facts = [];
    facts.push(keyValues('Run configuration', R.config));
    if (R.job) {
      const job = keyValues('Job', R.job, true);
      if (job) facts.push(job);
      if (Array.isArray(R.job.placement)) {
        const rows = R.job.placement.slice(0, 64).map((p) => [p.rank, p.hostname, p.local_rank, p.device, p.cpu_affinity]);
        const where = el('details', {}, el('summary', {}, 'Hardware: where each rank ran (' + R.job.placement.length + ')'),
          table(['rank', 'host', 'local rank', 'device', 'CPUs'], rows, [true, false, true, false, false]));
        where.open = rows.length <= 8;
        facts.push(where);
      }
    }
    facts.push(keyValues('Software', R.meta));
    const shown = facts.filter(Boolean);
    if (shown.length) main.append(el('div', { class: 'facts' }, ...shown));
  }

  // --- step times -----------------------------------------------------------
  function steps(p, R) {
    if (!has(p + '/charts/steps/points')) return;
    const every = at(p + '/charts/steps/bucket_iterations');
    section('Step time', 'Per iteration, the slowest rank\'s span (docs/metrics.md).' +
      (every > 1 ? ' Iterations are grouped ' + every + ' to a bucket; each bucket shows its fastest and slowest.' : ''));
    const grid = el('div', { class: 'grid2' });
    main.append(grid);
    const line = series(p + '/charts/steps/points', 'iter', 'step_s', {
      label: 'step time', borderColor: colors.line, borderWidth: 1, pointRadius: 0 });
    // At most two points per pixel column: each column's fastest and slowest
    // iteration, as they are (Chart.js's own min/max decimation moves points
    // to the column's mean x, which is no iteration).
    if (line.data.length > 2400) {
      line.data = minMax(line.data, 1200);
      line.flopwall.decimated = true;
    }
    chart(grid, 'Step time per iteration' + (line.flopwall.decimated ? ' (' + line.data.length + ' of ' +
      at(p + '/charts/steps/points').length + ' points drawn: each pixel column\'s fastest and slowest).' : '.'), {
      type: 'line', data: { datasets: [line] },
      options: { parsing: false, normalized: true, plugins: { legend: { display: false } },
        scales: { x: axis('iteration', 'linear'), y: axis('step time', 'linear', seconds) } },
    });
    const sets = [series(p + '/charts/step_cdf', 'step_s', 'q', {
      label: 'CDF', borderColor: colors.line, borderWidth: 1.5, pointRadius: 0, showLine: true })];
    (at(p + '/charts/step_marks') || []).forEach((m, i) => sets.push(series(p + '/charts/step_marks/' + i + '/line', 'step_s', 'q', {
      label: m.name + ' ' + seconds(m.step_s), borderColor: ['#2da44e', '#e36209', colors.mark][i % 3],
      borderDash: [5, 4], borderWidth: 1.5, pointRadius: 0, showLine: true })));
    chart(grid, 'Distribution of step times (CDF) with p50, p99 and p99.9 marked.', {
      type: 'scatter', data: { datasets: sets },
      options: { scales: { x: axis('step time', 'linear', seconds), y: axis('fraction of iterations', 'linear', null, { min: 0, max: 1 }) } },
    });
  }

  // --- where a step's time went, per rank -----------------------------------------
  function breakdown(p, R) {
    if (!has(p + '/charts/breakdown')) return;
    section('Where the time of a step went', 'Per rank, the mean iteration: compute, memory-bound ops, ' +
      'communication after the last rank arrived, waiting for the last arrival, and the rest.');
    const rows = at(p + '/charts/breakdown');
    const parts = [['compute_s', 'compute', colors.compute], ['memory_s', 'memory', colors.memory],
      ['comm_s', 'communication', colors.comm], ['wait_s', 'wait', colors.wait], ['other_s', 'other', colors.other]];
    chart(main, 'Seconds per iteration by where they went, per rank.', {
      type: 'bar',
      data: { labels: rows.map((r) => r.rank), datasets: parts.map(([key, label, color]) =>
        series(p + '/charts/breakdown', 'rank', key, { label, backgroundColor: color })) },
      options: { scales: { x: axis('rank', 'category', null, { stacked: true }), y: axis('seconds per iteration', 'linear', seconds, { stacked: true }) } },
    }, Math.min(420, 200 + rows.length * 4));
  }

  // --- timelines of chosen iterations -------------------------------------------------
  function timelines(p, R) {
    const its = at(p + '/charts/timeline/iterations');
    if (!Array.isArray(its) || !its.length) return;
    const t = at(p + '/charts/timeline');
    section('Timeline of chosen iterations', 'Each op as a bar on the common clock (rank 0\'s timeline), from the ' +
      'iteration\'s first start on any rank.' + (t.ranks_shown < t.ranks ? ' Ranks 0–' + (t.ranks_shown - 1) +
      ' of ' + t.ranks + ' shown.' : ''));
    its.forEach((it, k) => {
      const base = p + '/charts/timeline/iterations/' + k;
      const sets = [['compute', colors.compute], ['memory', colors.memory], ['comm', colors.comm], ['idle', colors.idle]]
        .filter(([kind]) => has(base + '/' + kind))
        .map(([kind, color]) => series(base + '/' + kind, 'span_s', 'lane', {
          label: kind, backgroundColor: color, grouped: false, barPercentage: 0.8, categoryPercentage: 1 }));
      const tip = (ctx) => {
        const e = at(ctx.dataset.flopwall.source)[ctx.dataIndex];
        return e.op + (e.layer >= 0 ? ' (layer ' + e.layer + ')' : '') + ': ' + seconds(e.span_s[1] - e.span_s[0]);
      };
      chart(main, 'Iteration ' + it.iter + ' (' + it.why + ' step, ' + seconds(it.step_s) + ').', {
        type: 'bar', data: { labels: it.lanes, datasets: sets },
        options: { indexAxis: 'y', plugins: { tooltip: { callbacks: { label: tip } } },
          scales: { x: axis('seconds from the iteration\'s first start', 'linear', seconds), y: axis('rank', 'category') } },
      }, Math.max(170, 60 + it.lanes.length * 26));
    });
  }

  // --- arrival skew heat map ------------------------------------------------------
  function arrivalMap(p, R) {
    if (!has(p + '/charts/arrival_map/cells')) return;
    const m = at(p + '/charts/arrival_map');
    const cells = m.cells;
    const most = Math.max(1e-9, ...cells.map((c) => c.late_us));
    section('Arrival skew per collective instance', 'Iterations ' + m.first_iter + '–' + (m.end_iter - 1) +
      ' (around the slowest step): each rank\'s arrival after the instance\'s first arrival; darker is later ' +
      '(log scale, white 0, darkest ' + num(most) + ' µs). Outlined: the last to arrive, which held the others up.' +
      (m.instances.length < m.instances_found ? ' The first ' + m.instances.length + ' of ' + m.instances_found + ' instances shown.' : ''));
    // On a log scale: one late arrival of milliseconds must not wash out the microseconds.
    const heat = (us) => {
      const v = Math.max(0, Math.min(1, Math.log1p(Math.max(0, us)) / Math.log1p(most)));
      return 'rgb(' + Math.round(255 - 75 * v) + ',' + Math.round(245 - 215 * v) + ',' + Math.round(235 - 215 * v) + ')';
    };
    const ranks = [...new Set(cells.map((c) => c.rank))];
    const size = (ctx) => {
      const area = ctx.chart.chartArea;
      if (!area) return 4;
      return Math.max(1.5, Math.min(area.width / Math.max(1, m.instances.length), area.height / Math.max(1, ranks.length)) / 1.5);
    };
    const tip = (ctx) => {
      const c = at(ctx.dataset.flopwall.source)[ctx.dataIndex];
      const inst = m.instances[c.instance];
      return inst.op + ' (iteration ' + inst.iter + '), rank ' + c.rank + ': +' + num(c.late_us) + ' µs';
    };
    const fill = series(p + '/charts/arrival_map/cells', 'instance', 'rank', {
      label: 'arrival after the first', pointStyle: 'rect', pointRadius: size, pointHoverRadius: size, borderWidth: 0,
      backgroundColor: (ctx) => (ctx.dataIndex === undefined ? heat(0) : heat(cells[ctx.dataIndex].late_us)) });
    const late = series(p + '/charts/arrival_map/stragglers', 'instance', 'rank', {
      label: 'last to arrive', pointStyle: 'rect', pointRadius: size, pointHoverRadius: size,
      backgroundColor: 'rgba(0,0,0,0)', borderColor: colors.mark, borderWidth: 1.5 });
    chart(main, 'Ranks × collective instances, in time order.', {
      type: 'scatter', data: { datasets: [late, fill] },
      options: { plugins: { tooltip: { callbacks: { label: tip } } },
        scales: { x: axis('collective instance', 'linear', null, { min: -0.5, max: m.instances.length - 0.5 }),
          y: axis('rank', 'linear', (v) => (Number.isInteger(v) ? String(v) : ''),
            { min: Math.min(...ranks) - 0.5, max: Math.max(...ranks) + 0.5, reverse: true }) } },
    }, Math.max(200, Math.min(520, 80 + ranks.length * 18)));
  }

  // --- the op table -------------------------------------------------------------------
  function ops(p, R) {
    if (!Array.isArray(R.ops) || !R.ops.length) return;
    section('Ops', 'Per op over layers, ranks and iterations (as the text report).');
    main.append(table(['op', 'kind', 'count', 'time p50', 'share', 'GFLOP/s', 'GB/s (mem)', 'bound'],
      R.ops.map((o) => [o.name, o.kind, o.count, seconds(o.time_s && o.time_s.p50),
        num(100 * o.share, 3) + '%', num(o.gflops_per_s), num(o.mem_gbytes_per_s), o.bound || '–']),
      [false, false, true, true, true, true, true, false]));
  }

  // --- roofline -------------------------------------------------------------------------
  function roofline(p, R) {
    if (!has(p + '/charts/roofline/ops')) return;
    section('Roofline', 'Compute ops at their FLOP rate against their intensity, under the calibrated roof ' +
      'min(peak, intensity × memory bandwidth); ridge at ' + num(at(p + '/charts/roofline/ridge_flops_per_byte')) + ' FLOP/byte.');
    const opsSet = series(p + '/charts/roofline/ops', 'intensity', 'flops_per_s', {
      label: 'ops', backgroundColor: colors.compute, pointRadius: 5 });
    const roof = series(p + '/charts/roofline/roof', 'intensity', 'flops_per_s', {
      label: 'roof', borderColor: colors.line, borderWidth: 2, pointRadius: 0, showLine: true });
    const tip = (ctx) => {
      const e = at(ctx.dataset.flopwall.source)[ctx.dataIndex];
      return (e.name || 'roof') + ': ' + num(e.intensity) + ' FLOP/B, ' + si(e.flops_per_s, 'FLOP/s');
    };
    chart(main, 'Roofline (log–log).', {
      type: 'scatter', data: { datasets: [opsSet, roof] },
      options: { plugins: { tooltip: { callbacks: { label: tip } } },
        scales: { x: axis('intensity (FLOP per byte of memory traffic)', 'logarithmic', (v) => num(v, 2)),
          y: axis('FLOP/s', 'logarithmic', (v) => si(v, 'FLOP/s')) } },
    }, 420);
  }

  // --- collective sweep ---------------------------------------------------------------
  function collectives(p, R) {
    const all = at(p + '/charts/collectives');
    if (!Array.isArray(all) || !all.length) return;
    section('Collectives: time and bus bandwidth against message size',
      'Per collective and tier; the line is the α/β fit, time = α + size / β (docs/metrics.md).');
    all.forEach((s, k) => {
      const base = p + '/charts/collectives/' + k;
      const name = s.collective + ', tier ' + s.tier + (s.inplace ? ', in place' : ', out of place');
      const grid = el('div', { class: 'grid2' });
      main.append(el('h3', {}, name), grid);
      const time = [series(base + '/points', 'size_bytes', 'time_us', { label: 'measured', backgroundColor: colors.compute, pointRadius: 3 })];
      if (has(base + '/fit/line'))
        time.push(series(base + '/fit/line', 'size_bytes', 'time_us', { label: 'α/β fit: α ' + num(s.fit.alpha_us) +
          ' µs, β ' + num(s.fit.beta_gbs) + ' GB/s', borderColor: colors.fit, borderDash: [5, 4], pointRadius: 0, showLine: true }));
      chart(grid, name + ': time per call.', {
        type: 'scatter', data: { datasets: time },
        options: { scales: { x: axis('message size', 'logarithmic', bytes), y: axis('time (µs)', 'logarithmic', (v) => num(v, 3)) } },
      });
      chart(grid, name + ': bus bandwidth (nccl-tests\' busbw).', {
        type: 'scatter', data: { datasets: [series(base + '/points', 'size_bytes', 'busbw_gbs', {
          label: 'busbw', borderColor: colors.comm, backgroundColor: colors.comm, pointRadius: 3, showLine: true })] },
        options: { scales: { x: axis('message size', 'logarithmic', bytes), y: axis('busbw (GB/s)', 'linear') } },
      });
    });
  }

  // --- workload sweep ----------------------------------------------------------------------
  function workload(p, R) {
    if (!has(p + '/charts/workload/points')) return;
    const w = at(p + '/charts/workload');
    const values = w.points.map((p) => p.value).filter((v) => isFinite(v));
    const logx = values.length > 1 && Math.min(...values) > 0 && Math.max(...values) / Math.min(...values) >= 8;
    section('Sweep of ' + w.param, 'Throughput and p99 step time against ' + w.param + '; the knee and the SLO limit marked.');
    const grid = el('div', { class: 'grid2' });
    main.append(grid);
    const through = [series(p + '/charts/workload/points', 'value', 'throughput', {
      label: w.metric, borderColor: colors.compute, backgroundColor: colors.compute, showLine: true, pointRadius: 4 })];
    if (has(p + '/charts/workload/knee'))
      through.push(series(p + '/charts/workload/knee', 'value', 'throughput', {
        label: 'knee', backgroundColor: colors.mark, pointRadius: 8, pointStyle: 'triangle' }));
    chart(grid, w.metric + ' against ' + w.param + '.', {
      type: 'scatter', data: { datasets: through },
      options: { scales: { x: axis(w.param, logx ? 'logarithmic' : 'linear', (v) => num(v)), y: axis(w.metric, 'linear', (v) => si(v, '')) } },
    });
    const tail = [series(p + '/charts/workload/points', 'value', 'p99_s', {
      label: 'p99 step time', borderColor: colors.comm, backgroundColor: colors.comm, showLine: true, pointRadius: 4 })];
    if (has(p + '/charts/workload/slo_line'))
      tail.push(series(p + '/charts/workload/slo_line', 'value', 'p99_s', {
        label: 'SLO', borderColor: colors.mark, borderDash: [6, 4], pointRadius: 0, showLine: true }));
    chart(grid, 'p99 step time against ' + w.param + '.', {
      type: 'scatter', data: { datasets: tail },
      options: { scales: { x: axis(w.param, logx ? 'logarithmic' : 'linear', (v) => num(v)), y: axis('p99 step time', 'linear', seconds) } },
    });
  }

  // A report of one file, its JSON at pointer `p` (`R`: the object there).
  function drawReport(p, R) {
    for (const part of [header, steps, breakdown, timelines, arrivalMap, ops, roofline, collectives, workload]) {
      try {
        part(p, R);
      } catch (e) {
        window.flopwallErrors.push(part.name + ': ' + e);
        main.append(el('p', { class: 'error' }, 'Part of the report could not be drawn (' + part.name + '): ' + e));
      }
    }
  }

  // Several files (`flopwall report A.h5 B.h5 ...`): their comparison, then each one's report.
  function comparison() {
    const c = report.comparison;
    main.append(el('h1', {}, 'flopwall report: ' + report.files.length + ' files'));
    main.append(el('p', { class: 'sub' }, report.files.join(' · ')));
    section('Compared with ' + c.runs[c.baseline].file, c.method.description + '.');
    (at('/charts/compare') || []).forEach((run, k) => {
      const base = '/charts/compare/' + k;
      const ci = series(base + '/rows', 'ci', 'key', {
        label: '95% interval', backgroundColor: (ctx) => {
          const r = ctx.dataIndex === undefined ? null : run.rows[ctx.dataIndex];
          return !r || !r.significant ? 'rgba(140,149,159,0.55)' : r.ratio > 1 ? 'rgba(207,34,46,0.55)' : 'rgba(45,164,78,0.55)';
        }, grouped: false, barPercentage: 0.7, categoryPercentage: 1 });
      const ratio = series(base + '/rows', 'ratio', 'key', {
        type: 'scatter', label: 'ratio', backgroundColor: colors.line, pointStyle: 'line', rotation: 90, pointRadius: 7,
        borderWidth: 2, borderColor: colors.line });
      // The axis spans the intervals and 1 (no change), not 0: ratios are read against 1.
      const ends = run.rows.flatMap((r) => r.ci).concat([1]);
      const pad = 0.1 * (Math.max(...ends) - Math.min(...ends)) || 0.05;
      chart(main, run.file + ' against ' + run.baseline_file + ': each median time as a ratio to the baseline\'s ' +
        '(below 1 faster), with its 95% bootstrap interval; red or green where the interval lies outside 1 ± ' +
        num(100 * run.noise) + '%.', {
        type: 'bar', data: { labels: run.rows.map((r) => r.key), datasets: [ratio, ci] },
        options: { indexAxis: 'y', scales: { x: axis('ratio to the baseline', 'linear', (v) => '×' + num(v, 3),
          { beginAtZero: false, min: Math.min(...ends) - pad, max: Math.max(...ends) + pad }),
          y: axis('', 'category') } },
      }, Math.max(180, 60 + run.rows.length * 22));
    });
    report.reports.forEach((r, k) => {
      main.append(el('h2', {}, 'File ' + (k + 1) + ' of ' + report.reports.length));
      drawReport('/reports/' + k, r);
    });
  }

  if (Array.isArray(report.reports)) {
    document.title = 'flopwall report: ' + report.files.join(', ');
    try {
      comparison();
    } catch (e) {
      window.flopwallErrors.push('comparison: ' + e);
      main.append(el('p', { class: 'error' }, 'The comparison could not be drawn: ' + e));
    }
  } else {
    document.title = 'flopwall report: ' + (report.file || '');
    drawReport('', report);
  }
  const meta = report.meta || (report.reports && report.reports[0].meta) || {};
  main.append(el('footer', {}, 'Written by flopwall ' + (meta.tool_version || '') +
    '. Charts drawn by Chart.js ' + Chart.version + ' (MIT License), inlined from ' + (chartLibraryFrom || 'the build') +
    '. The page makes no network request; every number it draws is in `flopwall report --format json`.'));
  window.flopwallRenderMs = performance.now() - started;
  window.flopwallRendered = true;
}());
