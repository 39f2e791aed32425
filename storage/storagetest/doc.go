// Package storagetest starts real kossd Regions for tests: StartCluster(t, n)
// runs n server.Server nodes in the test's process, each with its own data
// directory and its own loopback address (127.x.y.z), formed into one
// raft cluster. Tests talk to them over HTTP like any client (Endpoint,
// Admin), crash and restart them (Kill, Restart: close and reopen on the
// same directories and addresses), grow the Region (AddNode) and wait for
// leadership (WaitLeader). Root credentials are RootAccessKeyID and
// RootAccessKeySecret.
//
//	c := storagetest.StartCluster(t, 3)
//	leader := c.WaitLeader()
//	client := newOSSClient(c.Endpoint((leader+1)%3), storagetest.RootAccessKeyID, storagetest.RootAccessKeySecret)
//	c.Kill(leader)
//	...
//	c.Restart(leader)
package storagetest
