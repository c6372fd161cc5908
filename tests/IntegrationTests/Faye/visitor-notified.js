// The site widget's notice that a manager wrote, with the stock faye client: the visitor subscribes
// to /notifications/{visitor} on FAYE_URL, then the manager posts CONTENT to CONVERSATION over REST
// on POST_URL (another node may serve each). It prints one JSON line: the notice heard, or the
// error; the test asserts on it.
'use strict';
const faye = require('faye');

const { FAYE_URL, POST_URL, VISITOR, VISITOR_TOKEN, MANAGER_KEY, CONVERSATION, CONTENT } = process.env;
const PATIENCE_MS = Number(process.env.PATIENCE_MS ?? 15000);
const deadline = ms => new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref());

(async () => {
  const result = {};
  const visitor = new faye.Client(new URL('faye', FAYE_URL).toString(), { timeout: 30, retry: 1 });
  visitor.addExtension({ outgoing: (message, callback) => { message.ext = { token: VISITOR_TOKEN }; callback(message); } });
  try {
    let subscription;
    const notified = new Promise(resolve => { subscription = visitor.subscribe(`/notifications/${VISITOR}`, resolve); });
    await Promise.race([new Promise((resolve, reject) => subscription.then(resolve, reject)), deadline(PATIENCE_MS)]);
    const posted = await fetch(new URL(`api/conversations/${CONVERSATION}/messages`, POST_URL), {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Api-Key': MANAGER_KEY }, body: JSON.stringify({ content: CONTENT }),
    });
    if (!posted.ok) throw new Error(`posting: ${posted.status} ${await posted.text()}`);
    result.notice = await Promise.race([notified, deadline(PATIENCE_MS)]);
    result.ok = true;
  } catch (e) {
    result.ok = false;
    result.error = e.message;
  } finally {
    visitor.disconnect();
    console.log(JSON.stringify(result));
    setTimeout(() => process.exit(result.ok ? 0 : 1), 200);
  }
})();
