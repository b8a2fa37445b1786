// Adds the reader's own time beside each time on the delegate's page, when their device's
// timezone shows it differently from the event's. The server writes every time in the
// event's zone (the programme's reference); only the browser knows the reader's zone, so
// this small static script (CSP allows no inline script) adds it. Text only, no markup
// from data: the label comes from a data attribute the server escaped.
(function () {
  "use strict";
  var body = document.body;
  var tz = body && body.getAttribute("data-tz");
  if (!tz || typeof Intl === "undefined" || !Intl.DateTimeFormat) {
    return;
  }
  var lang = document.documentElement.lang || "en";
  if (lang === "en") {
    lang = "en-GB"; // "12 January 2021", as the server writes it
  }
  var label = body.getAttribute("data-local-label") || "";
  var full = { day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  var day = { day: "numeric", month: "long", year: "numeric" };
  var clock = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  var local, there, localDay, thereDay, localClock, localZone;
  try {
    localZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    local = new Intl.DateTimeFormat(lang, full);
    there = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz }, full));
    localDay = new Intl.DateTimeFormat(lang, day);
    thereDay = new Intl.DateTimeFormat(lang, Object.assign({ timeZone: tz }, day));
    localClock = new Intl.DateTimeFormat(lang, clock);
  } catch (e) {
    return; // an unknown zone or language: the server's text stands alone
  }
  if (localZone === tz) {
    return;
  }
  function show(f, start, end) {
    if (end && f.formatRange) {
      return f.formatRange(start, end);
    }
    return f.format(start) + (end ? " – " + f.format(end) : "");
  }
  // The reader's time, with the date only when it is not the day already shown.
  function mine(start, end) {
    var sameDay = localDay.format(start) === thereDay.format(start) &&
      (!end || localDay.format(end) === localDay.format(start));
    return show(sameDay ? localClock : local, start, end);
  }
  var nodes = document.querySelectorAll("[data-start]");
  for (var i = 0; i < nodes.length; i++) {
    var el = nodes[i];
    var start = new Date(el.getAttribute("data-start"));
    var endAttr = el.getAttribute("data-end");
    var end = endAttr ? new Date(endAttr) : null;
    if (isNaN(start.getTime()) || (end && isNaN(end.getTime()))) {
      continue;
    }
    if (show(local, start, end) === show(there, start, end)) {
      continue; // another zone name with the same clock, e.g. Europe/Minsk and Europe/Moscow
    }
    var span = document.createElement("span");
    span.className = "local";
    span.textContent = label + (localZone ? " (" + localZone + ")" : "") + ": " + mine(start, end);
    el.parentNode.insertBefore(span, el.nextSibling);
  }
})();
