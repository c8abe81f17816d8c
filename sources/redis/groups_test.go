package redis_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mqscope/mqscope/sources/redis"
)

// TestGroupsOfOneNameOnTwoStreams: a group named A on two streams is two
// groups, each with its own consumers, lag and pending entries, each
// described by its stream/group name; the bare name is refused as
// ambiguous.
func TestGroupsOfOneNameOnTwoStreams(t *testing.T) {
	e := newEnv(t, redis.Options{})
	one, two := e.key("one"), e.key("two")
	e.fill(one, 3)
	e.fill(two, 5)
	for _, s := range []string{one, two} {
		if err := e.raw.XGroupCreate(e.ctx, s, "A", "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.raw.Do(e.ctx, "XREADGROUP", "GROUP", "A", "w1", "COUNT", "2", "STREAMS", one, ">").Err(); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"w2", "w3"} {
		if err := e.raw.Do(e.ctx, "XREADGROUP", "GROUP", "A", w, "COUNT", "1", "STREAMS", two, ">").Err(); err != nil {
			t.Fatal(err)
		}
	}
	groups, err := e.conn.ListGroups(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 2 {
		t.Fatalf("groups: %+v", groups)
	}
	g1, g2 := groups[0], groups[1]
	if g1.Name != redis.GroupName(one, "A") || g1.Members != 1 || g1.Lag != 1 || g1.State != "2 pending" || !slices.Equal(g1.Topics, []string{one}) {
		t.Fatalf("group A of %s: %+v", one, g1)
	}
	if g2.Name != redis.GroupName(two, "A") || g2.Members != 2 || g2.Lag != 3 || g2.State != "2 pending" || !slices.Equal(g2.Topics, []string{two}) {
		t.Fatalf("group A of %s: %+v", two, g2)
	}
	d, err := e.conn.DescribeGroup(e.ctx, g2.Name)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != g2.Name || len(d.Offsets) != 1 || d.Offsets[0].Topic != two || d.Members != 2 || d.Lag != 3 {
		t.Fatalf("describe %s: %+v", g2.Name, d)
	}
	if _, err := e.conn.DescribeGroup(e.ctx, "A"); err == nil || !strings.Contains(err.Error(), "several streams") {
		t.Fatalf("the bare name of a group on two streams: %v", err)
	}
}
