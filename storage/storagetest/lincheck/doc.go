// Package lincheck records a concurrent history of OSS object operations
// (PutObject, GetObject, DeleteObject, AppendObject) against a kossd Region
// and checks it with github.com/anishathalye/porcupine: every key's history
// must be linearizable, and no read may ever return a partial object.
//
// Both the in-process Region tests (storage/storagetest) and the
// real-process tests that kill kossd with SIGKILL (test/storage) drive
// their load through it:
//
//	rec := lincheck.NewRecorder()
//	for id, cl := range clients {
//		w := &lincheck.Worker{ID: id, OSS: cl, Bucket: "lin", Keys: keys, Rec: rec}
//		wg.Go(func() { w.Run(ctx, stop) })
//	}
//	... kill and restart nodes ...
//	close(stop); wg.Wait()
//	lincheck.FinalReads(ctx, rec, clients, "lin", keys)
//	rec.Check(t, 2*time.Minute)
//
// Every write carries a body that names itself: a header "<tag>/<size>|"
// followed by filler derived from the tag, so a read can be decoded into
// the sequence of whole writes it holds (the model state is that sequence
// of tags, which keeps histories small even with bodies of hundreds of
// KiB). A body that does not decode into whole writes is a partial or
// corrupt object, reported by Check.
//
// Requests whose outcome the client could not learn (a timeout, a reset
// connection, a 5xx) are recorded as unknown: they may take effect at any
// point after their call, or never. A request refused at dial time was
// never sent and is left out; a failed read tells nothing and is left out.
// A 403 is never an acceptable answer to a correctly signed request, so it
// is reported as an anomaly rather than counted as unknown.
package lincheck
