// The dashboard page: polls /api/dashboard/state, renders it, and sends the dead-letter and account-deletion actions.
// Everything from the services (reasons, message bodies...) is set as text, never as markup.
'use strict';

(() => {
  const $ = id => document.getElementById(id);
  const actionHeaders = { 'X-Requested-With': 'dashboard' };
  // Relative to the page (so it also works behind a proxy under a path prefix), but built from the origin
  // alone: a page opened as http://user:key@host/ could not fetch URLs that carry credentials.
  const base = window.location.origin + window.location.pathname.replace(/[^/]*$/, '');
  const api = path => new URL(path, base).toString();
  let refreshSeconds = 2;
  let timer = null;
  let lastState = null;

  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null) continue;
      if (key === 'className') node.className = value;
      else if (key === 'testid') node.dataset.testid = value;
      else if (key === 'onclick') node.addEventListener('click', value);
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child == null ? '' : String(child)));
    return node;
  }

  function fill(tbody, rows, emptyText, columns, emptyTestId) {
    tbody.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: columns, className: 'empty', testid: emptyTestId }, emptyText))]));
  }

  function showError(id, error) {
    const node = $(id);
    node.hidden = !error;
    node.textContent = error || '';
  }

  const number = v => (v == null ? '–' : Number(v).toLocaleString('en-US'));
  const rate = v => (v == null ? '–' : (v >= 100 ? Math.round(v).toString() : Number(v).toFixed(v >= 10 ? 1 : 2)));
  const ms = v => (v == null ? '–' : v >= 1000 ? (v / 1000).toFixed(2) + ' s' : Math.round(v) + ' ms');
  const seconds = v => (v == null ? '–' : v >= 120 ? Math.round(v / 60) + ' min' : v.toFixed(1) + ' s');
  const age = v => (v == null ? 'none' : v >= 172800 ? Math.round(v / 86400) + ' d' : v >= 7200 ? Math.round(v / 3600) + ' h' : seconds(v));
  const latency = l => (l && l.p50 != null ? `${ms(l.p50)} / ${ms(l.p99)}` : '–');
  // An Orleans silo address "S10.0.0.5:11111:155303633" as host:port (the last part is the silo's generation).
  const siloLabel = address => (address || '').replace(/^S/, '').replace(/:\d+$/, '');
  const shortId = id => (id && id.length > 28 ? id.slice(0, 12) + '…' + id.slice(-8) : id || '–');
  const time = iso => (iso ? new Date(iso).toLocaleTimeString('en-GB') : '–');
  const dateTime = iso => (iso ? new Date(iso).toLocaleString('en-GB') : '–');
  const ago = (iso, now) => (iso ? `${age(Math.max(0, (now - Date.parse(iso)) / 1000))} ago` : '');

  function setText(id, text) { $(id).textContent = text; }

  function renderKpis(state) {
    const outbox = state.auth.outbox.data;
    const consumer = state.todo.consumer.data;
    const queue = state.queues.find(q => q.name === 'user_registered_queue');
    const dlq = state.deadLetters.data;
    setText('kpi-pending', outbox ? number(outbox.pending) : '–');
    setText('kpi-oldest', outbox ? (outbox.pending ? seconds(outbox.oldestPendingAgeSeconds) : 'nothing waiting') : '–');
    setText('kpi-sent-rate', outbox ? rate(outbox.sentPerSecond) : '–');
    setText('kpi-sent-minute', outbox ? number(outbox.sentLastMinute) : '–');
    setText('kpi-publish-latency', outbox ? latency(outbox.publishLatencyMs) : '–');
    setText('kpi-todo-rate', consumer ? rate(consumer.todosPerSecond) : '–');
    setText('kpi-todo-minute', consumer ? number(consumer.todosLastMinute) : '–');
    setText('kpi-todo-latency', consumer ? latency(consumer.commitToTodoLatencyMs) : '–');
    setText('kpi-duplicates', number(state.todo.duplicatesAbsorbed));
    setText('kpi-stale', consumer ? number(consumer.staleTotal) : '–');
    const retention = outbox && outbox.retention;
    const keys = consumer && consumer.dedupKeys;
    setText('kpi-outbox-deleted', retention ? number(retention.deleted) : '–');
    setText('kpi-oldest-sent', retention ? age(retention.oldestSentAgeSeconds) : '–');
    setText('kpi-keys-deleted', keys ? number(keys.deleted) : '–');
    setText('kpi-oldest-key', keys ? age(keys.oldestKeyAgeSeconds) : '–');
    setText('kpi-queue', queue && queue.messages != null ? number(queue.messages) : '–');
    setText('kpi-consumers', queue && queue.consumers != null ? number(queue.consumers) : '–');
    setText('kpi-dlq', dlq ? number(dlq.depth) : '–');
    $('kpi-pending').classList.toggle('warn', !!outbox && outbox.pending > 0 && outbox.oldestPendingAgeSeconds > 5);
    $('kpi-dlq').classList.toggle('warn', !!dlq && dlq.depth > 0);
    const deletions = state.auth.accountDeletions && state.auth.accountDeletions.data;
    const counts = (deletions && deletions.counts) || {};
    setText('kpi-deletions-stuck', deletions ? number(counts.Stuck || 0) : '–');
    setText('kpi-deletions-open', deletions ? number(openStates.reduce((sum, s) => sum + (counts[s] || 0), 0)) : '–');
    $('kpi-deletions-stuck').classList.toggle('warn', !!counts.Stuck);
  }

  const ownerColors = ['#ddf4ff', '#dafbe1', '#fbefff', '#fff1e5', '#ffebe9', '#eaeef2', '#fff8c5', '#d8f3f0'];

  function renderPartitions(state) {
    showError('cluster-error', state.auth.cluster.error);
    const partitions = (state.auth.cluster.data && state.auth.cluster.data.partitions) || [];
    const owners = [...new Set(partitions.filter(p => p.live && p.owner).map(p => p.owner))].sort();
    const tiles = partitions.map(p => {
      const tile = el('div', { className: 'partition' + (p.live ? '' : ' free'), testid: 'partition', title: p.owner || 'no owner' },
        el('strong', {}, `${p.outbox} P${p.partition}`),
        el('span', { className: 'mono' }, p.live ? siloLabel(p.owner) : 'free'),
        el('span', { className: 'muted' }, `epoch ${p.token}`));
      if (p.live && p.owner) tile.style.background = ownerColors[owners.indexOf(p.owner) % ownerColors.length];
      return tile;
    });
    $('partitions').replaceChildren(...(tiles.length ? tiles : [el('p', { className: 'empty' }, 'No partitions yet.')]));
    const silos = (state.auth.cluster.data && state.auth.cluster.data.silos) || [];
    $('silos').replaceChildren(...silos.map(s => el('li', { testid: 'silo', className: s.status === 'Active' ? '' : 'muted' },
      el('span', { className: 'mono', title: s.address }, s.address), ` ${s.status}`,
      s.activations == null ? '' : `, ${s.activations} activations`)));
  }

  function renderConsumerInstances(state) {
    const rows = state.todo.instances.map(i => i.error
      ? el('tr', {}, el('td', { className: 'mono' }, i.url), el('td', { colspan: 5, className: 'error-text' }, i.error))
      : el('tr', {},
        el('td', { className: 'mono', title: i.instanceId }, shortId(i.instanceId)),
        el('td', {}, number(i.outcomes.applied)),
        el('td', { testid: 'instance-duplicates' }, number(i.outcomes.duplicate)),
        el('td', {}, number(i.outcomes.stale)),
        el('td', {}, number(i.outcomes.requeued)),
        // Every dead letter: the consumer counts expired events apart from poison and failing ones.
        el('td', {}, number(i.outcomes.dead_lettered == null ? null : i.outcomes.dead_lettered + (i.outcomes.expired ?? 0)))));
    fill($('consumer-instances'), rows, 'No instance answered.', 6);
  }

  function renderQueues(state) {
    const errors = state.queues.filter(q => q.error).map(q => `${q.name}: ${q.error}`);
    showError('queues-error', errors.join('; '));
    fill($('queues-body'), state.queues.filter(q => !q.error).map(q => el('tr', { testid: 'queue', 'data-queue': q.name },
      el('td', { className: 'mono' }, q.name), el('td', {}, number(q.messages)), el('td', {}, number(q.ready)),
      el('td', {}, number(q.unacknowledged)), el('td', {}, number(q.consumers)), el('td', {}, rate(q.publishPerSecond)),
      el('td', {}, rate(q.deliverPerSecond)), el('td', {}, rate(q.ackPerSecond)))), 'No queue information.', 8);
  }

  function renderFailing(state) {
    showError('outbox-error', state.auth.outbox.error);
    const failing = (state.auth.outbox.data && state.auth.outbox.data.failing) || [];
    fill($('failing-body'), failing.map(r => el('tr', {},
      el('td', {}, r.id), el('td', { className: 'mono' }, r.eventId), el('td', {}, r.partition), el('td', {}, r.attempts),
      el('td', { className: 'wrap' }, r.lastError || ''), el('td', {}, time(r.nextAttemptAt)))), 'No failing rows: every publish was confirmed.', 6, 'failing-empty');
  }

  function renderDeadLetters(state) {
    const dlq = state.deadLetters;
    showError('dlq-error', dlq.error);
    const items = (dlq.data && dlq.data.items) || [];
    const depth = dlq.data ? dlq.data.depth : null;
    setText('dlq-summary', depth == null ? '' : `${number(depth)} in the queue${depth > items.length ? `, first ${items.length} shown` : ''}`);
    $('replay-all').disabled = !depth;
    fill($('dlq-body'), items.map(d => el('tr', { testid: 'dead-letter', 'data-event-id': d.eventId },
      el('td', { className: 'mono', title: `id from ${d.idSource}` }, d.eventId),
      el('td', { className: 'wrap', testid: 'dead-letter-reason' }, d.reason || '–'),
      el('td', {}, time(d.deadLetteredAt)),
      el('td', {}, d.attempts == null ? '–' : d.attempts),
      el('td', {}, el('code', { className: 'preview', title: `${d.bodyBytes} bytes` }, d.bodyPreview + (d.bodyTruncated ? '…' : ''))),
      el('td', { className: 'buttons' },
        el('button', { className: 'primary', testid: 'replay', onclick: () => act('replay', d) }, 'Replay'),
        el('button', { className: 'danger', testid: 'discard', onclick: () => act('discard', d) }, 'Discard')))), 'No dead letters.', 6, 'dead-letters-empty');
  }

  const openStates = ['Scheduled', 'Erasing', 'Stuck'];
  const deletionStates = [...openStates, 'Erased', 'Cancelled'];

  // The steps a deletion waits for: every service that has not confirmed its erasure yet.
  function waitingSteps(deletion, now) {
    if (deletion.state === 'Scheduled') return el('span', { className: 'muted' }, `grace period until ${dateTime(deletion.eraseAfter)}`);
    const waiting = deletion.steps.filter(s => s.state !== 'Erased');
    return el('ul', { className: 'waiting' }, ...waiting.map(s => el('li', { testid: 'account-deletion-step', 'data-service': s.service, title: s.at ? dateTime(s.at) : null },
      el('strong', {}, s.service), ': ',
      s.state === 'Requested'
        ? `asked ${s.attempts}×, last ${time(s.at)} (${ago(s.at, now)})`
        : 'not asked yet')));
  }

  function renderDeletions(state) {
    const part = state.auth.accountDeletions;
    showError('deletions-error', part.error);
    const data = part.data;
    const counts = (data && data.counts) || {};
    $('deletion-counts').replaceChildren(...(data ? deletionStates.map(s => el('li', { testid: 'account-deletion-count', 'data-state': s, className: s === 'Stuck' && counts[s] ? 'warn' : null },
      el('strong', {}, number(counts[s] || 0)), ` ${s}`)) : []));
    const now = Date.parse(state.generatedAt);
    const open = (data && data.open) || [];
    fill($('deletions-body'), open.map(d => el('tr', { testid: 'account-deletion', 'data-user-id': d.userId, 'data-state': d.state },
      el('td', { className: 'mono' }, d.userId),
      el('td', { testid: 'account-deletion-state', className: d.state === 'Stuck' ? 'stuck' : null }, d.state),
      el('td', {}, waitingSteps(d, now)),
      el('td', { title: dateTime(d.requestedAt) }, ago(d.requestedAt, now)),
      el('td', { title: dateTime(d.updatedAt) }, `${time(d.updatedAt)} (${ago(d.updatedAt, now)})`),
      el('td', { className: 'buttons' }, d.state === 'Stuck'
        ? el('button', { className: 'primary', testid: 'account-deletion-retry', onclick: () => retryDeletion(d) }, 'Retry')
        : ''))), data ? 'No account deletion under way.' : 'Not available.', 6, 'account-deletions-empty');
  }

  function bucketPoints(buckets, pick) {
    return buckets.map(b => ({ t: Date.parse(b.start) + 10000, v: pick(b) }));
  }

  function renderCharts(state) {
    const outbox = state.auth.outbox.data;
    const consumer = state.todo.consumer.data;
    const now = Date.parse(state.generatedAt);
    const from = now - 5 * 60 * 1000;
    const ob = outbox ? outbox.buckets : [];
    const cb = consumer ? consumer.buckets : [];
    LineChart.draw($('chart-throughput'), [
      { label: 'published', points: bucketPoints(ob, b => b.sentPerSecond) },
      { label: 'registered', points: bucketPoints(ob, b => b.created / 10) },
      { label: 'welcome todos', points: bucketPoints(cb, b => b.todosPerSecond) },
    ], from, now);
    LineChart.draw($('chart-latency'), [
      { label: 'publish p99', points: bucketPoints(ob, b => b.publishLatencyMs.p99) },
      { label: 'commit → todo p99', points: bucketPoints(cb, b => b.commitToTodoLatencyMs.p99) },
    ], from, now);
    const queue = name => state.queues.find(q => q.name === name);
    const samples = q => (q ? q.depthSamples.map(s => ({ t: Date.parse(s.at), v: s.messages })) : []);
    LineChart.draw($('chart-lag'), [
      { label: 'outbox pending', points: bucketPoints(ob, b => b.pendingAtEnd) },
      { label: 'queue', points: samples(queue('user_registered_queue')) },
      { label: 'dead letters', points: samples(queue('user_registered_queue.dlq')), color: '#cf222e' },
    ], from, now);
  }

  function render(state) {
    lastState = state;
    refreshSeconds = state.refreshSeconds || refreshSeconds;
    renderKpis(state);
    renderPartitions(state);
    renderConsumerInstances(state);
    renderQueues(state);
    renderFailing(state);
    renderDeadLetters(state);
    renderDeletions(state);
    renderCharts(state);
  }

  function setLive(ok, text) {
    $('live').className = 'dot ' + (ok ? 'ok' : 'down');
    setText('updated', text);
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      const response = await fetch(api('api/dashboard/state'), { cache: 'no-store' });
      if (!response.ok) throw new Error(`the dashboard answered ${response.status}`);
      render(await response.json());
      setLive(true, `updated ${time(lastState.generatedAt)}`);
    } catch (error) {
      setLive(false, `not updated: ${error.message}`);
    } finally {
      timer = setTimeout(refresh, refreshSeconds * 1000);
    }
  }

  function confirmAction(title, text, okLabel) {
    const dialog = $('confirm');
    setText('confirm-title', title);
    setText('confirm-text', text);
    setText('confirm-ok', okLabel);
    dialog.showModal();
    return new Promise(resolve => {
      dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    });
  }

  function toast(text, ok) {
    const node = $('toast');
    node.textContent = text;
    node.className = 'toast ' + (ok ? 'ok' : 'bad');
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, 6000);
  }

  async function act(kind, deadLetter) {
    const id = deadLetter && deadLetter.eventId;
    const plan = {
      replay: { title: 'Replay this dead letter?', text: `Publish ${id} to registration.events again, then remove it from the dead-letter queue.`, ok: 'Replay', method: 'POST', path: `/${encodeURIComponent(id)}/replay` },
      discard: { title: 'Discard this dead letter?', text: `Remove ${id} from the dead-letter queue for good. It will not be processed.`, ok: 'Discard', method: 'DELETE', path: `/${encodeURIComponent(id)}` },
      replayAll: { title: 'Replay all dead letters?', text: 'Publish every message of the dead-letter queue to registration.events again, then remove them from it.', ok: 'Replay all', method: 'POST', path: '/replay-all' },
    }[kind];
    if (!(await confirmAction(plan.title, plan.text, plan.ok))) return;
    await send('api/dashboard/dead-letters' + plan.path, plan.method, body => {
      const count = body.replayed ?? body.discarded ?? 0;
      return `${kind === 'discard' ? 'Discarded' : 'Replayed'} ${count} message${count === 1 ? '' : 's'}.`;
    });
  }

  async function retryDeletion(deletion) {
    const waiting = deletion.steps.filter(s => s.state !== 'Erased').map(s => s.service).join(', ');
    const title = 'Retry this account deletion?';
    const text = `Ask ${waiting || 'the services'} again to erase the data of user ${deletion.userId}, and give them a new deadline.`;
    if (!(await confirmAction(title, text, 'Retry'))) return;
    await send(`api/dashboard/account-deletions/${encodeURIComponent(deletion.userId)}/retry`, 'POST',
      body => `The deletion of user ${deletion.userId} is ${body.state || 'Erasing'} again.`);
  }

  // Sends an action; its outcome (the service's problem title and detail when it refused) is shown in the toast.
  async function send(path, method, describe) {
    try {
      const response = await fetch(api(path), { method, headers: actionHeaders });
      const body = await response.json().catch(() => ({}));
      if (response.ok) {
        toast(describe(body), true);
      } else {
        toast(`${body.title || 'The action failed.'} ${body.detail || ''} (${response.status})`, false);
      }
    } catch (error) {
      toast(`The action failed: ${error.message}`, false);
    }
    refresh();
  }

  $('confirm-ok').addEventListener('click', () => $('confirm').close('ok'));
  $('confirm-cancel').addEventListener('click', () => $('confirm').close('cancel'));
  $('replay-all').addEventListener('click', () => act('replayAll'));
  window.addEventListener('resize', () => { if (lastState) renderCharts(lastState); });
  refresh();
})();
