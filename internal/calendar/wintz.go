package calendar

import "strings"

// WindowsZone maps a Windows time zone name, as Exchange and Outlook write it in TZID
// ("Russian Standard Time"), to its IANA zone: the territory "001" (default) entries of
// CLDR's windowsZones.xml (common/supplemental, CLDR 45) for Europe, the Caucasus, Central
// Asia, the Middle East and UTC, plus the zones our guests most often write from
// elsewhere. Matching ignores case and surrounding space.
func WindowsZone(name string) (string, bool) {
	iana, ok := windowsZones[strings.ToLower(strings.TrimSpace(name))]
	return iana, ok
}

// windowsZones is keyed by the lower-cased Windows name.
var windowsZones = map[string]string{
	// UTC and Western Europe
	"utc":                             "Etc/UTC",
	"coordinated universal time":      "Etc/UTC",
	"utc-11":                          "Etc/GMT+11",
	"utc-02":                          "Etc/GMT+2",
	"utc-08":                          "Etc/GMT+8",
	"utc-09":                          "Etc/GMT+9",
	"utc+12":                          "Etc/GMT-12",
	"utc+13":                          "Etc/GMT-13",
	"gmt standard time":               "Europe/London",
	"greenwich standard time":         "Atlantic/Reykjavik",
	"w. europe standard time":         "Europe/Berlin",
	"central europe standard time":    "Europe/Budapest",
	"romance standard time":           "Europe/Paris",
	"central european standard time":  "Europe/Warsaw",
	"w. central africa standard time": "Africa/Lagos",
	// Eastern Europe
	"gtb standard time":          "Europe/Bucharest",
	"e. europe standard time":    "Europe/Chisinau",
	"fle standard time":          "Europe/Kiev",
	"kaliningrad standard time":  "Europe/Kaliningrad",
	"russian standard time":      "Europe/Moscow",
	"belarus standard time":      "Europe/Minsk",
	"turkey standard time":       "Europe/Istanbul",
	"astrakhan standard time":    "Europe/Astrakhan",
	"russia time zone 3":         "Europe/Samara",
	"saratov standard time":      "Europe/Saratov",
	"volgograd standard time":    "Europe/Volgograd",
	"sao tome standard time":     "Africa/Sao_Tome",
	"israel standard time":       "Asia/Jerusalem",
	"jordan standard time":       "Asia/Amman",
	"middle east standard time":  "Asia/Beirut",
	"egypt standard time":        "Africa/Cairo",
	"syria standard time":        "Asia/Damascus",
	"west bank standard time":    "Asia/Hebron",
	"south africa standard time": "Africa/Johannesburg",
	// The Caucasus and the Middle East
	"georgian standard time":    "Asia/Tbilisi",
	"azerbaijan standard time":  "Asia/Baku",
	"caucasus standard time":    "Asia/Yerevan",
	"iran standard time":        "Asia/Tehran",
	"arabic standard time":      "Asia/Baghdad",
	"arab standard time":        "Asia/Riyadh",
	"arabian standard time":     "Asia/Dubai",
	"e. africa standard time":   "Africa/Nairobi",
	"afghanistan standard time": "Asia/Kabul",
	// Central Asia and Siberia
	"west asia standard time":       "Asia/Tashkent",
	"ekaterinburg standard time":    "Asia/Yekaterinburg",
	"pakistan standard time":        "Asia/Karachi",
	"qyzylorda standard time":       "Asia/Qyzylorda",
	"central asia standard time":    "Asia/Bishkek",
	"omsk standard time":            "Asia/Omsk",
	"n. central asia standard time": "Asia/Novosibirsk",
	"altai standard time":           "Asia/Barnaul",
	"tomsk standard time":           "Asia/Tomsk",
	"north asia standard time":      "Asia/Krasnoyarsk",
	"north asia east standard time": "Asia/Irkutsk",
	"ulaanbaatar standard time":     "Asia/Ulaanbaatar",
	"yakutsk standard time":         "Asia/Yakutsk",
	"vladivostok standard time":     "Asia/Vladivostok",
	"magadan standard time":         "Asia/Magadan",
	"sakhalin standard time":        "Asia/Sakhalin",
	"russia time zone 10":           "Asia/Srednekolymsk",
	"russia time zone 11":           "Asia/Kamchatka",
	"india standard time":           "Asia/Calcutta",
	"nepal standard time":           "Asia/Katmandu",
	"bangladesh standard time":      "Asia/Dhaka",
	"se asia standard time":         "Asia/Bangkok",
	"china standard time":           "Asia/Shanghai",
	"singapore standard time":       "Asia/Singapore",
	"tokyo standard time":           "Asia/Tokyo",
	"korea standard time":           "Asia/Seoul",
	"aus eastern standard time":     "Australia/Sydney",
	"mongolia standard time":        "Asia/Ulaanbaatar",
	"transbaikal standard time":     "Asia/Chita",
	"morocco standard time":         "Africa/Casablanca",
	// The Americas
	"eastern standard time":          "America/New_York",
	"central standard time":          "America/Chicago",
	"mountain standard time":         "America/Denver",
	"pacific standard time":          "America/Los_Angeles",
	"e. south america standard time": "America/Sao_Paulo",
}
