// Package redis is mqscope's Redis Streams connector (go-redis v9, Redis
// 6.2 or later; 7.0 for lag and entries-added).
//
// Streams are the keys of type stream matching the connection's match
// pattern, found with SCAN ... TYPE stream (1,000 keys a call, at most
// MaxStreams, stopped by the caller's context), never KEYS. Each is
// listed with its length, first and last id and time, entries added, and
// its groups with their consumers, pending counts and lag (XINFO STREAM,
// XINFO GROUPS, pipelined).
//
// Positions: a Message's ID and its "id" property are the full entry id
// ("1733000000000-5"); Partition is sources.NoPartition, and Offset is the
// id packed into one int64 (ID.Offset: milliseconds << 20 | sequence), so
// the order, offset:N starts and ends, FetchAt and the listing's low and
// high marks work as on any other stream. OffsetID turns an Offset back
// into the id. A start time is the id "<unix ms>-0".
//
// Entries: see ValueFields for how field/value pairs become a value and
// headers, and EntryPairs for the way back.
//
// Reads create no group, claim nothing and acknowledge nothing: bounded
// reads page with XRANGE up to the last entry there when the read started
// (or ReadOptions.End), over a connection of the read's own, entries read
// straight into pairs, pages sized by bytes (100 to 4,000 entries, about
// 2 MiB) and the next asked for while one is handed on; last:N starts from
// XREVRANGE; a live tail waits with XREAD BLOCK (no GROUP) and pages on
// with XRANGE.
//
// Dead letters come two ways:
//   - a group's pending entries delivered more than Limits.MaxDeliveries
//     times (default 3) or idle longer than Limits.MaxIdle (default 10m),
//     read with XPENDING (each entry's idle time and delivery count, one
//     page of 500 a call) and listed as the
//     stream PendingName(stream, group), "orders#pending:billing" (a
//     stream key of that very name and the view are listed and addressed
//     as "...#key" and "...#view", KeyName and ViewName; the plain name of
//     both is refused, AmbiguousNameError), whose
//     messages carry a DeadLetter with the group, the consumer holding the
//     entry, its delivery count and idle time (scheme "redis-pending");
//   - streams named like dead-letter queues (orders.dlq, orders-dlq,
//     orders:dlq, orders.DLT...), the origin an entry's origin field
//     names (OriginFields: origin, original_stream...), else guessed from
//     the name (DeadLetterName); provenance headers the entries carry
//     (Spring, Connect...) are decoded as on Kafka.
//
// Redrive (sources.Redriver): one Lua script (EVALSHA) a batch of up to
// 200 items, streamed over a connection of the run's own (the next batch
// written while the server runs the one before), checks and writes each
// item in one atomic step: for pending
// entries XACK (the check: 0 means already done), XADD of the entry's
// pairs and the provenance headers to the target, XDEL when asked; for a
// DLQ stream XDEL (or, keeping the entries, the check of the marker set)
// and XADD; every copy's id goes into the run's marker set (MarkerKey,
// "<stream>#mqscope-redrive:<id>"), which tells what the run moved from
// what someone else acknowledged or deleted meanwhile
// (sources.RedriveSettledElsewhere). WATCH cannot guard this: a pending list changes (XACK, XCLAIM,
// XREADGROUP) without touching the key WATCH sees. A run stopped anywhere
// and run again finds what was done already done (sources.RedriveAlreadyDone)
// and writes nothing twice.
package redis
