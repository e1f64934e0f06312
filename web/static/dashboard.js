// Poll the dashboard's change marker and redraw the board when it moves.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.fetch) { return; }
  var stateUrl = board.dataset.stateUrl;
  var pollMs = Number(board.dataset.pollMs) || 3000;
  var version = board.dataset.version;
  // the page as shown (with ?open=N when the list was lengthened), without the one-off flash
  var pageUrl = board.dataset.pageUrl || window.location.pathname;

  function schedule() { window.setTimeout(tick, pollMs); }

  function redraw() {
    return fetch(pageUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { window.location.reload(); return null; }
        return response.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
        if (!fresh) { return; }
        board.innerHTML = fresh.innerHTML;
        version = fresh.dataset.version;
        board.dataset.version = version;
        pageUrl = fresh.dataset.pageUrl || pageUrl;
      });
  }

  function tick() {
    if (document.hidden) { schedule(); return; }
    fetch(stateUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 403 || response.status === 404 || response.status === 410) {
          window.location.reload();  // the link stopped working: show why
          return null;
        }
        return response.ok ? response.json() : {};
      })
      .then(function (data) {
        if (data === null) { return "stop"; }
        if (data.version && data.version !== version) { return redraw(); }
      })
      .catch(function () { /* offline for a moment: try again later */ })
      .then(function (result) { if (result !== "stop") { schedule(); } });
  }

  schedule();
})();
