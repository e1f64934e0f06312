// The attendance sheet: [All present] and live counts. The form works without it.
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) { return; }
  var allPresent = document.getElementById("all-present");
  var countsLine = document.querySelector(".counts-line");

  function recount() {
    if (!countsLine) { return; }
    var c = { present: 0, absent: 0, late: 0, excused: 0 };
    form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
      if (input.value in c) { c[input.value] += 1; }
    });
    countsLine.textContent = c.present + " present · " + c.absent + " absent · " + c.late +
      " late · " + c.excused + " excused";
  }

  allPresent.hidden = false;
  allPresent.addEventListener("click", function () {
    // Students excused in advance stay excused, as with [All present] in Telegram.
    form.querySelectorAll("fieldset.student").forEach(function (row) {
      var excused = row.querySelector("input[value=excused]");
      if (row.dataset.advance === "excused" && excused && excused.checked) { return; }
      var present = row.querySelector("input[value=present]");
      if (present) { present.checked = true; }
    });
    recount();
  });
  form.addEventListener("change", recount);
  form.addEventListener("submit", function () {
    var button = document.getElementById("submit-sheet");
    if (button) { button.disabled = true; button.textContent = "Submitting…"; }
  });
})();
