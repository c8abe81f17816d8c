package ui

// history keeps the last n samples of a series.
type history struct {
	values []float64
	n      int
}

func (h *history) add(v float64) {
	n := h.n
	if n <= 0 {
		n = 20
	}
	h.values = append(h.values, v)
	if len(h.values) > n {
		h.values = h.values[len(h.values)-n:]
	}
}
