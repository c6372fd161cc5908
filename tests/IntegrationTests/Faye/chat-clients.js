// The chat's clients as the seed's site widget and managers' desk are: the stock faye client.
// Given the API's URL, a visitor token, a stranger's token and a manager's key (environment), it:
// subscribes the visitor to /service/{visitor} and the manager to /service/*; checks that the
// stranger is refused the visitor's channel; opens the visitor's chat over REST and times how long
// each hears of it; both subscribe to /conversations/{id}; the visitor and the manager post over
// REST and each client's messages are recorded. It prints one JSON line of what happened; the
// test asserts on it. TRANSPORT=long-polling keeps the client off WebSocket.
'use strict';
const faye = require('faye');

const { API_URL, VISITOR, VISITOR_TOKEN, STRANGER_TOKEN, MANAGER_KEY, TRANSPORT } = process.env;
// How long any one step may take: the tests' patience, longer on a busy machine.
const PATIENCE_MS = Number(process.env.PATIENCE_MS ?? 15000);
const deadline = ms => new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());

function client(ext) {
  const c = new faye.Client(new URL('faye', API_URL).toString(), { timeout: 30, retry: 1 });
  if (TRANSPORT === 'long-polling') c.disable('websocket');
  c.addExtension({ outgoing: (message, callback) => { message.ext = ext; callback(message); } });
  return c;
}

const subscribed = subscription => new Promise((resolve, reject) => subscription.then(resolve, reject));

async function rest(method, path, headers, body) {
  const response = await fetch(new URL(path, API_URL), { method, headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body ?? {}) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

(async () => {
  const result = { heard: {}, messages: { visitor: [], manager: [] }, transports: {} };
  const visitor = client({ token: VISITOR_TOKEN });
  const manager = client({ apiKey: MANAGER_KEY });
  const stranger = client({ token: STRANGER_TOKEN });
  try {
    // Each subscription with its callback: data it gets resolves a promise; its own promise is the server's yes or no.
    const heard = {};
    const visitorHeard = new Promise(resolve => { heard.visitor = visitor.subscribe(`/service/${VISITOR}`, m => resolve({ at: Date.now(), m })); });
    const managerHeard = new Promise(resolve => { heard.manager = manager.subscribe('/service/*', m => { if (m.conversation?.visitorId === VISITOR) resolve({ at: Date.now(), m }); }); });
    await Promise.race([Promise.all([subscribed(heard.visitor), subscribed(heard.manager)]), deadline(PATIENCE_MS)]);

    result.strangerRefused = await Promise.race([subscribed(stranger.subscribe(`/service/${VISITOR}`, () => { result.strangerGotData = true; })).then(() => null, e => e.message), deadline(PATIENCE_MS)]);

    const openedAt = Date.now();
    const opened = await rest('POST', 'api/conversations', { Authorization: `Bearer ${VISITOR_TOKEN}` });
    const [v, m] = await Promise.race([Promise.all([visitorHeard, managerHeard]), deadline(PATIENCE_MS)]);
    result.heard = { visitorMs: v.at - openedAt, managerMs: m.at - openedAt, visitorData: v.m, managerData: m.m, conversationId: opened.id };

    const channel = `/conversations/${opened.id}`;
    let ready;
    const both = new Promise(resolve => {
      const check = () => { if (result.messages.visitor.length >= 2 && result.messages.manager.length >= 2) resolve(); };
      ready = [
        visitor.subscribe(channel, d => { result.messages.visitor.push(d.message?.content); check(); }),
        manager.subscribe(channel, d => { result.messages.manager.push(d.message?.content); check(); }),
      ];
    });
    await Promise.race([Promise.all(ready.map(subscribed)), deadline(PATIENCE_MS)]);
    await rest('POST', `api/conversations/${opened.id}/messages`, { Authorization: `Bearer ${VISITOR_TOKEN}` }, { content: 'Hello, is anyone there?' });
    await rest('POST', `api/conversations/${opened.id}/messages`, { 'X-Api-Key': MANAGER_KEY }, { content: 'Yes, how can I help?' });
    await Promise.race([both, deadline(PATIENCE_MS)]);
    result.transports = { visitor: visitor._dispatcher.connectionType, manager: manager._dispatcher.connectionType };
    result.ok = true;
  } catch (e) {
    result.ok = false;
    result.error = e.message;
  } finally {
    visitor.disconnect(); manager.disconnect(); stranger.disconnect();
    console.log(JSON.stringify(result));
    setTimeout(() => process.exit(result.ok ? 0 : 1), 200);
  }
})();
