package cors

import (
	"fmt"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// TestCarveNeverSharesSlots carves from several goroutines at once, across
// many blocks, and checks that no element was handed out twice: each
// goroutine writes its own values and finds them intact at the end. Under
// -race, an element handed out twice is also a data race.
func TestCarveNeverSharesSlots(t *testing.T) {
	const goroutines, rounds = 4, 3 * 256
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = "192.0.2.1:100" + strconv.Itoa(g) // same stripe or not, by port
			var got [][]string
			for i := range rounds {
				n := 1 + i%4
				s := carve(r, n)
				if len(s) != n || cap(s) != n {
					errs <- fmt.Errorf("carve(%d) = len %d cap %d", n, len(s), cap(s))
					return
				}
				for j := range s {
					if s[j] != "" {
						errs <- fmt.Errorf("carve returned a used element %q", s[j])
						return
					}
					s[j] = fmt.Sprint(g, i, j)
				}
				got = append(got, s)
			}
			for i, s := range got {
				for j := range s {
					if want := fmt.Sprint(g, i, j); s[j] != want {
						errs <- fmt.Errorf("element %q overwritten, want %q", s[j], want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
