package main

import (
	"context"

	"github.com/mqscope/mqscope/sources"
)

func sourcesReadAll() sources.ReadOptions { return sources.ReadOptions{} }

func drain(ctx context.Context, sub sources.Subscription) []sources.Message {
	out, err := sources.Drain(ctx, sub, 0)
	check(err)
	return out
}
