// The chat widget's and the managers' desk's shared part: a Faye client to /faye with the
// caller's credentials in ext, and one conversation's messages with read marks. Plain DOM and the
// stock faye browser client (faye-browser-min.js, served beside this file); no build step.
'use strict';

const $ = id => document.getElementById(id);
// The chat's API is where this script came from: this host, or ours when a shop's page embeds the
// widget (its origin then listed in Chat:AllowedOrigins; Faye shakes hands by callback-polling).
const chatApi = new URL('.', document.currentScript.src);

/** A chat side: `role` is 'visitor' or 'manager'; `headers` authenticate REST calls, `ext` the Faye client. */
function chatSide({ role, headers, ext }) {
  const faye = new Faye.Client(new URL('/faye', chatApi).toString());
  faye.addExtension({ outgoing: (message, callback) => { message.ext = ext; callback(message); } });
  let conversation = null;
  let channel = null;

  async function rest(method, path, body) {
    const response = await fetch(new URL(path, chatApi), { method, headers: { 'Content-Type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : undefined });
    const json = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      $('status').textContent = `${json?.title ?? response.status}${json?.detail ? `: ${json.detail}` : ''}`;
      throw new Error($('status').textContent);
    }
    return json;
  }

  function render(message) {
    if (document.querySelector(`#messages li[data-id="${message.id}"]`)) return;
    const li = document.createElement('li');
    li.dataset.id = message.id;
    li.dataset.role = message.senderRole;
    li.className = message.senderRole === role ? 'mine' : 'theirs';
    const text = document.createElement('span');
    text.textContent = message.content;
    const mark = document.createElement('small');
    mark.className = 'mark';
    // Read already when the history was fetched (a reload); later reads come as pushes.
    if (message.senderRole === role && message.read) mark.textContent = '✓ read';
    li.append(text, mark);
    $('messages').append(li);
    // What the other side wrote is read as soon as it is shown.
    if (message.senderRole !== role) rest('POST', `/api/conversations/${conversation.id}/messages/${message.id}/read`).catch(() => {});
  }

  /** The other side read up to a message: each of mine up to it is marked read. */
  function readUpTo(messageId) {
    for (const li of document.querySelectorAll('#messages li')) {
      if (li.dataset.role === role) li.querySelector('.mark').textContent = '✓ read';
      if (li.dataset.id === messageId) break;
    }
  }

  async function join(opened) {
    if (conversation?.id === opened.id) return;
    conversation = opened;
    channel?.cancel();
    $('messages').replaceChildren();
    $('conversation').hidden = false;
    channel = faye.subscribe(`/conversations/${opened.id}`, data => {
      if (data.entity === 'message' && data.action === 'created') render(data.message);
      // Read marks on my messages come from the other side's reads, not from my own.
      const other = role === 'visitor' ? opened.managerId : opened.visitorId;
      if (data.entity === 'message' && data.action === 'read' && data.readerId === other) readUpTo(data.upToMessageId);
      // Handed to another manager: the visitor chats with them, and their read marks count from now.
      if (data.entity === 'conversation' && data.action === 'transferred') {
        opened.managerId = data.conversation.managerId;
        if (role === 'visitor') $('status').textContent = `Chatting with ${opened.managerId}`;
      }
    });
    await new Promise((resolve, reject) => channel.then(resolve, reject));
    // Read-your-writes: a chat just opened is in the read model once its position is.
    const after = opened.position ? `?minPosition=${opened.position}` : '';
    let history;
    try {
      history = await rest('GET', `/api/conversations/${opened.id}/messages${after}`);
    } catch (error) {
      // Not joined: the other way in (the open's response, or the push) may try again.
      conversation = null;
      throw error;
    }
    for (const message of history.reverse()) render(message);
    // Said only now: from here on nothing written to this chat can be missed.
    $('status').textContent = role === 'visitor' ? `Chatting with ${opened.managerId}` : `Chatting with visitor ${opened.visitorId}`;
  }

  $('send').addEventListener('submit', event => {
    event.preventDefault();
    const content = $('text').value.trim();
    if (!content || !conversation) return;
    $('text').value = '';
    rest('POST', `/api/conversations/${conversation.id}/messages`, { content }).catch(() => {});
  });

  return { faye, rest, join };
}
