// Attaché officer interface: small enhancements; every page works without them.
(function () {
  "use strict";
  // Selects marked data-autosubmit send their form when changed (language, filters).
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) { el.form.submit(); }
  });
  // Buttons marked data-confirm ask before their form is sent.
  document.addEventListener("submit", function (ev) {
    var b = ev.submitter;
    var msg = (b && b.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  // Copy buttons: data-copy names the id of the input whose value to copy.
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!b) { return; }
    var src = document.getElementById(b.getAttribute("data-copy"));
    if (!src) { return; }
    var done = function () {
      var old = b.textContent;
      b.textContent = b.getAttribute("data-copied") || "✓";
      setTimeout(function () { b.textContent = old; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(src.value).then(done);
    } else {
      src.select(); document.execCommand("copy"); done();
    }
  });
  // Progress: an element with data-progress-url polls that JSON address
  // ({"total":N,"done":M,"failed":F,"finished":bool}) and fills the <progress> and the
  // text inside it until the batch is finished; the rest of the page stays usable.
  function poll(box) {
    var url = box.getAttribute("data-progress-url");
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-progress-text]");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        if (bar) { bar.max = Math.max(p.total, 1); bar.value = p.done + p.failed; }
        if (text) { text.textContent = (p.label || (p.done + " / " + p.total)); }
        if (!p.finished) { setTimeout(function () { poll(box); }, 1000); }
        else { box.classList.add("finished"); }
      })
      .catch(function () { setTimeout(function () { poll(box); }, 3000); });
  }
  document.querySelectorAll("[data-progress-url]").forEach(poll);
})();
