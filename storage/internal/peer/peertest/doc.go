// Package peertest injects network faults between in-process kossd nodes:
// a Network hands each node a dialer (peer.Config.Dial) whose connections
// it can cut, so a test can isolate a node from the others in both
// directions and heal the partition later.
package peertest
