// Package background runs the background work of a kossd node under one
// lifecycle: one context that ends when the node stops, and one wait group
// that Stop waits for. Every loop of the node (garbage collection, the
// orphan sweeper, the member view, repair, scrub) and every one-off task
// started on the side of a request (read repair) runs in the node's Group,
// so stopping a node is one call with one order: cancel, then wait.
package background
