// Events area: buttons marked data-print open the browser's print dialog. The page
// works without it (the browser's own Print command gives the same layout).
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("[data-print]") : null;
    if (b) { window.print(); }
  });
})();
