// The chat widget page: a visitor's chats, opened here or by a manager (chat.js does the rest).
'use strict';

const params = new URLSearchParams(location.search);
const visitor = params.get('visitor');
const token = params.get('token');
const chat = chatSide({ role: 'visitor', headers: { Authorization: `Bearer ${token}` }, ext: { token } });
// The visitor's service channel says when a chat is opened for them, here or by a manager.
const service = chat.faye.subscribe(`/service/${visitor}`, data => { if (data.entity === 'conversation') chat.join(data.conversation).catch(() => {}); });
service.then(() => { $('status').textContent = 'Online'; }, error => { $('status').textContent = `Not connected: ${error.message}`; });
$('start').addEventListener('click', async () => {
  const opened = await chat.rest('POST', '/api/conversations', {});
  $('start').hidden = true;
  await chat.join(opened);
});
