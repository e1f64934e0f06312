// Redraw the queue every few seconds (the page as shown, same filters and page), while it is visible.
(function () {
  "use strict";
  var box = document.getElementById("queue");
  if (!box || !window.fetch) { return; }
  var pollMs = Number(box.dataset.pollMs) || 15000;
  var pageUrl = box.dataset.pageUrl || window.location.pathname + window.location.search;

  function tick() {
    if (document.hidden) { window.setTimeout(tick, pollMs); return; }
    fetch(pageUrl, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("queue");
        if (fresh) { box.innerHTML = fresh.innerHTML; }
      })
      .catch(function () { return null; })
      .then(function () { window.setTimeout(tick, pollMs); });
  }
  window.setTimeout(tick, pollMs);
}());
