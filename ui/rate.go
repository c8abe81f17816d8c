package ui

import "time"

// rateWindow is the span a live rate is averaged over.
const rateWindow = 5 * time.Second

// rateMeter measures a live rate of events from timed counts.
type rateMeter struct {
	times  []time.Time
	counts []int
}

// add records n events at t and forgets samples older than the window.
func (r *rateMeter) add(t time.Time, n int) {
	r.times = append(r.times, t)
	r.counts = append(r.counts, n)
	cut := 0
	for cut < len(r.times) && t.Sub(r.times[cut]) > rateWindow {
		cut++
	}
	r.times, r.counts = r.times[cut:], r.counts[cut:]
}

// rate is events per second over the window ending at now.
func (r *rateMeter) rate(now time.Time) float64 {
	total := 0
	for i, t := range r.times {
		if now.Sub(t) <= rateWindow {
			total += r.counts[i]
		}
	}
	return float64(total) / rateWindow.Seconds()
}
