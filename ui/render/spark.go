package render

import "strings"

var sparkBars = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values (oldest first) as bars scaled to their maximum,
// the last width values at most; all zeros draw as a flat low line.
func Sparkline(values []float64, width int) string {
	if width <= 0 || len(values) == 0 {
		return ""
	}
	if len(values) > width {
		values = values[len(values)-width:]
	}
	top := 0.0
	for _, v := range values {
		top = max(top, v)
	}
	var b strings.Builder
	for _, v := range values {
		i := 0
		if top > 0 && v > 0 {
			i = min(int(v/top*float64(len(sparkBars)-1)+0.5), len(sparkBars)-1)
			i = max(i, 1)
		}
		b.WriteRune(sparkBars[i])
	}
	return b.String()
}
