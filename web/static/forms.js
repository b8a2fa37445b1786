// Attaché forms: small helps; every form works without them.
(function () {
  "use strict";
  // Delegation form: show the people of the chosen organization (and any already
  // ticked), hiding the other organizations' groups and head choices.
  function filterPeople(form) {
    var org = form.querySelector("select[data-forms=organization]");
    if (!org) { return; }
    var v = org.value;
    form.querySelectorAll(".forms-group[data-org]").forEach(function (g) {
      var ticked = g.querySelector("input[type=checkbox]:checked");
      g.hidden = v !== "" && g.getAttribute("data-org") !== v && !ticked;
    });
    var head = form.querySelector("#f-head_person_id");
    if (!head) { return; }
    head.querySelectorAll("optgroup[data-org]").forEach(function (g) {
      var chosen = g.querySelector("option:checked");
      g.hidden = v !== "" && g.getAttribute("data-org") !== v && !chosen;
    });
  }
  // Invitation form: show the chosen person's e-mail and language as what an empty
  // field will mean.
  function personDefaults(form) {
    var sel = form.querySelector("select[data-forms=person]");
    if (!sel) { return; }
    var opt = sel.options[sel.selectedIndex];
    var email = form.querySelector("#f-email"), lang = form.querySelector("#f-language");
    if (email) { email.placeholder = (opt && opt.getAttribute("data-email")) || ""; }
    if (lang) { lang.placeholder = (opt && opt.getAttribute("data-lang")) || ""; }
  }
  document.querySelectorAll("form[data-forms-delegation]").forEach(function (f) {
    filterPeople(f);
    f.addEventListener("change", function (ev) {
      if (ev.target.matches("select[data-forms=organization]")) { filterPeople(f); }
    });
  });
  document.querySelectorAll("form[data-forms-invitation]").forEach(function (f) {
    personDefaults(f);
    f.addEventListener("change", function (ev) {
      if (ev.target.matches("select[data-forms=person]")) { personDefaults(f); }
    });
  });
})();
