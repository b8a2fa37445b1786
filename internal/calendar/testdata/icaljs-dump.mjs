// Prints, as JSON, what ical.js (Mozilla's iCalendar parser, the one behind Thunderbird)
// reads from an iCalendar file, so that internal/calendar's tests can compare it with what
// they encoded. Usage:
//
//	node icaljs-dump.mjs <folder holding node_modules/ical.js> <file.ics>
//
// Times are printed as UTC instants computed with the file's own VTIMEZONEs: a TZID with no
// VTIMEZONE in the file is an error, never a silent fallback to floating or local time.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dir, file] = process.argv.slice(2);
if (!dir || !file) {
  console.error("usage: node icaljs-dump.mjs <icaljs-dir> <file.ics>");
  process.exit(2);
}
const { default: ICAL } = await import(
  pathToFileURL(join(dir, "node_modules", "ical.js", "dist", "ical.js")).href
);

const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
if (root.name !== "vcalendar") {
  throw new Error(`top-level component is ${root.name}, not vcalendar`);
}
const zones = new Set();
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtz);
  zones.add(vtz.getFirstPropertyValue("tzid"));
}

function instant(vevent, name) {
  const prop = vevent.getFirstProperty(name);
  if (!prop) {
    return { at: "", tzid: "" };
  }
  const tzid = prop.getParameter("tzid") || "";
  const time = prop.getFirstValue();
  if (tzid) {
    if (!zones.has(tzid)) {
      throw new Error(`${name} has TZID ${tzid} but the file has no VTIMEZONE for it`);
    }
    if (!time.zone || time.zone.tzid !== tzid || !time.zone.component) {
      throw new Error(`${name} with TZID ${tzid} was not read in that zone`);
    }
  } else if (time.zone !== ICAL.Timezone.utcTimezone) {
    throw new Error(`${name} is neither UTC nor tied to a VTIMEZONE (floating time)`);
  }
  const utc = time.convertToZone(ICAL.Timezone.utcTimezone);
  const viaJS = time.toJSDate().toISOString().replace(".000Z", "Z");
  const at = utc.toString().replace(/Z?$/, "Z");
  if (at !== viaJS) {
    throw new Error(`${name}: convertToZone gives ${at}, toJSDate ${viaJS}`);
  }
  return { at, tzid };
}

function address(prop) {
  return String(prop.getFirstValue()).replace(/^mailto:/i, "");
}

const text = (c, name) => {
  const v = c.getFirstPropertyValue(name);
  return v === null || v === undefined ? "" : String(v);
};

const events = root.getAllSubcomponents("vevent").map((ev) => {
  const start = instant(ev, "dtstart");
  const end = instant(ev, "dtend");
  const org = ev.getFirstProperty("organizer");
  const related = ev.getFirstProperty("related-to");
  return {
    uid: text(ev, "uid"),
    sequence: Number(ev.getFirstPropertyValue("sequence") ?? 0),
    summary: text(ev, "summary"),
    description: text(ev, "description"),
    location: text(ev, "location"),
    url: text(ev, "url"),
    status: text(ev, "status"),
    start: start.at,
    end: end.at,
    tzid: start.tzid,
    organizer: org
      ? {
          email: address(org),
          name: org.getParameter("cn") || "",
          sentBy: (org.getParameter("sent-by") || "").replace(/^mailto:/i, ""),
        }
      : null,
    attendees: ev.getAllProperties("attendee").map((a) => ({
      email: address(a),
      name: a.getParameter("cn") || "",
      role: a.getParameter("role") || "",
      partstat: a.getParameter("partstat") || "",
      rsvp: String(a.getParameter("rsvp") || "").toUpperCase() === "TRUE",
    })),
    relatedTo: related ? String(related.getFirstValue()) : "",
    relType: related ? related.getParameter("reltype") || "" : "",
    categories: ev.getAllProperties("categories").flatMap((p) => p.getValues().map(String)),
  };
});

process.stdout.write(
  JSON.stringify({
    method: text(root, "method"),
    name: text(root, "x-wr-calname"),
    refresh: text(root, "refresh-interval"),
    zones: [...zones].sort(),
    events,
  }) + "\n"
);
