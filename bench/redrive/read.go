package main

import (
	"context"
	"errors"

	"github.com/mqscope/mqscope/sources"
)

func sourcesReadAll() sources.ReadOptions { return sources.ReadOptions{} }

func drain(ctx context.Context, sub sources.Subscription) []sources.Message {
	defer sub.Close()
	var out []sources.Message
	for {
		b, err := sub.Next(ctx, 5000)
		out = append(out, b...)
		if errors.Is(err, sources.ErrEndOfStream) {
			return out
		}
		check(err)
	}
}
