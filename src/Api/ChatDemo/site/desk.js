// The managers' desk page: every chat opened, and the open ones, to join (chat.js does the rest).
'use strict';

const key = new URLSearchParams(location.search).get('key');
const chat = chatSide({ role: 'manager', headers: { 'X-Api-Key': key }, ext: { apiKey: key } });

function list(conversation) {
  if (document.querySelector(`#conversations li[data-conversation="${conversation.id}"]`)) return;
  const li = document.createElement('li');
  li.dataset.conversation = conversation.id;
  const open = document.createElement('button');
  open.type = 'button';
  open.textContent = `Visitor ${conversation.visitorId}`;
  open.addEventListener('click', () => chat.join(conversation).catch(() => {}));
  li.append(open);
  $('conversations').prepend(li);
}

// Every chat opened or handed on from now on, then the open ones already there.
const service = chat.faye.subscribe('/service/*', data => {
  if (data.entity === 'conversation' && ['opened', 'transferred'].includes(data.action)) list(data.conversation);
});
service.then(async () => {
  $('status').textContent = 'Online';
  for (const c of await chat.rest('GET', '/api/conversations?status=open')) list(c);
}, error => { $('status').textContent = `Not connected: ${error.message}`; });
