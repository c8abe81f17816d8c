package filter

// WithoutNative is f deciding every message with expr, for tests that
// compare the native path with it.
func WithoutNative(f *Filter) *Filter {
	c := f.Clone()
	c.native = nil
	return c
}
