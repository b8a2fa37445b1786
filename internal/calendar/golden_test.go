package calendar

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the encoder's output")

// The goldens' story: the protocol office invites the Prosecutor General of Azerbaijan to
// the meeting for the 299th anniversary of the Russian prosecutor's office (founded on
// 12 January 1722), moves it by an hour, then cancels it; a bilateral session with the
// Prosecutor General of Armenia hangs off the same event; a feed carries the programme.
const (
	meetingUID   = "event-3c1f6a52-9d1e-4f0b-8a7e-5d2b9c4e1a01@attache.test"
	armeniaUID   = "session-7d4e2b10-0a6c-4c1e-b9f3-2e8d1c5a7b02@attache.test"
	azerbaiUID   = "session-1b9e5c3d-6f2a-4d7b-8c0e-9a4f3b2d1e03@attache.test"
	parisUID     = "event-5e8a1f2c-3b4d-4a6e-9f0c-7d2b1a3c4e04@attache.test"
	parisOctUID  = "event-9c2d4e6f-1a3b-4c5d-8e7f-0a1b2c3d4e05@attache.test"
	bakuUID      = "event-2a4c6e8f-0b1d-4e3f-a5b7-c9d1e3f5a706@attache.test"
	rsvpLink     = "https://attache.test/rsvp/Qm9va2luZy10b2tlbi0wMDE"
	meetingTitle = "Торжественное собрание, посвящённое 299-й годовщине образования прокуратуры Российской Федерации"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func protocolOffice() *Organizer {
	return &Organizer{Name: "Protocol Office", Email: "protocol@attache.test", SentBy: "invitations@attache.test"}
}

func aliyev() Attendee {
	return Attendee{Name: "Камран Алиев", Email: "prosecutor.general@genprosecutor-az.test", RSVP: true}
}

// meeting is the anniversary meeting as first announced: 12 January 2021, 10:00 Moscow.
func meeting(t testing.TB) Event {
	msk := zone(t, "Europe/Moscow")
	return Event{
		UID:          meetingUID,
		Created:      time.Date(2020, 12, 15, 8, 0, 0, 0, time.UTC),
		LastModified: time.Date(2020, 12, 15, 8, 0, 0, 0, time.UTC),
		Summary:      meetingTitle,
		Description: "Уважаемый господин Алиев!\n\n" +
			"Приглашаем Вас принять участие в торжественном собрании, посвящённом 299-й годовщине " +
			"образования прокуратуры России (12 января 1722 года). Просим подтвердить участие; " +
			"программа, схема проезда и сведения о протоколе — по ссылке ниже.\n\n" +
			"Hörmətli cənab Əliyev! Sizi Rusiya prokurorluğunun yaradılmasının 299-cu ildönümünə " +
			"həsr olunmuş təntənəli yığıncaqda iştirak etməyə dəvət edirik.\n\n" +
			"Ответить / Cavab vermək: " + rsvpLink,
		Location:   "Москва, ул. Большая Дмитровка, 15а, актовый зал",
		URL:        "https://attache.test/events/299-anniversary",
		Categories: []string{"Торжественное собрание", "Протокол"},
		Start:      time.Date(2021, 1, 12, 10, 0, 0, 0, msk),
		End:        time.Date(2021, 1, 12, 12, 0, 0, 0, msk),
		TZID:       "Europe/Moscow",
		Status:     "CONFIRMED",
		Organizer:  protocolOffice(),
		Attendees:  []Attendee{aliyev()},
	}
}

// movedMeeting is the meeting after its start moved to 11:00: SEQUENCE 1.
func movedMeeting(t testing.TB) Event {
	e := meeting(t)
	msk := zone(t, "Europe/Moscow")
	e.Sequence = 1
	e.LastModified = time.Date(2020, 12, 28, 14, 0, 0, 0, time.UTC)
	e.Start = time.Date(2021, 1, 12, 11, 0, 0, 0, msk)
	e.End = time.Date(2021, 1, 12, 13, 0, 0, 0, msk)
	e.Description = "Время начала изменено: 11:00 (мск). / Başlama vaxtı dəyişdirilib: 11:00.\n\n" + e.Description
	return e
}

// armeniaSession is the bilateral session with the Prosecutor General of Armenia.
func armeniaSession(t testing.TB) Event {
	msk := zone(t, "Europe/Moscow")
	return Event{
		UID:     armeniaUID,
		Summary: "Двусторонняя встреча с Генеральным прокурором Республики Армения",
		Description: "Встреча на полях торжественного собрания.\n" +
			"Հարգելի պարոն Դավթյան, հրավիրում ենք Ձեզ երկկողմ հանդիպման։\n\n" +
			"Ответить: https://attache.test/rsvp/QXJtZW5pYS10b2tlbi0wMDI",
		Location:   "Москва, ул. Большая Дмитровка, 15а, переговорная № 3",
		Categories: []string{"Двусторонняя встреча"},
		Start:      time.Date(2021, 1, 12, 14, 0, 0, 0, msk),
		End:        time.Date(2021, 1, 12, 14, 45, 0, 0, msk),
		TZID:       "Europe/Moscow",
		Organizer:  protocolOffice(),
		Attendees: []Attendee{{
			Name: "Արթուր Դավթյան", Email: "arthur.davtyan@prosecutor-am.test", RSVP: true,
		}},
		RelatedTo: meetingUID,
	}
}

// feedCalendar is the office's programme feed: no attendees (interop.md §3, privacy).
func feedCalendar(t testing.TB) *Calendar {
	msk, paris, baku := zone(t, "Europe/Moscow"), zone(t, "Europe/Paris"), zone(t, "Asia/Baku")
	office := &Organizer{Name: "Protocol Office", Email: "protocol@attache.test"}
	m := movedMeeting(t)
	m.Description, m.Attendees, m.Organizer = "", nil, office
	s := armeniaSession(t)
	s.Description, s.Attendees, s.Organizer = "", nil, office
	return &Calendar{
		Method:          MethodPublish,
		Name:            "Attaché — программа визитов",
		RefreshInterval: time.Hour,
		Events: []Event{
			m,
			s,
			{
				UID:       azerbaiUID,
				Sequence:  1,
				Summary:   "Двусторонняя встреча с Генеральным прокурором Азербайджанской Республики",
				Location:  "Москва, ул. Большая Дмитровка, 15а, переговорная № 2",
				Start:     time.Date(2021, 1, 12, 15, 0, 0, 0, msk),
				End:       time.Date(2021, 1, 12, 15, 45, 0, 0, msk),
				TZID:      "Europe/Moscow",
				Status:    "CANCELLED",
				Organizer: office,
				RelatedTo: meetingUID,
			},
			{
				// Starts in winter time, ends in summer time: the night of 27–28 March 2021.
				UID:        parisUID,
				Summary:    "Консультации экспертов по правовой помощи (Париж)",
				Location:   "Paris, 8e arrondissement",
				Categories: []string{"Консультации", "Франция, Париж"},
				Start:      time.Date(2021, 3, 27, 9, 0, 0, 0, paris),
				End:        time.Date(2021, 3, 28, 18, 0, 0, 0, paris),
				TZID:       "Europe/Paris",
				Organizer:  office,
			},
			{
				// On the day clocks go back: 31 October 2021.
				UID:       parisOctUID,
				Summary:   "Рабочий завтрак в посольстве (Париж)",
				Start:     time.Date(2021, 10, 31, 9, 30, 0, 0, paris),
				End:       time.Date(2021, 10, 31, 11, 0, 0, 0, paris),
				TZID:      "Europe/Paris",
				Status:    "TENTATIVE",
				Organizer: office,
			},
			{
				UID:       bakuUID,
				Summary:   "Международная конференция прокуроров / Beynəlxalq prokurorlar konfransı",
				Location:  "Bakı, Azərbaycan",
				Start:     time.Date(2021, 5, 20, 10, 0, 0, 0, baku),
				End:       time.Date(2021, 5, 20, 17, 0, 0, 0, baku),
				TZID:      "Asia/Baku",
				Organizer: office,
			},
		},
	}
}

type goldenCase struct {
	name string
	cal  *Calendar
	now  time.Time
}

// goldenCases are the objects of testdata/*.golden, with the fixed clocks they were sent at.
func goldenCases(t testing.TB) []goldenCase {
	cancelled := movedMeeting(t)
	cancelled.Sequence = 2
	cancelled.Status = ""
	cancelled.LastModified = time.Date(2021, 1, 5, 10, 15, 0, 0, time.UTC)
	cancelled.Description = "Собрание отменено. / Yığıncaq ləğv edilib."
	return []goldenCase{
		{"request", &Calendar{Method: MethodRequest, Events: []Event{meeting(t)}}, time.Date(2020, 12, 20, 9, 30, 0, 0, time.UTC)},
		{"update", &Calendar{Method: MethodRequest, Events: []Event{movedMeeting(t)}}, time.Date(2020, 12, 28, 14, 0, 5, 0, time.UTC)},
		{"cancel", &Calendar{Method: MethodCancel, Events: []Event{cancelled}}, time.Date(2021, 1, 5, 10, 15, 30, 0, time.UTC)},
		{"session-request", &Calendar{Method: MethodRequest, Events: []Event{armeniaSession(t)}}, time.Date(2020, 12, 21, 11, 0, 0, 0, time.UTC)},
		{"feed", feedCalendar(t), time.Date(2021, 1, 6, 7, 0, 0, 0, time.UTC)},
	}
}

func goldenPath(name string) string {
	return filepath.Join("testdata", name+".golden")
}

func TestGoldenFiles(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			got, err := Encode(gc.cal, gc.now)
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, got)
			path := goldenPath(gc.name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/calendar -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("Encode differs from %s (run with -update if the change is meant):\n%s", path, lineDiff(string(want), string(got)))
			}
		})
	}
}

// TestGoldenRoundTrip decodes each golden file with go-ical and finds what was encoded.
func TestGoldenRoundTrip(t *testing.T) {
	for _, gc := range goldenCases(t) {
		t.Run(gc.name, func(t *testing.T) {
			data, err := os.ReadFile(goldenPath(gc.name))
			if err != nil {
				t.Fatal(err)
			}
			checkWellFormed(t, data)
			sameView(t, "go-ical's reading of "+goldenPath(gc.name), goicalView(t, data), expectedView(gc.cal))
		})
	}
}

// TestGoldenStory checks the iTIP rules between the goldens (interop.md §2): update and
// cancellation keep the UID, raise SEQUENCE and carry a newer DTSTAMP.
func TestGoldenStory(t *testing.T) {
	read := func(name string) eventView {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		return goicalView(t, data).Events[0]
	}
	stamp := func(name string) string {
		data, err := os.ReadFile(goldenPath(name))
		if err != nil {
			t.Fatal(err)
		}
		return propValue(decodeGoICAL(t, data).Events()[0].Props, "DTSTAMP")
	}
	req, upd, cancel := read("request"), read("update"), read("cancel")
	if req.UID != upd.UID || upd.UID != cancel.UID {
		t.Errorf("UIDs differ: %s, %s, %s", req.UID, upd.UID, cancel.UID)
	}
	if !(req.Sequence < upd.Sequence && upd.Sequence < cancel.Sequence) {
		t.Errorf("SEQUENCE does not rise: %d, %d, %d", req.Sequence, upd.Sequence, cancel.Sequence)
	}
	if !(stamp("request") < stamp("update") && stamp("update") < stamp("cancel")) {
		t.Errorf("DTSTAMP does not rise: %s, %s, %s", stamp("request"), stamp("update"), stamp("cancel"))
	}
	if cancel.Status != "CANCELLED" || len(cancel.Attendees) != 1 {
		t.Errorf("cancel: status %s, %d attendees; want CANCELLED and the attendee", cancel.Status, len(cancel.Attendees))
	}
	if s := read("session-request"); s.RelatedTo != req.UID || s.RelType != "PARENT" || s.UID == req.UID {
		t.Errorf("session: UID %s RELATED-TO %s;RELTYPE=%s, want its own UID related to %s", s.UID, s.RelatedTo, s.RelType, req.UID)
	}
}
