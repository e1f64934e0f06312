// Refresh the insights in place every few seconds while the page is visible.
(function () {
  "use strict";
  var box = document.getElementById("insights");
  if (!box || !window.fetch) { return; }
  var every = Number(box.dataset.refreshMs) || 30000;

  function schedule() { window.setTimeout(tick, every); }

  function tick() {
    if (document.hidden) { schedule(); return; }
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type === "opaqueredirect" || response.status === 401 || response.status === 403) {
          window.location.reload();  // signed out or no longer allowed: show why
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("insights");
        if (fresh) { box.innerHTML = fresh.innerHTML; box.dataset.refreshedAt = String(Date.now()); }
      })
      .catch(function () { /* offline for a moment */ })
      .then(schedule);
  }

  schedule();
})();
