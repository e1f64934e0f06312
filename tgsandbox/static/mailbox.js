// Sandbox chat page, Mailbox tab: every email the sandbox's SMTP server received.
// Text is set with textContent; the HTML part is shown only inside a sandboxed iframe (no scripts,
// no same-origin access), served by the control API with a CSP that forbids scripts.
"use strict";
(function () {
  const MAIL_POLL_MS = 1500;
  const HEADERS = ["From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID", "In-Reply-To",
    "References", "List-Unsubscribe"];
  const tabs = { chat: document.getElementById("tab-chat"), mail: document.getElementById("tab-mailbox") };
  const chatPane = document.querySelector("main.chat");
  const mailPane = document.getElementById("mailbox");
  const list = document.getElementById("mail-list");
  const view = document.getElementById("mail-view");
  const count = document.getElementById("mail-count");
  const status = document.getElementById("mail-status");
  let shownId = null;
  let listedKey = "";

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  async function get(path) {
    const response = await fetch("/sandbox" + path);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || response.status + " " + response.statusText);
    return data;
  }

  function when(unix) {
    return new Date(unix * 1000).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });
  }

  // Text with its http(s) links made clickable (as anchors opening a new tab), never as HTML.
  function linkified(text, className) {
    const node = el("pre", className);
    const pattern = /https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)]/g;
    let last = 0;
    for (const match of text.matchAll(pattern)) {
      node.append(document.createTextNode(text.slice(last, match.index)));
      const link = el("a", "mail-link", match[0]);
      link.href = match[0];
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      node.append(link);
      last = match.index + match[0].length;
    }
    node.append(document.createTextNode(text.slice(last)));
    return node;
  }

  function show(which) {
    const mail = which === "mail";
    chatPane.hidden = mail;
    mailPane.hidden = !mail;
    tabs.chat.classList.toggle("active", !mail);
    tabs.mail.classList.toggle("active", mail);
    tabs.chat.setAttribute("aria-selected", String(!mail));
    tabs.mail.setAttribute("aria-selected", String(mail));
    const url = new URL(window.location.href);
    url.hash = mail ? "mailbox" : "";
    window.history.replaceState(null, "", url);
    if (mail) refresh().catch(showStatus);
  }

  function showStatus(error) {
    status.textContent = error ? String(error.message || error) : "";
  }

  function renderList(data) {
    count.textContent = data.emails.length ? " (" + data.emails.length + ")" : "";
    const smtp = data.smtp;
    status.textContent = smtp
      ? "SMTP server on " + smtp.host + ":" + smtp.port + (smtp.running ? "" : " (down)")
      : "No SMTP server runs in this sandbox";
    const key = JSON.stringify(data.emails.map((e) => e.id)) + shownId;
    if (key === listedKey) return;
    listedKey = key;
    list.replaceChildren();
    if (data.emails.length === 0) {
      list.append(el("li", "empty", "No emails yet"));
      return;
    }
    for (const email of data.emails) {
      const button = el("button", "mail-item" + (email.id === shownId ? " active" : ""));
      button.type = "button";
      button.dataset.emailId = String(email.id);
      button.append(el("span", "mail-to", email.to || email.rcpt_tos.join(", ")));
      button.append(el("span", "mail-subject", email.subject || "(no subject)"));
      button.append(el("span", "mail-time", when(email.date)));
      button.addEventListener("click", () => open(email.id).catch(showStatus));
      const item = el("li");
      item.append(button);
      list.append(item);
    }
  }

  async function open(id) {
    const email = await get("/mail/" + id);
    shownId = id;
    listedKey = "";
    view.replaceChildren();
    view.append(el("h2", "mail-title", email.subject || "(no subject)"));
    const table = el("dl", "mail-headers");
    const add = (name, value) => {
      if (!value) return;
      table.append(el("dt", null, name));
      const cell = el("dd");
      cell.append(linkified(value, "mail-header-value"));
      table.append(cell);
    };
    add("Envelope", "MAIL FROM " + email.mail_from + " · RCPT TO " + email.rcpt_tos.join(", "));
    for (const name of HEADERS) {
      const header = email.headers.find(([key]) => key.toLowerCase() === name.toLowerCase());
      if (header) add(name, header[1]);
    }
    view.append(table);
    const all = el("details", "mail-all-headers");
    all.append(el("summary", null, "All headers"));
    all.append(el("pre", null, email.headers.map(([k, v]) => k + ": " + v).join("\n")));
    view.append(all);
    if (email.text !== null) {
      view.append(el("h3", null, "Text part"));
      view.append(linkified(email.text, "mail-text"));
    }
    if (email.html !== null) {
      view.append(el("h3", null, "HTML part"));
      const frame = el("iframe", "mail-html");
      frame.setAttribute("sandbox", "allow-popups allow-popups-to-escape-sandbox");
      frame.title = "HTML part of the email";
      frame.src = "/sandbox/mail/" + id + "/html";
      view.append(frame);
    }
    if (email.attachments.length) view.append(el("p", "muted", "Attachments: " + email.attachments.join(", ")));
    refresh().catch(showStatus);
  }

  async function refresh() {
    renderList(await get("/mail"));
  }

  async function tick() {
    try {
      await refresh();
    } catch (error) {
      showStatus(error);
    } finally {
      setTimeout(tick, MAIL_POLL_MS);
    }
  }

  async function clearAll() {
    const response = await fetch("/sandbox/mail", { method: "DELETE" });
    if (!response.ok) throw new Error(response.status + " " + response.statusText);
    shownId = null;
    listedKey = "";
    view.replaceChildren(el("p", "muted", "The mailbox is empty."));
    await refresh();
  }

  document.getElementById("mail-clear").addEventListener("click", () => clearAll().catch(showStatus));
  tabs.chat.addEventListener("click", () => show("chat"));
  tabs.mail.addEventListener("click", () => show("mail"));
  document.getElementById("users").addEventListener("click", () => show("chat"));
  if (window.location.hash === "#mailbox") show("mail");
  tick();
})();
