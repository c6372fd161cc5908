// The operator console: plain DOM over the REST API, no build step. The key stays in this tab's
// sessionStorage and travels as X-Api-Key, as it does for every other client.
'use strict';

const $ = id => document.getElementById(id);
const keyStore = 'eventsourced.console.key';

/** Calls the API; an error answer shows its problem's title and detail, then throws. */
async function api(path, options = {}) {
  const headers = { 'X-Api-Key': sessionStorage.getItem(keyStore) ?? '', ...(options.body ? { 'Content-Type': 'application/json' } : {}) };
  const response = await fetch(path, { ...options, headers });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({ title: `${response.status} ${response.statusText}` }));
    showProblem(problem);
    throw new Error(problem.title);
  }
  hideProblem();
  return response.status === 204 ? null : response.json();
}

const post = (path, body) => api(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });

function showProblem(problem) {
  $('problem-title').textContent = problem.title ?? 'The request failed';
  // A validation problem names each field it refused.
  $('problem-detail').textContent = problem.detail ?? Object.entries(problem.errors ?? {}).map(([field, errors]) => `${field}: ${errors.join(' ')}`).join(' ');
  $('problem').hidden = false;
}

function hideProblem() { $('problem').hidden = true; }

/** A table row of text cells (never HTML), with an optional last cell of buttons. */
function row(cells, buttons = []) {
  const tr = document.createElement('tr');
  for (const value of cells) {
    const td = tr.insertCell();
    td.textContent = value ?? '';
  }
  if (buttons.length > 0) {
    const td = tr.insertCell();
    for (const [label, action] of buttons) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.addEventListener('click', () => action().catch(() => {}));
      td.append(button);
    }
  }
  return tr;
}

const time = value => value ? new Date(value).toISOString().replace('.000Z', 'Z') : '';
const query = fields => new URLSearchParams(Object.entries(fields).filter(([, v]) => v !== '' && v != null)).toString();

// ---- Sign-in and pages ----

async function signIn(key) {
  sessionStorage.setItem(keyStore, key);
  try {
    await api('/api/admin/projections');
  } catch {
    sessionStorage.removeItem(keyStore);
    return;
  }
  $('sign-in').hidden = true;
  $('app').hidden = false;
  $('signed-in').hidden = false;
  await openPage('projections');
}

const pages = { projections: loadProjections, deliveries: loadDeliveries, audit: async () => {}, deploys: loadDeploys, ingest: loadIngest, subjects: async () => {} };

async function openPage(name) {
  for (const section of document.querySelectorAll('.page')) section.hidden = section.id !== name;
  for (const button of document.querySelectorAll('nav button')) {
    if (button.dataset.page === name) button.setAttribute('aria-current', 'page'); else button.removeAttribute('aria-current');
  }
  await pages[name]().catch(() => {});
}

// ---- Projections: state, rebuild with progress until the swap, reset, dead letters; reactors' lag ----

async function loadProjections() {
  const projections = await api('/api/admin/projections');
  $('projection-rows').replaceChildren(...projections.map(p => {
    const state = p.stopped ? 'stopped' : p.serving ? 'serving' : 'building';
    const tr = row([p.name, p.version, p.generation, state, p.position, p.lagEvents, p.lagSeconds, p.deadLetters, p.nodesRunning],
      [['Rebuild', () => rebuild(p.name)], ...(p.stopped ? [['Reset', () => reset(p.name)]] : []),
        ...(p.deadLetters > 0 ? [['Dead letters', () => showDeadLetters(p.name)]] : [])]);
    tr.dataset.projection = p.name;
    tr.cells[3].className = `state-${state}`;
    return tr;
  }));
  const reactors = await api('/api/admin/reactors');
  $('reactor-rows').replaceChildren(...reactors.map(r => {
    const failing = r.failing ? `at ${r.failing.position} since ${time(r.failing.since)}, ${r.failing.attempts} tries: ${r.failing.error}` : '';
    const tr = row([r.name, r.position, r.lagEvents, r.lagSeconds, failing]);
    tr.dataset.reactor = r.name;
    return tr;
  }));
  return projections;
}

async function rebuild(name) {
  const { generation } = await post(`/api/admin/projections/${encodeURIComponent(name)}/rebuild`);
  $('rebuild').hidden = false;
  $('rebuild-label').textContent = `Rebuilding ${name} as generation ${generation}…`;
  $('rebuild-progress').value = 0;
  // Polled until the new generation serves: its share of events applied is the progress.
  for (;;) {
    const rows = (await loadProjections()).filter(p => p.name === name);
    const building = rows.find(p => p.generation === generation);
    if (building?.serving) {
      $('rebuild-progress').value = 100;
      $('rebuild-label').textContent = `${name}: generation ${generation} swapped in`;
      // The replaced generation is dropped a moment after the swap (later on a busy node): the
      // table is final once it is gone, so polling goes on until then.
      if (rows.every(p => p.generation >= generation)) {
        return;
      }
    }
    if (building) {
      const total = building.processed + building.lagEvents;
      $('rebuild-progress').value = total === 0 ? 0 : Math.floor(100 * building.processed / total);
    }
    await new Promise(resolve => setTimeout(resolve, 500));
  }
}

async function reset(name) {
  await post(`/api/admin/projections/${encodeURIComponent(name)}/reset`);
  await loadProjections();
}

/** The events a projection parked (serving, or being built), each to replay once the fix is in, or to discard. */
let deadLettersOf = null;
const projectionDeadLetterPage = 100;
let projectionDeadLetterAfter = null;

/** Shows the first page of a projection's dead letters, or (more) the page after the last one shown. */
async function showDeadLetters(name, more) {
  const path = `/api/admin/projections/${encodeURIComponent(name)}/dead-letters`;
  if (deadLettersOf !== name) $('projection-replay-all-outcome').textContent = '';
  deadLettersOf = name;
  const letters = await api(`${path}?${query({ limit: projectionDeadLetterPage, afterId: more ? projectionDeadLetterAfter : undefined })}`);
  const done = async () => { await loadProjections(); await showDeadLetters(name); };
  $('projection-dead-letters').hidden = false;
  $('projection-dead-letters-title').textContent = `Dead letters of ${name}`;
  $('projection-dead-letters-empty').hidden = more || letters.length > 0;
  const rows = letters.map(l => {
    // The error's first line in the table; the whole of it (with the stack) on hover.
    const tr = row([l.id, l.generation + (l.serving ? '' : ' (building)'), l.position, l.eventType, l.streamId, l.error.split('\n')[0], time(l.failedAt)], [
      ['Replay', async () => { await post(`${path}/${l.id}/replay`); await done(); }],
      ['Discard', async () => { await api(`${path}/${l.id}`, { method: 'DELETE' }); await done(); }],
    ]);
    tr.cells[5].title = l.error;
    return tr;
  });
  if (more) $('projection-dead-letter-rows').append(...rows); else $('projection-dead-letter-rows').replaceChildren(...rows);
  projectionDeadLetterAfter = letters.length === projectionDeadLetterPage ? letters.at(-1).id : null;
  $('projection-dead-letter-more').hidden = projectionDeadLetterAfter == null;
}

// After a fix, every dead letter of the projection shown: each stream projected again once.
async function replayAllProjectionDeadLetters() {
  const name = deadLettersOf;
  const result = await post(`/api/admin/projections/${encodeURIComponent(name)}/dead-letters/replay`);
  $('projection-replay-all-outcome').textContent =
    `Replayed ${result.replayed} from ${result.streams} streams projected again; ${result.stillFailing.length} still failing.`;
  await loadProjections();
  await showDeadLetters(name);
}

// ---- Deliveries: what waits to go out, and the failed queue of every owner ----

async function loadBacklog() {
  const backlog = await api('/api/admin/deliveries/backlog');
  const waited = due => due ? `${Math.round((new Date(backlog.asOf) - new Date(due)) / 1000)} s` : '';
  $('backlog-rows').replaceChildren(...[...backlog.channels, { ...backlog.total, channel: 'all' }].map(c => {
    const tr = row([c.channel ?? 'unknown', c.due, waited(c.oldestDueAt), c.held, c.inFlight, c.retrying, c.scheduled, c.failed]);
    tr.dataset.channel = c.channel ?? 'unknown';
    return tr;
  }));
  const overdue = await api('/api/admin/deliveries/overdue?limit=20');
  $('overdue-rows').replaceChildren(...overdue.map(d => {
    const why = d.held ? 'behind an earlier one to its target' : d.sending ? 'attempt timed out' : 'not taken up';
    const tr = row([time(d.dueAt), d.owner, d.channel, d.contactName, d.attempts, why, d.messageId]);
    tr.dataset.overdue = d.deliveryId;
    return tr;
  }));
  $('overdue').hidden = overdue.length === 0;
}

// Owner, channel and failed since, those given: what the list shows and what "all" acts on.
function deliveryFilter() {
  const since = $('delivery-since').value;
  const filter = { owner: $('delivery-owner').value.trim(), channel: $('delivery-channel').value, failedSince: since ? new Date(since).toISOString() : '' };
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== ''));
}

const deliveryPage = 100;
let deliveryShown = null;
let deliveryAfter = null;

/**
 * Shows the first page of the failed deliveries the filter keeps, or (more) the page after the
 * last one shown: after it in the queue, so deliveries sent again meanwhile shift nothing.
 */
async function loadDeliveries(minPosition, more) {
  if (!more) {
    deliveryShown = deliveryFilter();
    await loadBacklog();
  }
  const failed = await api(`/api/admin/deliveries/failed?${query({ ...deliveryShown, minPosition, limit: deliveryPage, ...(more ? deliveryAfter : {}) })}`);
  const rows = failed.map(d => {
    const tr = row([d.sender, d.contactName, d.channel, d.text, d.attempts, d.lastError, time(d.failedAt)], [
      ['Redeliver', () => actOnDeliveries('redeliver', { owner: d.sender, deliveryIds: [d.deliveryId] })],
      ['Discard', () => actOnDeliveries('discard', { owner: d.sender, deliveryIds: [d.deliveryId] })],
    ]);
    tr.dataset.delivery = d.deliveryId;
    return tr;
  });
  if (more) $('delivery-rows').append(...rows); else $('delivery-rows').replaceChildren(...rows);
  const last = failed.at(-1);
  deliveryAfter = failed.length === deliveryPage ? { afterFailedAt: last.failedAt, afterId: last.deliveryId } : null;
  $('delivery-more').hidden = deliveryAfter == null;
  $('delivery-empty').hidden = more || failed.length > 0;
}

async function actOnDeliveries(action, request) {
  const result = await post(`/api/admin/deliveries/failed/${action}`, request);
  await loadDeliveries(result.position ?? undefined);
}

// Without an owner this acts on every owner's (after a messenger's outage): asked first.
function actOnAll(action) {
  const filter = deliveryFilter();
  const which = [filter.channel && `on ${filter.channel}`, filter.failedSince && `failed since ${time(filter.failedSince)}`].filter(Boolean).join(' ');
  if (!filter.owner && !confirm(`${action === 'redeliver' ? 'Redeliver' : 'Discard'} every owner's failed deliveries${which ? ' ' + which : ''}?`)) {
    return;
  }
  actOnDeliveries(action, { ...filter, all: true }).catch(() => {});
}

// ---- Audit: search, stream browsing as of a revision or moment, entity as of ----

let auditNext = null;
let auditSearch = null;

function showEvents(events, append) {
  const rows = events.map(e => {
    const tr = row([e.position, e.streamId, e.streamVersion, e.type, time(e.timestamp), e.metadata?.actor]);
    tr.className = 'clickable';
    tr.addEventListener('click', () => { $('audit-json').textContent = JSON.stringify(e, null, 2); });
    return tr;
  });
  if (append) $('audit-rows').append(...rows); else $('audit-rows').replaceChildren(...rows);
  $('audit-json').textContent = '';
}

async function searchAudit(append) {
  const page = await api(`/api/audit?${query({ ...auditSearch, after: append ? auditNext : undefined })}`);
  showEvents(page.events, append);
  auditNext = page.next;
  $('audit-more').hidden = page.next == null;
}

/** A revision is a whole number (a stream version); anything else is a moment. */
function asOfFilter(point) {
  if (point === '') return () => true;
  if (/^\d+$/.test(point)) return e => e.streamVersion <= Number(point);
  const moment = new Date(point);
  if (Number.isNaN(moment.getTime())) throw new Error('bad point');
  return e => new Date(e.timestamp) <= moment;
}

async function browseStream() {
  let included;
  try {
    included = asOfFilter($('stream-as-of').value.trim());
  } catch {
    showProblem({ title: 'As of what?', detail: 'Give a revision (0, 1, 2…) or a moment such as 2026-12-01T10:00:00Z.' });
    return;
  }
  const page = await api(`/api/audit/streams/${encodeURIComponent($('stream-id').value.trim())}?count=1000`);
  showEvents(page.events.filter(included), false);
  $('audit-more').hidden = true;
}

async function entityAsOf() {
  const kind = $('entity-kind').value;
  const asOf = $('entity-as-of-point').value.trim();
  const entity = await api(`/api/${kind}/${encodeURIComponent($('entity-id').value.trim())}/history?${query({ asOf })}`);
  $('audit-json').textContent = JSON.stringify(entity, null, 2);
}

// ---- Deploys ----

const deployPage = 50;
let deployFilter = null;
let deployBefore = null;

/** Shows the filter's latest deploys, or (more) the page before the last one shown. */
async function loadDeploys(more) {
  if (!more) {
    deployFilter = { application: $('deploy-application').value.trim(), environment: $('deploy-environment').value.trim() };
  }
  const before = more ? deployBefore : undefined;
  const timeline = await api(`/api/deploys?${query({ ...deployFilter, limit: deployPage, beforePosition: before })}`);
  const rows = timeline.map(d => row([time(d.reportedAt), d.application, d.environment, d.version, d.status, d.ticketKeys.join(' ')]));
  if (more) $('deploy-rows').append(...rows); else $('deploy-rows').replaceChildren(...rows);
  deployBefore = timeline.length === deployPage ? timeline.at(-1).position : null;
  $('deploy-more').hidden = deployBefore == null;
  if (more) return;
  const { application } = deployFilter;
  const current = application ? await api(`/api/deploys/current?${query({ application })}`) : [];
  $('deploy-current').replaceChildren(...current.map(d => row([d.environment, d.version, d.status, time(d.reportedAt)])));
}

// ---- Ticket ingest: parked records and dead letters ----

const deadLetterPage = 100;
let deadLetterAfter = null;

/** Shows what is parked and the first page of dead letters, or (more) the page after the last one shown. */
async function loadIngest(more) {
  if (!more) {
    const parked = (await api('/api/ingest/parked')).filter(p => p.waiting > 0);
    $('parked').textContent = parked.length === 0 ? 'Nothing is parked.' : parked.map(p => `${p.waiting} ${p.kind}(s) waiting`).join(', ');
  }
  const letters = await api(`/api/ingest/dead-letters?${query({ limit: deadLetterPage, afterId: more ? deadLetterAfter : undefined })}`);
  const rows = letters.map(l => row([l.id, `${l.topic}/${l.partition}/${l.offset}`, l.key, l.reason, time(l.storedAt)], [
    ['Replay', async () => { await post(`/api/ingest/dead-letters/${l.id}/replay`); await loadIngest(); }],
    ['Discard', async () => { await api(`/api/ingest/dead-letters/${l.id}`, { method: 'DELETE' }); await loadIngest(); }],
  ]));
  if (more) $('dead-letter-rows').append(...rows); else $('dead-letter-rows').replaceChildren(...rows);
  deadLetterAfter = letters.length === deadLetterPage ? letters.at(-1).id : null;
  $('dead-letter-more').hidden = deadLetterAfter == null;
}

// After a fix, every dead letter again, in the order they came; those still failing stay listed.
async function replayAllDeadLetters() {
  if (!confirm('Replay every dead letter, in the order they came?')) return;
  $('replay-all-outcome').textContent = '';
  const result = await post('/api/ingest/dead-letters/replay');
  $('replay-all-outcome').textContent = `Replayed: ${result.applied} applied, ${result.stillFailing.length} still failing.`;
  await loadIngest();
}

// ---- Personal data: forget a subject ----

// The request's fields of each kind of subject, by the input that holds each.
const subjectFields = {
  buyer: { email: 'forget-email', phone: 'forget-phone' },
  contact: { ownerId: 'forget-owner', contactId: 'forget-contact' },
  visitor: { visitorId: 'forget-visitor' },
};

function showSubjectFields() {
  const kind = $('forget-kind').value;
  for (const label of document.querySelectorAll('#forget [data-kind]')) label.hidden = label.dataset.kind !== kind;
}

async function forgetSubject() {
  const kind = $('forget-kind').value;
  const request = { kind, reason: $('forget-reason').value.trim() };
  for (const [field, id] of Object.entries(subjectFields[kind])) {
    const value = $(id).value.trim();
    if (value !== '') request[field] = value;
  }
  // It cannot be undone: no key, no data.
  if (!confirm(`Forget this ${$('forget-kind').selectedOptions[0].text} for good? Their personal data can never be read again.`)) return;
  $('forget-outcome').textContent = '';
  const outcome = await post('/api/admin/subjects/forget', request);
  const cancelled = kind === 'contact' ? ` ${outcome.cancelledDeliveries} waiting deliveries cancelled.` : '';
  $('forget-outcome').textContent = outcome.forgotten
    ? `Forgotten (recorded at position ${outcome.position}).${cancelled}`
    : 'Nothing left to forget: this subject was forgotten before, or is not known.';
}

// ---- Wiring ----

const onSubmit = (id, action) => $(id).addEventListener('submit', event => { event.preventDefault(); action().catch(() => {}); });

onSubmit('sign-in', () => signIn($('api-key').value.trim()));
onSubmit('delivery-filter', () => loadDeliveries());
onSubmit('audit-search', () => {
  auditSearch = { type: $('audit-type').value.trim(), from: $('audit-from').value.trim(), to: $('audit-to').value.trim(),
    correlationId: $('audit-correlation').value.trim(), actor: $('audit-actor').value.trim() };
  return searchAudit(false);
});
onSubmit('stream-browse', browseStream);
onSubmit('entity-as-of', entityAsOf);
onSubmit('deploy-filter', loadDeploys);
onSubmit('forget', forgetSubject);
$('forget-kind').addEventListener('change', showSubjectFields);
showSubjectFields(); // a reload may bring back the kind chosen before
$('audit-more').addEventListener('click', () => searchAudit(true).catch(() => {}));
$('deploy-more').addEventListener('click', () => loadDeploys(true).catch(() => {}));
$('delivery-more').addEventListener('click', () => loadDeliveries(undefined, true).catch(() => {}));
$('dead-letter-more').addEventListener('click', () => loadIngest(true).catch(() => {}));
$('projection-dead-letter-more').addEventListener('click', () => showDeadLetters(deadLettersOf, true).catch(() => {}));
$('replay-all-dead-letters').addEventListener('click', () => replayAllDeadLetters().catch(() => {}));
$('projection-replay-all').addEventListener('click', () => replayAllProjectionDeadLetters().catch(() => {}));
$('redeliver-all').addEventListener('click', () => actOnAll('redeliver'));
$('discard-all').addEventListener('click', () => actOnAll('discard'));
$('sign-out').addEventListener('click', () => { sessionStorage.removeItem(keyStore); location.reload(); });
for (const button of document.querySelectorAll('nav button')) button.addEventListener('click', () => openPage(button.dataset.page));
if (sessionStorage.getItem(keyStore)) signIn(sessionStorage.getItem(keyStore));
