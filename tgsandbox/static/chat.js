// Sandbox chat page: shows one user's private chat with the bot and lets you act as that user.
// Everything goes through the control API; all text is set with textContent, never as HTML.
"use strict";

const POLL_MS = 1000;
const ui = {
  users: document.getElementById("users"),
  title: document.getElementById("chat-title"),
  status: document.getElementById("chat-status"),
  block: document.getElementById("block-toggle"),
  hint: document.getElementById("chat-hint"),
  messages: document.getElementById("messages"),
  keyboard: document.getElementById("reply-keyboard"),
  composer: document.getElementById("composer"),
  text: document.getElementById("text"),
  send: document.getElementById("send"),
  photo: document.getElementById("send-photo"),
  attach: document.getElementById("attach"),
  attachFile: document.getElementById("attach-file"),
  asFile: document.getElementById("as-file"),
  error: document.getElementById("error"),
  newUser: document.getElementById("new-user"),
};
let users = [];
let currentUserId = null;
let shownVersion = -1;

async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: {} };
  if (options.body !== undefined) {
    init.method = options.method || "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(options.body);
  }
  const response = await fetch("/sandbox" + path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(data.error || response.status + " " + response.statusText);
  }
  return data;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function showError(error) {
  ui.error.textContent = error ? String(error.message || error) : "";
}

function fullName(user) {
  return [user.first_name, user.last_name].filter(Boolean).join(" ");
}

function formatTime(unix) {
  return new Date(unix * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

// ----- users ---------------------------------------------------------------------------------

function renderUsers() {
  ui.users.replaceChildren();
  if (users.length === 0) {
    ui.users.append(el("li", "empty", "No users yet"));
    return;
  }
  for (const user of users) {
    const item = el("li");
    const button = el("button", "user");
    button.type = "button";
    button.dataset.userId = String(user.id);
    if (user.id === currentUserId) button.classList.add("active");
    button.append(el("span", "user-name", fullName(user)));
    const detail = user.phone || (user.username ? "@" + user.username : "id " + user.id);
    button.append(el("span", "user-detail", detail + (user.blocked ? " · blocked the bot" : "")));
    if (user.hint) button.append(el("span", "user-hint", user.hint));
    button.addEventListener("click", () => selectUser(user.id));
    item.append(button);
    ui.users.append(item);
  }
}

async function loadUsers() {
  const data = await api("/users");
  const before = JSON.stringify(users);
  users = data.users;
  if (JSON.stringify(users) !== before) renderUsers();
}

function selectUser(userId) {
  currentUserId = userId;
  const url = new URL(window.location.href);
  url.searchParams.set("user", String(userId));
  window.history.replaceState(null, "", url);
  shownVersion = -1;
  ui.messages.replaceChildren();
  for (const control of [ui.text, ui.send, ui.photo, ui.attach]) control.disabled = false;
  ui.block.hidden = false;
  renderUsers();
  refreshChat().catch(showError);
  ui.text.focus();
}

// ----- messages ------------------------------------------------------------------------------

function renderInlineKeyboard(message) {
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  const box = el("div", "inline-keyboard");
  for (const row of rows) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      const key = el("button", "inline-button", button.text);
      key.type = "button";
      if (button.callback_data !== undefined) {
        key.addEventListener("click", () => press(message, button.callback_data));
      } else if (button.url) {
        key.title = button.url;
        key.addEventListener("click", () => window.open(button.url, "_blank", "noopener"));
      } else {
        key.disabled = true;
      }
      line.append(key);
    }
    box.append(line);
  }
  return box;
}

function describeAttachment(message) {
  if (message.contact) {
    const c = message.contact;
    return "📇 " + [c.first_name, c.last_name].filter(Boolean).join(" ") + " " + c.phone_number;
  }
  if (message.document) return "📄 " + (message.document.file_name || "document");
  if (message.photo) {
    const largest = message.photo[message.photo.length - 1];
    return "🖼 photo " + largest.width + "×" + largest.height;
  }
  return null;
}

const STYLED = new Set(["bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
  "text_link", "url", "bot_command", "blockquote"]);

// Text with its entities as nested-free runs of styled spans; offsets are UTF-16 like JS strings.
function renderText(text, entities) {
  const box = el("div", "text");
  const marks = (entities || []).filter((e) => STYLED.has(e.type));
  if (marks.length === 0) {
    box.textContent = text;
    return box;
  }
  const cuts = new Set([0, text.length]);
  for (const e of marks) {
    cuts.add(Math.min(e.offset, text.length));
    cuts.add(Math.min(e.offset + e.length, text.length));
  }
  const points = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const [start, end] = [points[i], points[i + 1]];
    const covering = marks.filter((e) => e.offset <= start && e.offset + e.length >= end);
    const piece = text.slice(start, end);
    if (covering.length === 0) {
      box.append(document.createTextNode(piece));
      continue;
    }
    const link = covering.find((e) => e.type === "text_link" && /^(https?|tg):\/\//.test(e.url || ""));
    const node = link ? el("a", null, piece) : el("span", null, piece);
    if (link) {
      node.href = link.url;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
    }
    for (const e of covering) node.classList.add("e-" + e.type.replace("_", "-"));
    box.append(node);
  }
  return box;
}

const fileUrl = (fileId) => "/sandbox/files/" + encodeURIComponent(fileId) + "/content";

// A photo shows as the picture (its largest size); a document as a link that downloads it.
function renderFile(message) {
  if (message.photo && message.photo.length) {
    const largest = message.photo[message.photo.length - 1];
    const image = el("img", "photo");
    image.src = fileUrl(largest.file_id);
    image.alt = "photo " + largest.width + "×" + largest.height;
    return image;
  }
  if (message.document) {
    const link = el("a", "document-link", describeAttachment(message));
    link.href = fileUrl(message.document.file_id);
    link.download = message.document.file_name || "document";
    return link;
  }
  return null;
}

function renderMessage(message) {
  const item = el("li", "bubble " + (message.from_bot ? "from-bot" : "from-user"));
  item.dataset.messageId = String(message.message_id);
  if (message.deleted) item.classList.add("deleted");
  const file = renderFile(message);
  const attachment = describeAttachment(message);
  if (file) item.append(file);
  else if (attachment) item.append(el("div", "attachment", attachment));
  if (message.text) item.append(renderText(message.text, message.entities));
  else if (message.caption) item.append(el("div", "text", message.caption));
  if (message.reply_markup && message.reply_markup.inline_keyboard && !message.deleted) {
    item.append(renderInlineKeyboard(message));
  }
  const meta = [formatTime(message.date)];
  if (message.edit_date) meta.push("edited");
  if (message.deleted) meta.push("deleted");
  item.append(el("div", "meta", meta.join(" · ")));
  return item;
}

function renderReplyKeyboard(markup, user) {
  ui.keyboard.replaceChildren();
  if (!markup || !markup.keyboard) {
    ui.keyboard.hidden = true;
    return;
  }
  for (const row of markup.keyboard) {
    const line = el("div", "keyboard-row");
    for (const button of row) {
      const key = el("button", "reply-button", button.text);
      key.type = "button";
      if (button.request_contact) {
        key.classList.add("share-contact");
        key.title = user.phone ? "Shares " + user.phone : "This user has no phone number";
        key.addEventListener("click", () => act(`/users/${user.id}/contact`, { own: true }));
      } else {
        key.addEventListener("click", () => act(`/users/${user.id}/text`, { text: button.text }));
      }
      line.append(key);
    }
    ui.keyboard.append(line);
  }
  ui.keyboard.hidden = false;
}

async function refreshChat() {
  if (currentUserId === null) return;
  const chat = await api(`/chats/${currentUserId}`);
  if (chat.version === shownVersion) return;
  shownVersion = chat.version;
  const user = chat.user;
  ui.title.textContent = fullName(user);
  ui.status.textContent = (user.phone || "no phone") + (user.blocked ? " · has blocked the bot" : "");
  ui.hint.textContent = user.hint || "";
  ui.hint.hidden = !user.hint;
  ui.block.textContent = user.blocked ? "Unblock bot" : "Block bot";
  const atBottom = ui.messages.scrollTop + ui.messages.clientHeight >= ui.messages.scrollHeight - 8;
  ui.messages.replaceChildren(...chat.messages.map(renderMessage));
  renderReplyKeyboard(chat.reply_keyboard, user);
  if (atBottom) ui.messages.scrollTop = ui.messages.scrollHeight;
}

// ----- acting as the user --------------------------------------------------------------------

async function act(path, body) {
  try {
    showError(null);
    await api(path, { body });
    await refreshChat();
    ui.messages.scrollTop = ui.messages.scrollHeight;
  } catch (error) {
    showError(error);
  }
}

async function press(message, data) {
  try {
    showError(null);
    const result = await api(`/users/${currentUserId}/press`, {
      body: { chat_id: message.chat_id, message_id: message.message_id, data },
    });
    const answer = await api(`/callbacks/${result.callback_query_id}?wait=3`);
    if (answer.answer && answer.answer.text) {
      if (answer.answer.show_alert) window.alert(answer.answer.text);
      else ui.status.textContent = "Bot: " + answer.answer.text;
    }
    await refreshChat();
  } catch (error) {
    showError(error);
  }
}

ui.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.text.value.trim();
  if (!text || currentUserId === null) return;
  ui.text.value = "";
  act(`/users/${currentUserId}/text`, { text });
});

// Like Telegram's apps: JPEG, PNG and WebP pictures go as photos unless "as file" is ticked;
// anything else goes as a document. Several files chosen at once go as one album (the same
// media_group_id; all photos, or all documents when any is not a picture). The text box, if
// filled, becomes the first file's caption.
const PHOTO_TYPES = new Set(["image/jpeg", "image/png", "image/webp"]);

async function sendFiles(files) {
  if (!files.length || currentUserId === null) return;
  const asPhotos = !ui.asFile.checked && files.every((file) => PHOTO_TYPES.has(file.type));
  const kind = asPhotos ? "photo" : "document";
  const group = files.length > 1 ? String(Date.now()) + String(Math.floor(Math.random() * 1e6)) : null;
  const caption = ui.text.value.trim();
  try {
    showError(null);
    for (const [index, file] of files.entries()) {
      const form = new FormData();
      form.append(kind, file, file.name);
      if (caption && index === 0) form.append("caption", caption);
      if (group) form.append("media_group_id", group);
      const response = await fetch(`/sandbox/users/${currentUserId}/${kind}`, { method: "POST", body: form });
      const data = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(data.error || response.status + " " + response.statusText);
    }
    ui.text.value = "";
    await refreshChat();
    ui.messages.scrollTop = ui.messages.scrollHeight;
  } catch (error) {
    showError(error);
  }
}

ui.attach.addEventListener("click", () => ui.attachFile.click());
ui.attachFile.addEventListener("change", () => {
  const files = [...ui.attachFile.files];
  ui.attachFile.value = "";
  sendFiles(files);
});

ui.photo.addEventListener("click", () => {
  if (currentUserId !== null) act(`/users/${currentUserId}/photo`, {});
});

ui.block.addEventListener("click", () => {
  const user = users.find((u) => u.id === currentUserId);
  if (user) act(`/users/${user.id}/${user.blocked ? "unblock" : "block"}`, {}).then(loadUsers);
});

ui.newUser.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(ui.newUser);
  const body = {};
  for (const [key, value] of form.entries()) if (String(value).trim()) body[key] = String(value).trim();
  try {
    showError(null);
    const user = await api("/users", { body });
    ui.newUser.reset();
    await loadUsers();
    selectUser(user.id);
  } catch (error) {
    showError(error);
  }
});

for (const button of ui.users.querySelectorAll("button.user")) {
  button.addEventListener("click", () => selectUser(Number(button.dataset.userId)));
}

async function tick() {
  try {
    await loadUsers();
    await refreshChat();
  } catch (error) {
    showError(error);
  } finally {
    setTimeout(tick, POLL_MS);
  }
}

const preselected = Number(new URLSearchParams(window.location.search).get("user"));
if (preselected) selectUser(preselected);
tick();
