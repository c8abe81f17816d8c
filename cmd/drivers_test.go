package cmd

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/mqscope/mqscope/sources"
)

// TestDriverFlags: a driver's flag, its further flags (repeated, and one
// that opens the connection on its own) and a switch are registered from
// the list, and its Spec is made from what was given.
func TestDriverFlags(t *testing.T) {
	var got []sources.FlagValues
	spec := func(v string, more sources.FlagValues) (sources.Spec, error) {
		got = append(got, more)
		return sources.Spec{Address: v + more.Get("zone")}, nil
	}
	ds := []sources.Driver{
		{Kind: "mem", Flag: "mem", Usage: "u", More: []sources.Flag{{Name: "zone", Usage: "u"}, {Name: "topic", Usage: "u", Repeated: true}}, FromFlags: spec},
		{Kind: "cloud", Flag: "cloud", Usage: "u", Switch: true, More: []sources.Flag{{Name: "cloud-endpoint", Usage: "u", Opens: true}}, FromFlags: spec},
	}
	for _, tc := range []struct {
		args  []string
		kinds []string
	}{
		{nil, nil},
		{[]string{"--mem", "m:1", "--zone", "z", "--topic", "a", "--topic", "b"}, []string{"mem"}},
		{[]string{"--cloud"}, []string{"cloud"}},
		{[]string{"--cloud-endpoint", "http://x"}, []string{"cloud"}},
		{[]string{"--zone", "z"}, nil}, // a further flag alone opens nothing
	} {
		fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
		e := &env{drivers: ds}
		e.adHocFlags = registerDriverFlags(fs, ds)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		got = nil
		dialers, err := e.dialersAdHoc()
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, d := range dialers {
			kinds = append(kinds, d.kind)
		}
		if !slices.Equal(kinds, tc.kinds) || e.adHoc() != (len(tc.kinds) > 0) {
			t.Fatalf("%v: opened %v", tc.args, kinds)
		}
		if tc.kinds != nil && tc.kinds[0] == "mem" && (dialers[0].spec.Address != "m:1z" || !slices.Equal(got[0]["topic"], []string{"a", "b"})) {
			t.Fatalf("%v: spec %+v from %v", tc.args, dialers[0].spec, got)
		}
	}
}
