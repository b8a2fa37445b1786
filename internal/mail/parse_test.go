package mail

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// corpus reads the reply corpus of internal/service/testdata/replies (its README names
// what each file imitates).
func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "service", "testdata", "replies", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessageCorpus(t *testing.T) {
	for _, tc := range []struct {
		file, from, method, calType, auto, contains string
		report                                      bool
	}{
		{file: "gmail-accepted.eml", from: "az@genprosecutor-az.test", method: "REPLY", calType: "text/calendar", contains: "X-RESPONSE-COMMENT"},
		{file: "apple-declined.eml", from: "az@genprosecutor-az.test", calType: "application/ics", contains: "PARTSTAT=DECLINED"},
		{file: "latin1-accepted.eml", from: "az@genprosecutor-az.test", method: "REPLY", calType: "text/calendar", contains: "Alíyev Müller"},
		{file: "outlook-tentative.eml", from: "observer@coe.test", method: "REPLY", calType: "text/calendar", contains: "Russian Standard Time"},
		{file: "bom-accepted.eml", from: "observer@coe.test", method: "REPLY", calType: "text/calendar", contains: "Наблюдатель"},
		{file: "thunderbird-declined.eml", from: "observer@coe.test", method: "REPLY", calType: "text/calendar", contains: "X-TZINFO"},
		{file: "out-of-office.eml", from: "az@genprosecutor-az.test", auto: "Auto-Submitted: auto-replied"},
		{file: "bounce.eml", from: "mailer-daemon@mx.attache.test", report: true, auto: "Auto-Submitted: auto-replied"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			r, err := ParseMessage(corpus(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.From != tc.from || r.CalendarMethod != tc.method || r.CalendarType != tc.calType || r.AutoReply != tc.auto ||
				(r.Report != nil) != tc.report || !strings.Contains(string(r.Calendar), tc.contains) {
				t.Fatalf("got from %q method %q type %q auto %q report %v calendar:\n%s", r.From, r.CalendarMethod,
					r.CalendarType, r.AutoReply, r.Report, r.Calendar)
			}
			if r.MessageID == "" || r.Date == nil {
				t.Fatalf("message id %q date %v", r.MessageID, r.Date)
			}
		})
	}
}

func TestParseBounce(t *testing.T) {
	r, err := ParseMessage(corpus(t, "bounce.eml"))
	if err != nil {
		t.Fatal(err)
	}
	d := r.Report
	if !d.Failed() || d.FinalRecipient != "observer@coe.test" || d.Status != "5.1.1" ||
		d.Diagnostic != "550 5.1.1 <observer@coe.test>: Recipient address rejected: User unknown" ||
		len(d.OriginalIDs) != 1 || d.OriginalIDs[0] != "{{ORIGINAL_MESSAGE_ID}}" {
		t.Fatalf("report %+v", d)
	}
}

func TestParseMessageBroken(t *testing.T) {
	for name, raw := range map[string]string{
		"garbage":  string(corpus(t, "garbage.eml")),
		"empty":    "",
		"no colon": "this is not a header\r\n\r\nbody",
	} {
		if _, err := ParseMessage([]byte(raw)); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
	// Corrupt MIME that still has a header: a multipart without its boundary, and one
	// cut off mid-part. Neither may panic; neither carries a calendar.
	for name, raw := range map[string]string{
		"no boundary": "From: a@b.test\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\nContent-Type: text/calendar\r\n\r\nBEGIN:VCALENDAR\r\n",
		"truncated":   "From: a@b.test\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
		"bad base64":  "From: a@b.test\r\nContent-Type: text/calendar\r\nContent-Transfer-Encoding: base64\r\n\r\n@@@@",
	} {
		r, err := ParseMessage([]byte(raw))
		if err == nil && r.Calendar != nil && strings.Contains(string(r.Calendar), "VEVENT") {
			t.Errorf("%s: calendar from corrupt MIME: %q", name, r.Calendar)
		}
	}
}

func TestToUTF8(t *testing.T) {
	for _, tc := range []struct{ in, charset, want string }{
		{"plain", "", "plain"},
		{"caf\xe9 na\xefve", "", "café naïve"},
		{"\xcf\xf0\xe8\xed\xff\xf2\xee", "", "Принято"},
		{"\xcf\xf0\xe8\xed\xff\xf2\xee", "koi8-r", "оПХМЪРН"},
	} {
		if got := string(toUTF8([]byte(tc.in), tc.charset)); got != tc.want {
			t.Errorf("toUTF8(%q, %q) = %q, want %q", tc.in, tc.charset, got, tc.want)
		}
	}
}

// FuzzParseMessage: no input may panic the parser (security.md row 13).
func FuzzParseMessage(f *testing.F) {
	entries, _ := os.ReadDir(filepath.Join("..", "service", "testdata", "replies"))
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".eml") {
			f.Add(corpus(f, e.Name()))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := ParseMessage(raw)
		if err == nil && r == nil {
			t.Fatal("nil result without error")
		}
	})
}
